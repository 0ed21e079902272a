//! [`law_service!`](crate::law_service): a law's gRPC service written as a table. Each row
//! names an RPC, its request, the kind of event it writes and the pure rule that checks the
//! payload; the macro makes the handler, its constructor and every RPC (the rows and the
//! ones every law shares, [`crate::shared`]) one call of [`crate::PillarWriter::handle`].

/// The reply of every write RPC.
pub type Reply = Result<tonic::Response<rondom_proto::v1::WriteResponse>, tonic::Status>;

/// Declares a law's gRPC service: `service(writer)`, the handler type and its trait
/// implementation.
///
/// ```ignore
/// rondom_adapter::law_service! {
///     /// Implements `rondom.v1.WmoService`.
///     WmoHandler: WmoService served by WmoServiceServer, in Pillar::Wmo;
///     receive_melding(ReceiveWmoMeldingRequest) writes wmo::MELDING_ONTVANGEN by rules::melding;
/// }
/// ```
#[macro_export]
macro_rules! law_service {
    (
        $(#[$doc:meta])*
        $handler:ident: $service:ident served by $server:ident, in $pillar:expr;
        $( $method:ident($request:ident) writes $kind:path, by $rule:path; )*
    ) => {
        /// Returns the gRPC service publishing through `writer`.
        pub fn service(writer: ::std::sync::Arc<$crate::EventWriter>) -> $server<$handler> {
            $server::new($handler {
                writer: $crate::PillarWriter::new(writer),
            })
        }

        $(#[$doc])*
        #[derive(Debug, Clone)]
        pub struct $handler {
            writer: $crate::PillarWriter,
        }

        $crate::law_service! {
            @rpcs $handler: $service, in $pillar;
            $( $method($request) writes $kind, by $rule; )*
            suspend_term(SuspendTermRequest)
                writes ::rondom_domain::catalogue::shared::TERMIJN_OPGESCHORT,
                by $crate::shared::suspend_term;
            resume_term(ResumeTermRequest)
                writes ::rondom_domain::catalogue::shared::TERMIJN_HERVAT,
                by $crate::shared::resume_term;
            receive_bezwaar(ReceiveBezwaarRequest)
                writes ::rondom_domain::catalogue::shared::BEZWAAR_ONTVANGEN,
                by $crate::shared::receive_bezwaar;
            extend_decision_term(ExtendDecisionTermRequest)
                writes ::rondom_domain::catalogue::shared::BESLISTERMIJN_VERLENGD,
                by $crate::shared::extend_decision_term;
            receive_ingebrekestelling(ReceiveIngebrekestellingRequest)
                writes ::rondom_domain::catalogue::shared::INGEBREKESTELLING_ONTVANGEN,
                by $crate::shared::receive_ingebrekestelling;
            adjourn_bezwaar(AdjournBezwaarRequest)
                writes ::rondom_domain::catalogue::shared::BESLISSING_VERDAAGD,
                by $crate::shared::adjourn_bezwaar;
            decide_bezwaar(DecideBezwaarRequest)
                writes ::rondom_domain::catalogue::shared::BESLISSING_OP_BEZWAAR,
                by $crate::shared::decide_bezwaar;
            receive_avg_verzoek(ReceiveAvgVerzoekRequest)
                writes ::rondom_domain::catalogue::shared::AVG_VERZOEK_ONTVANGEN,
                by $crate::shared::receive_avg_verzoek;
            extend_avg_verzoek(ExtendAvgVerzoekRequest)
                writes ::rondom_domain::catalogue::shared::AVG_VERZOEK_VERLENGD,
                by $crate::shared::extend_avg_verzoek;
            answer_avg_verzoek(AnswerAvgVerzoekRequest)
                writes ::rondom_domain::catalogue::shared::AVG_VERZOEK_BEANTWOORD,
                by $crate::shared::answer_avg_verzoek;
            rectify_fact(RectifyFactRequest)
                writes ::rondom_domain::catalogue::shared::FEIT_GERECTIFICEERD,
                by $crate::shared::rectify_fact;
        }
    };
    (
        @rpcs $handler:ident: $service:ident, in $pillar:expr;
        $( $method:ident($request:ident) writes $kind:path, by $rule:path; )*
    ) => {
        #[::tonic::async_trait]
        impl $service for $handler {
            $(
                async fn $method(
                    &self,
                    request: ::tonic::Request<::rondom_proto::v1::$request>,
                ) -> $crate::Reply {
                    // Every write request carries its context in `context`.
                    let context = |request: &mut ::rondom_proto::v1::$request| request.context.take();
                    self.writer.handle(request, $pillar, &$kind, context, $rule).await
                }
            )*
        }
    };
}
