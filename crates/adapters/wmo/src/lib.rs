//! The Wmo adapter: `rondom.v1.WmoService`. A Wmo 2015 back-office reports each step of a
//! case (melding, onderzoek, aanvraag, beschikking, voorziening); the adapter checks the Wmo's
//! own rules and publishes one event per step on `rondom.evt.<household>.wmo.<kind>`.
//!
//! # Example
//! ```no_run
//! # async fn example(writer: std::sync::Arc<rondom_adapter::EventWriter>) {
//! let service = rondom_adapter_wmo::service(writer);
//! # drop(service);
//! # }
//! ```

pub mod rules;

use rondom_domain::Pillar;
use rondom_domain::catalogue;
use rondom_proto::v1::wmo_service_server::{WmoService, WmoServiceServer};

rondom_adapter::law_service! {
    /// Implements `rondom.v1.WmoService`.
    WmoHandler: WmoService served by WmoServiceServer, in Pillar::Wmo;
    receive_melding(ReceiveWmoMeldingRequest)
        writes catalogue::wmo::MELDING_ONTVANGEN, by rules::receive_melding;
    start_onderzoek(StartWmoOnderzoekRequest)
        writes catalogue::wmo::ONDERZOEK_GESTART, by rules::start_onderzoek;
    finish_onderzoek(FinishWmoOnderzoekRequest)
        writes catalogue::wmo::ONDERZOEK_AFGEROND, by rules::finish_onderzoek;
    decide_tijdelijke_voorziening(DecideWmoTijdelijkeVoorzieningRequest)
        writes catalogue::wmo::TIJDELIJKE_VOORZIENING_BESLOTEN, by rules::decide_tijdelijke_voorziening;
    receive_aanvraag(ReceiveWmoAanvraagRequest)
        writes catalogue::wmo::AANVRAAG_ONTVANGEN, by rules::receive_aanvraag;
    issue_beschikking(IssueWmoBeschikkingRequest)
        writes catalogue::wmo::BESCHIKKING_AFGEGEVEN, by rules::issue_beschikking;
    assign_voorziening(AssignWmoVoorzieningRequest)
        writes catalogue::wmo::VOORZIENING_TOEGEWEZEN, by rules::assign_voorziening;
    start_voorziening(StartWmoVoorzieningRequest)
        writes catalogue::wmo::VOORZIENING_GESTART, by rules::start_voorziening;
    stop_voorziening(StopWmoVoorzieningRequest)
        writes catalogue::wmo::VOORZIENING_GESTOPT, by rules::stop_voorziening;
}
