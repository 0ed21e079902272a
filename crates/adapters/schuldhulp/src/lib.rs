//! The Schuldhulp adapter: `rondom.v1.SchuldhulpService`. A back-office for the Wet
//! gemeentelijke schuldhulpverlening reports vroegsignalen of creditors and each step of a
//! schuldhulp trajectory (aanmelding, eerste gesprek, beschikking, stabilisatie,
//! schuldregeling, afsluiting); the adapter checks the Wgs's own rules and publishes one event
//! per step on `rondom.evt.<household>.schuldhulp.<kind>`.
//!
//! # Example
//! ```no_run
//! # async fn example(writer: std::sync::Arc<rondom_adapter::EventWriter>) {
//! let service = rondom_adapter_schuldhulp::service(writer);
//! # drop(service);
//! # }
//! ```

mod rules;

use rondom_domain::Pillar;
use rondom_domain::catalogue;
use rondom_proto::v1::schuldhulp_service_server::{SchuldhulpService, SchuldhulpServiceServer};

rondom_adapter::law_service! {
    /// Implements `rondom.v1.SchuldhulpService`.
    SchuldhulpHandler: SchuldhulpService served by SchuldhulpServiceServer, in Pillar::Schuldhulp;
    receive_vroegsignaal(ReceiveVroegsignaalRequest)
        writes catalogue::schuldhulp::VROEGSIGNAAL_ONTVANGEN, by rules::receive_vroegsignaal;
    record_contactpoging(RecordContactpogingRequest)
        writes catalogue::schuldhulp::CONTACTPOGING_GEDAAN, by rules::record_contactpoging;
    make_aanbod(MakeAanbodRequest)
        writes catalogue::schuldhulp::AANBOD_GEDAAN, by rules::make_aanbod;
    decline_aanbod(DeclineAanbodRequest)
        writes catalogue::schuldhulp::AANBOD_AFGEWEZEN, by rules::decline_aanbod;
    accept_aanbod(AcceptAanbodRequest)
        writes catalogue::schuldhulp::AANBOD_GEACCEPTEERD, by rules::accept_aanbod;
    receive_aanmelding(ReceiveAanmeldingRequest)
        writes catalogue::schuldhulp::AANMELDING_ONTVANGEN, by rules::receive_aanmelding;
    hold_eerste_gesprek(HoldEersteGesprekRequest)
        writes catalogue::schuldhulp::EERSTE_GESPREK_GEVOERD, by rules::hold_eerste_gesprek;
    issue_beschikking(IssueSchuldBeschikkingRequest)
        writes catalogue::schuldhulp::BESCHIKKING_AFGEGEVEN, by rules::issue_beschikking;
    reach_stabilisatie(ReachStabilisatieRequest)
        writes catalogue::schuldhulp::STABILISATIE_BEREIKT, by rules::reach_stabilisatie;
    start_schuldregeling(StartSchuldregelingRequest)
        writes catalogue::schuldhulp::SCHULDREGELING_GESTART, by rules::start_schuldregeling;
    end_schuldregeling(EndSchuldregelingRequest)
        writes catalogue::schuldhulp::SCHULDREGELING_BEEINDIGD, by rules::end_schuldregeling;
    close_traject(CloseSchuldTrajectRequest)
        writes catalogue::schuldhulp::TRAJECT_AFGESLOTEN, by rules::close_traject;
}
