//! The Jeugd adapter: `rondom.v1.JeugdService`. A Jeugdwet back-office reports each step of a
//! case (hulpvraag, aanvraag, beschikking, jeugdhulp by a provider) and the protected facts of
//! Veilig Thuis and child protection; the adapter checks the Jeugdwet's own rules (the
//! jeugdige, the first person, is younger than 23) and publishes one event per step on
//! `rondom.evt.<household>.jeugd.<kind>`.
//!
//! # Example
//! ```no_run
//! # async fn example(writer: std::sync::Arc<rondom_adapter::EventWriter>) {
//! let service = rondom_adapter_jeugd::service(writer);
//! # drop(service);
//! # }
//! ```

pub mod rules;

use rondom_domain::Pillar;
use rondom_domain::catalogue;
use rondom_proto::v1::jeugd_service_server::{JeugdService, JeugdServiceServer};

rondom_adapter::law_service! {
    /// Implements `rondom.v1.JeugdService`.
    JeugdHandler: JeugdService served by JeugdServiceServer, in Pillar::Jeugd;
    receive_hulpvraag(ReceiveJeugdHulpvraagRequest)
        writes catalogue::jeugd::HULPVRAAG_ONTVANGEN, by rules::receive_hulpvraag;
    receive_aanvraag(ReceiveJeugdAanvraagRequest)
        writes catalogue::jeugd::AANVRAAG_ONTVANGEN, by rules::receive_aanvraag;
    issue_beschikking(IssueJeugdBeschikkingRequest)
        writes catalogue::jeugd::BESCHIKKING_AFGEGEVEN, by rules::issue_beschikking;
    assign_jeugdhulp(AssignJeugdhulpRequest)
        writes catalogue::jeugd::JEUGDHULP_TOEGEWEZEN, by rules::assign_jeugdhulp;
    start_jeugdhulp(StartJeugdhulpRequest)
        writes catalogue::jeugd::JEUGDHULP_GESTART, by rules::start_jeugdhulp;
    end_jeugdhulp(EndJeugdhulpRequest)
        writes catalogue::jeugd::JEUGDHULP_BEEINDIGD, by rules::end_jeugdhulp;
    register_veilig_thuis(RegisterVeiligThuisRequest)
        writes catalogue::jeugd::VEILIG_THUIS_BETROKKEN, by rules::register_veilig_thuis;
    start_maatregel(StartMaatregelRequest)
        writes catalogue::jeugd::JEUGDBESCHERMINGSMAATREGEL_GESTART, by rules::start_maatregel;
    end_maatregel(EndMaatregelRequest)
        writes catalogue::jeugd::JEUGDBESCHERMINGSMAATREGEL_BEEINDIGD, by rules::end_maatregel;
}
