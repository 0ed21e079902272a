//! The Participatie adapter: `rondom.v1.ParticipatieService`. A Participatiewet back-office
//! reports each step of a bijstand case (melding, aanvraag, voorschot, besluit, einde of the
//! uitkering) and of re-integratie; the adapter checks the Participatiewet's own rules and
//! publishes one event per step on `rondom.evt.<household>.participatie.<kind>`.
//!
//! # Example
//! ```no_run
//! # async fn example(writer: std::sync::Arc<rondom_adapter::EventWriter>) {
//! let service = rondom_adapter_participatie::service(writer);
//! # drop(service);
//! # }
//! ```

mod rules;

use rondom_domain::Pillar;
use rondom_domain::catalogue;
use rondom_proto::v1::participatie_service_server::{
    ParticipatieService, ParticipatieServiceServer,
};

rondom_adapter::law_service! {
    /// Implements `rondom.v1.ParticipatieService`.
    ParticipatieHandler: ParticipatieService served by ParticipatieServiceServer, in Pillar::Participatie;
    register_melding(RegisterPwMeldingRequest)
        writes catalogue::participatie::MELDING_GEDAAN, by rules::register_melding;
    receive_aanvraag(ReceivePwAanvraagRequest)
        writes catalogue::participatie::AANVRAAG_INGEDIEND, by rules::receive_aanvraag;
    grant_voorschot(GrantVoorschotRequest)
        writes catalogue::participatie::VOORSCHOT_VERLEEND, by rules::grant_voorschot;
    take_besluit(TakePwBesluitRequest)
        writes catalogue::participatie::BESLUIT_GENOMEN, by rules::take_besluit;
    start_reintegratie(StartReintegratieRequest)
        writes catalogue::participatie::REINTEGRATIE_GESTART, by rules::start_reintegratie;
    end_reintegratie(EndReintegratieRequest)
        writes catalogue::participatie::REINTEGRATIE_BEEINDIGD, by rules::end_reintegratie;
    end_uitkering(EndUitkeringRequest)
        writes catalogue::participatie::UITKERING_BEEINDIGD, by rules::end_uitkering;
}
