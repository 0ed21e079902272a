//! From one product line of a message to the event it means, through the law's own payload
//! rules: a 301 line is a toewijzing, a 305 line a start and a 307 line a stop of care, a 315
//! line a request for a toewijzing, in the Wmo or the Jeugd pillar; a 317 is one request to
//! change, a 319 the gemeente's answer to a request. The gemeente, the provider and the idempotency key come from the message; whether
//! the caller may send it (the gemeente's back-office of the law for a 301, the provider the
//! message names as Afzender for the others) is the shared write path's.

use chrono::NaiveDate;
use rondom_access::audit::Caller;
use rondom_adapter::{PillarWriter, Place};
use rondom_adapter_jeugd::rules as jeugd;
use rondom_adapter_wmo::rules as wmo;
use rondom_domain::access::Role;
use rondom_domain::catalogue::EventKind;
use rondom_domain::{FieldViolation, InvalidInput, Pillar, catalogue};
use rondom_proto::convert::{proto_date, timestamp};
use rondom_proto::v1;
use tonic::{Response, Status};
use tonic_types::StatusExt as _;

use crate::message::{Antwoord, Kind, Message, ProductLine, Standard, Wijziging};

/// A law's payload rule: the event's body, if the payload keeps the rules.
type Rule<T> = fn(&mut rondom_adapter::Check, T) -> Option<v1::event::Body>;

/// The write of one product line, or of a 317's one request.
#[derive(Debug, Clone, Copy)]
pub struct Write<'m> {
    message: &'m Message,
    part: Part<'m>,
    /// Its place in the message, from 0.
    index: usize,
    mode: Mode,
}

/// Whether a write publishes, or only checks what can be known before publishing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Publish,
    Check,
}

/// What of a message one write writes.
#[derive(Debug, Clone, Copy)]
enum Part<'m> {
    Line(&'m ProductLine),
    Wijziging(&'m Wijziging),
    Antwoord(&'m Antwoord),
}

/// The writes a message means: one per product line, the one request of a 317, or the one
/// answer of a 319.
pub fn writes(message: &Message) -> Vec<Write<'_>> {
    let parts: Vec<Part> = match (&message.wijziging, &message.antwoord) {
        (Some(wijziging), _) => vec![Part::Wijziging(wijziging)],
        (None, Some(antwoord)) => vec![Part::Antwoord(antwoord)],
        (None, None) => message.products.iter().map(Part::Line).collect(),
    };
    parts
        .into_iter()
        .enumerate()
        .map(|(index, part)| Write {
            message,
            part,
            index,
            mode: Mode::Publish,
        })
        .collect()
}

impl Write<'_> {
    /// Writes the event of the line as `caller`.
    ///
    /// # Errors
    /// As the law services: `INVALID_ARGUMENT` for a line the law's rules refuse,
    /// `PERMISSION_DENIED` for a sender who may not write it.
    pub async fn send(
        &self,
        writer: &PillarWriter,
        caller: &Caller,
    ) -> Result<Response<v1::WriteResponse>, Status> {
        if let Err(refusal) = self.may_send(caller) {
            return Err(writer.refused(caller, &self.event_type(), refusal).await);
        }
        self.write(writer, caller)
            .await
            .map_err(|status| self.in_message_terms(status))
    }

    /// Checks the line as [`Write::send`] would, up to what needs the log (the toewijzing a
    /// provider's line rests on, the request an answer names), writing nothing: a message is
    /// checked whole before any of its lines is written. A refusal is audited.
    ///
    /// # Errors
    /// As [`Write::send`].
    pub async fn check(&self, writer: &PillarWriter, caller: &Caller) -> Result<(), Status> {
        let checking = Write {
            mode: Mode::Check,
            ..*self
        };
        checking.send(writer, caller).await.map(|_| ())
    }

    /// Publishes (or checks, see [`Mode`]) the event `build` makes, through the law's
    /// rules.
    async fn emit(
        &self,
        writer: &PillarWriter,
        caller: &Caller,
        context: Option<v1::WriteContext>,
        place: Place,
        build: impl FnOnce(&mut rondom_adapter::Check) -> Option<v1::event::Body>,
    ) -> Result<Response<v1::WriteResponse>, Status> {
        let (pillar, kind) = self.target();
        match self.mode {
            Mode::Publish => {
                writer
                    .write_placed(caller, pillar, kind, context, place, build)
                    .await
            }
            Mode::Check => match writer
                .check_placed(caller, pillar, kind, context, place, build)
                .await
            {
                // Nothing was written: the answer is empty.
                Ok(()) => Ok(Response::new(v1::WriteResponse::default())),
                Err(refusal) => Err(writer.refused(caller, &self.event_type(), refusal).await),
            },
        }
    }

    /// The pillar and kind of the line's event.
    fn target(&self) -> (Pillar, &'static EventKind) {
        use catalogue::{jeugd, wmo};
        match (self.message.standard, self.message.kind) {
            (Standard::Iwmo, Kind::Toewijzing) => (Pillar::Wmo, &wmo::VOORZIENING_TOEGEWEZEN),
            (Standard::Iwmo, Kind::Start) => (Pillar::Wmo, &wmo::VOORZIENING_GESTART),
            (Standard::Iwmo, Kind::Stop) => (Pillar::Wmo, &wmo::VOORZIENING_GESTOPT),
            (Standard::Iwmo, Kind::Verzoek) => (Pillar::Wmo, &wmo::TOEWIJZING_GEVRAAGD),
            (Standard::Iwmo, Kind::Wijziging) => (Pillar::Wmo, &wmo::WIJZIGING_GEVRAAGD),
            (Standard::Iwmo, Kind::Antwoord) => (Pillar::Wmo, &wmo::VERZOEK_BEANTWOORD),
            (Standard::Ijw, Kind::Toewijzing) => (Pillar::Jeugd, &jeugd::JEUGDHULP_TOEGEWEZEN),
            (Standard::Ijw, Kind::Start) => (Pillar::Jeugd, &jeugd::JEUGDHULP_GESTART),
            (Standard::Ijw, Kind::Stop) => (Pillar::Jeugd, &jeugd::JEUGDHULP_BEEINDIGD),
            (Standard::Ijw, Kind::Verzoek) => (Pillar::Jeugd, &jeugd::TOEWIJZING_GEVRAAGD),
            (Standard::Ijw, Kind::Wijziging) => (Pillar::Jeugd, &jeugd::WIJZIGING_GEVRAAGD),
            (Standard::Ijw, Kind::Antwoord) => (Pillar::Jeugd, &jeugd::VERZOEK_BEANTWOORD),
        }
    }

    /// The CloudEvents type of the line's event, as the audit log names a write.
    fn event_type(&self) -> String {
        let (pillar, kind) = self.target();
        rondom_adapter::pillar::event_type(pillar, kind.name)
    }

    /// Writes the line's event through the law's own rules.
    async fn write(
        &self,
        writer: &PillarWriter,
        caller: &Caller,
    ) -> Result<Response<v1::WriteResponse>, Status> {
        let context = match self.context() {
            Ok(context) => Some(context),
            Err(refusal) => return Err(writer.refused(caller, &self.event_type(), refusal).await),
        };
        let line = match self.part {
            Part::Line(line) => line,
            Part::Wijziging(wijziging) => {
                return self
                    .send_wijziging(writer, caller, wijziging, context)
                    .await;
            }
            Part::Antwoord(antwoord) => {
                return self.send_antwoord(writer, caller, antwoord, context).await;
            }
        };
        let kind = self.message.kind;
        match (Care::of(kind), self.message.standard) {
            (Some(care), Standard::Iwmo) => {
                self.send_wmo(writer, caller, line, care, context).await
            }
            (Some(care), Standard::Ijw) => {
                self.send_jeugd(writer, caller, line, care, context).await
            }
            (None, _) if kind == Kind::Verzoek => {
                self.send_verzoek(writer, caller, line, context).await
            }
            (None, _) => Err(whole_message()),
        }
    }

    /// Writes a Wmo line: a toewijzing, a start or a stop of a voorziening.
    async fn send_wmo(
        &self,
        writer: &PillarWriter,
        caller: &Caller,
        line: &ProductLine,
        care: Care,
        context: Option<v1::WriteContext>,
    ) -> Result<Response<v1::WriteResponse>, Status> {
        let message = self.message;
        let product = line.code.clone().unwrap_or_default();
        let (begin, end) = (
            Some(proto_date(line.begindatum)),
            line.einddatum.map(proto_date),
        );
        match care {
            Care::Toewijzing => {
                let voorziening = v1::WmoVoorzieningToegewezen {
                    aanbieder_agb: message.ontvanger.clone(),
                    productcode: product,
                    begindatum: begin,
                    einddatum: end,
                    aanlevering: self.aanlevering() as i32,
                    verzoek_case: self.granted(line),
                };
                let request = v1::AssignWmoVoorzieningRequest {
                    context: None,
                    voorziening: Some(voorziening),
                };
                self.emit(writer, caller, context, Place::Persons, |check| {
                    wmo::assign_voorziening(check, request)
                })
                .await
            }
            Care::Start => {
                let voorziening = v1::WmoVoorzieningGestart {
                    aanbieder_agb: message.afzender.clone(),
                    productcode: product,
                    begindatum: begin,
                    aanlevering: self.aanlevering() as i32,
                };
                let request = v1::StartWmoVoorzieningRequest {
                    context: None,
                    voorziening: Some(voorziening),
                };
                self.emit(writer, caller, context, Place::Persons, |check| {
                    wmo::start_voorziening(check, request)
                })
                .await
            }
            Care::Stop => {
                let voorziening = v1::WmoVoorzieningGestopt {
                    aanbieder_agb: message.afzender.clone(),
                    productcode: product,
                    begindatum: begin,
                    einddatum: end,
                    reden: stop_reden(message.standard, line.reden_beeindiging.as_deref()) as i32,
                    aanlevering: self.aanlevering() as i32,
                };
                let request = v1::StopWmoVoorzieningRequest {
                    context: None,
                    voorziening: Some(voorziening),
                };
                self.emit(writer, caller, context, Place::Persons, |check| {
                    wmo::stop_voorziening(check, request)
                })
                .await
            }
        }
    }

    /// Writes a 319: the gemeente's answer, in the household and case of the request it
    /// answers (retourcode 9355 when Rondom holds no such request).
    async fn send_antwoord(
        &self,
        writer: &PillarWriter,
        caller: &Caller,
        antwoord: &Antwoord,
        context: Option<v1::WriteContext>,
    ) -> Result<Response<v1::WriteResponse>, Status> {
        let message = self.message;
        let beantwoord = v1::VerzoekBeantwoord {
            aanbieder_agb: message.ontvanger.clone(),
            antwoord: i32::from(antwoord.antwoord),
            reden: antwoord.reden.map_or(0, i32::from),
            woonplaatsbeginsel_gemeente: antwoord.woonplaatsbeginsel.clone().unwrap_or_default(),
        };
        let rules: (Rule<_>, Rule<_>) = (wmo::answer_verzoek, jeugd::answer_verzoek);
        let answered = self
            .by_law(writer, caller, context, Place::AnswerTo, beantwoord, rules)
            .await;
        answered.map_err(|status| {
            if status.code() != tonic::Code::NotFound {
                return status;
            }
            let input = InvalidInput::single(
                "Antwoord/ReferentieAanbieder",
                "no 315 or 317 of the Ontvanger with this ReferentieAanbieder in a gemeente you \
                 serve (retourcode 9355)",
            );
            rondom_proto::status::invalid_argument(&input)
        })
    }

    /// Writes a 317: the provider's request to change, through the law's own rules.
    async fn send_wijziging(
        &self,
        writer: &PillarWriter,
        caller: &Caller,
        wijziging: &Wijziging,
        context: Option<v1::WriteContext>,
    ) -> Result<Response<v1::WriteResponse>, Status> {
        // The toewijzingen it asks to change must be its own (the same check a start or
        // stop line gets).
        let (pillar, _) = self.target();
        if let Some(bsn) = self.message.bsn.as_deref().and_then(|bsn| bsn.parse().ok()) {
            let cases: Vec<String> = wijziging
                .te_wijzigen
                .iter()
                .map(|nummer| format!("toewijzing-{nummer}"))
                .collect();
            writer
                .holds_toewijzingen(
                    caller,
                    pillar,
                    &self.event_type(),
                    &self.message.ontvanger,
                    &bsn,
                    &cases,
                )
                .await?;
        }
        let verzoek = v1::WijzigingGevraagd {
            aanbieder_agb: self.message.afzender.clone(),
            reden: match wijziging.reden {
                1 => v1::RedenVerzoek::Clientsituatie,
                _ => v1::RedenVerzoek::Zorgplan,
            } as i32,
            te_wijzigen: wijziging.te_wijzigen.clone(),
            nieuwe_producten: wijziging.nieuwe_producten,
        };
        let rules: (Rule<_>, Rule<_>) = (wmo::ask_wijziging, jeugd::ask_wijziging);
        self.by_law(writer, caller, context, Place::Request, verzoek, rules)
            .await
    }

    /// Writes `payload` through the rules of the message's law (`rules`: Wmo's, Jeugd's).
    async fn by_law<T>(
        &self,
        writer: &PillarWriter,
        caller: &Caller,
        context: Option<v1::WriteContext>,
        place: Place,
        payload: T,
        rules: (Rule<T>, Rule<T>),
    ) -> Result<Response<v1::WriteResponse>, Status> {
        let rule = match self.message.standard {
            Standard::Iwmo => rules.0,
            Standard::Ijw => rules.1,
        };
        self.emit(writer, caller, context, place, |check| rule(check, payload))
            .await
    }

    /// Writes a 315 line: the provider's request, through the law's own rules.
    async fn send_verzoek(
        &self,
        writer: &PillarWriter,
        caller: &Caller,
        line: &ProductLine,
        context: Option<v1::WriteContext>,
    ) -> Result<Response<v1::WriteResponse>, Status> {
        let message = self.message;
        let verzoek = v1::ToewijzingGevraagd {
            aanbieder_agb: message.afzender.clone(),
            productcategorie: line.categorie.clone().unwrap_or_default(),
            productcode: line.code.clone().unwrap_or_default(),
            begindatum: Some(proto_date(line.begindatum)),
            einddatum: line.einddatum.map(proto_date),
            verwijzer: verwijzer(line.verwijzer.as_deref()) as i32,
        };
        let rules: (Rule<_>, Rule<_>) = (wmo::ask_toewijzing, jeugd::ask_toewijzing);
        self.by_law(writer, caller, context, Place::Request, verzoek, rules)
            .await
    }

    /// Writes a Jeugdwet line: the same jeugdhulp payload for a toewijzing, a start and an end.
    async fn send_jeugd(
        &self,
        writer: &PillarWriter,
        caller: &Caller,
        line: &ProductLine,
        care: Care,
        context: Option<v1::WriteContext>,
    ) -> Result<Response<v1::WriteResponse>, Status> {
        let message = self.message;
        let provider = match care {
            Care::Toewijzing => &message.ontvanger,
            Care::Start | Care::Stop => &message.afzender,
        };
        let jeugdhulp = v1::Jeugdhulp {
            aanbieder_agb: provider.clone(),
            productcode: line.code.clone().unwrap_or_default(),
            begindatum: Some(proto_date(line.begindatum)),
            einddatum: line.einddatum.map(proto_date),
            reden: match care {
                Care::Stop => {
                    stop_reden(message.standard, line.reden_beeindiging.as_deref()) as i32
                }
                Care::Toewijzing | Care::Start => 0,
            },
            aanlevering: self.aanlevering() as i32,
            verzoek_case: match care {
                Care::Toewijzing => self.granted(line),
                Care::Start | Care::Stop => String::new(),
            },
        };
        match care {
            Care::Toewijzing => {
                let request = v1::AssignJeugdhulpRequest {
                    context: None,
                    jeugdhulp: Some(jeugdhulp),
                };
                self.emit(writer, caller, context, Place::Persons, |check| {
                    jeugd::assign_jeugdhulp(check, request)
                })
                .await
            }
            Care::Start => {
                let request = v1::StartJeugdhulpRequest {
                    context: None,
                    jeugdhulp: Some(jeugdhulp),
                };
                self.emit(writer, caller, context, Place::Persons, |check| {
                    jeugd::start_jeugdhulp(check, request)
                })
                .await
            }
            Care::Stop => {
                let request = v1::EndJeugdhulpRequest {
                    context: None,
                    jeugdhulp: Some(jeugdhulp),
                };
                self.emit(writer, caller, context, Place::Persons, |check| {
                    jeugd::end_jeugdhulp(check, request)
                })
                .await
            }
        }
    }

    /// The case of the provider's request a 301 line grants (its ReferentieAanbieder names
    /// the Ontvanger's request); empty when it names none.
    fn granted(&self, line: &ProductLine) -> String {
        line.referentie
            .as_deref()
            .map(|referentie| verzoek_case(&self.message.ontvanger, referentie))
            .unwrap_or_default()
    }

    /// What the line does to the earlier delivery of its case: a 305 or 307 says so in its
    /// StatusAanlevering (2 changed, 3 deleted), a 301 in its RedenWijziging (14
    /// administratieve correctie, 13 verwijderd); any other 301 is a toewijzing of its own.
    fn aanlevering(&self) -> v1::Aanlevering {
        let Part::Line(line) = self.part else {
            return v1::Aanlevering::Unspecified;
        };
        match (line.status_aanlevering, line.reden_wijziging.as_deref()) {
            (Some(2), _) | (_, Some("14")) => v1::Aanlevering::Gecorrigeerd,
            (Some(3), _) | (_, Some("13")) => v1::Aanlevering::Verwijderd,
            _ => v1::Aanlevering::Unspecified,
        }
    }

    /// Returns a refusal by the law's rules with each field named as the message names it (the
    /// element path), so the sender finds it in its own message; other errors as they are.
    fn in_message_terms(&self, status: Status) -> Status {
        let Some(bad_request) = status.get_details_bad_request() else {
            return status;
        };
        let violations: Vec<FieldViolation> = bad_request
            .field_violations
            .into_iter()
            .map(|violation| {
                FieldViolation::new(self.element(&violation.field), violation.description)
            })
            .collect();
        if violations.is_empty() {
            return status;
        }
        rondom_proto::status::invalid_argument(&InvalidInput::new(violations))
    }

    /// Returns the element of the message a field of the law's request came from.
    fn element(&self, field: &str) -> String {
        let kind = self.message.kind;
        let line = format!("{}[{}]", kind.part_path(), self.index + 1);
        let provider = if kind.from_gemeente() {
            "Header/Ontvanger"
        } else {
            "Header/Afzender"
        };
        if field.starts_with("context.persons[0].birth_date") {
            return "Client/Geboortedatum/Datum".to_owned();
        }
        if field.starts_with("context.persons") {
            return "Client/Bsn".to_owned();
        }
        match (field.split_once('.').map_or(field, |(_, rest)| rest), kind) {
            ("occurred_at", _) => "Header/BerichtIdentificatie/Dagtekening".to_owned(),
            ("idempotency_key", _) => "Header/BerichtIdentificatie/Identificatie".to_owned(),
            ("begindatum", Kind::Toewijzing) => format!("{line}/Ingangsdatum"),
            ("begindatum", Kind::Verzoek) => format!("{line}/ToewijzingIngangsdatum"),
            ("einddatum", Kind::Verzoek) => format!("{line}/ToewijzingEinddatum"),
            ("productcategorie", _) => format!("{line}/Product/Categorie"),
            ("verwijzer", _) => format!("{line}/Verwijzer/Type"),
            ("verzoek_case", _) => format!("{line}/ReferentieAanbieder"),
            ("antwoord", _) => "Antwoord/VerzoekAntwoord".to_owned(),
            ("reden", Kind::Antwoord) => "Antwoord/RedenAfwijzingVerzoek".to_owned(),
            ("woonplaatsbeginsel_gemeente", _) => "Antwoord/Woonplaatsbeginsel/Gemeente".to_owned(),
            ("begindatum", _) => format!("{line}/Begindatum"),
            ("einddatum", _) => format!("{line}/Einddatum"),
            ("productcode", _) => format!("{line}/Product/Code"),
            ("reden", _) => format!("{line}/RedenBeeindiging"),
            ("aanbieder_agb", _) => provider.to_owned(),
            _ => field.to_owned(),
        }
    }

    /// A 301 or 319 comes from the law's back-office, the others from a provider of the law
    /// (the law services draw the same line per method; here one service carries them all).
    fn may_send(&self, caller: &Caller) -> Result<(), Status> {
        let (pillar, _) = self.target();
        let sender = if self.message.kind.from_gemeente() {
            Role::BackOffice(pillar)
        } else {
            Role::Partner(pillar)
        };
        if caller.client.role == sender {
            return Ok(());
        }
        Err(Status::permission_denied(format!(
            "a {} is sent by {sender}, not by client {} ({})",
            self.message.name(),
            caller.client.id,
            caller.client.role
        )))
    }

    /// The write context of the line: the client, the gemeente whose case it is, the day of
    /// the message, the toewijzing as the case, and a key that is the same whenever the same
    /// sender sends the same message again.
    fn context(&self) -> Result<v1::WriteContext, Status> {
        let message = self.message;
        let case_id = match self.part {
            Part::Wijziging(wijziging) => {
                Some(verzoek_case(&message.afzender, &wijziging.referentie))
            }
            Part::Antwoord(antwoord) => {
                Some(verzoek_case(&message.ontvanger, &antwoord.referentie))
            }
            Part::Line(line) => match (message.kind, &line.referentie, line.toewijzing_nummer) {
                (Kind::Verzoek, Some(referentie), _) => {
                    Some(verzoek_case(&message.afzender, referentie))
                }
                (_, _, Some(nummer)) => Some(format!("toewijzing-{nummer}")),
                _ => None,
            },
        };
        let Some(case_id) = case_id else {
            let path = format!(
                "{}[{}]/ToewijzingNummer",
                message.kind.part_path(),
                self.index + 1
            );
            let input = InvalidInput::single(path, "a start or stop names its toewijzing");
            return Err(rondom_proto::status::invalid_argument(&input));
        };
        let gemeente = if message.kind.from_gemeente() {
            &message.afzender
        } else {
            &message.ontvanger
        };
        // The identificatie may hold any character but blanks only: written out in hex, the
        // key stays within what an idempotency key may hold.
        let identificatie: String = message
            .identificatie
            .bytes()
            .map(|byte| format!("{byte:02x}"))
            .collect();
        Ok(v1::WriteContext {
            // A delivery is named by its Identificatie and Dagtekening together.
            idempotency_key: format!(
                "istandaard-{}-{}-{identificatie}-{}-{}",
                message.name(),
                message.afzender,
                message.dagtekening.format("%Y%m%d"),
                self.index + 1
            ),
            source_system: format!("istandaard-{}", message.afzender),
            gemeente_code: gemeente.clone(),
            // A 319 names no client.
            persons: message
                .bsn
                .iter()
                .map(|bsn| v1::PersonRef {
                    bsn: bsn.clone(),
                    display_name: String::new(),
                    birth_date: message.geboortedatum.map(proto_date),
                })
                .collect(),
            occurred_at: Some(timestamp(noon(message.dagtekening))),
            case_id,
            note: String::new(),
        })
    }
}

/// Refuses a 305 or 307 with a line of StatusAanlevering 9 ("niet van toepassing"): a start
/// or stop line is a delivery (1), its change (2) or its deletion (3), so nothing of such a
/// message is written.
///
/// # Errors
/// `INVALID_ARGUMENT` naming each such line.
pub fn read_as_delivery(message: &Message) -> Result<(), Status> {
    let path = message.kind.part_path();
    let violations: Vec<FieldViolation> = message
        .products
        .iter()
        .enumerate()
        .filter(|(_, line)| line.status_aanlevering == Some(9))
        .map(|(index, _)| {
            FieldViolation::new(
                format!("{path}[{}]/StatusAanlevering", index + 1),
                "StatusAanlevering 9 (niet van toepassing) does not fit a start or stop line: \
                 1 delivers it, 2 changes it, 3 deletes it",
            )
        })
        .collect();
    if violations.is_empty() {
        Ok(())
    } else {
        Err(rondom_proto::status::invalid_argument(&InvalidInput::new(
            violations,
        )))
    }
}

/// The care a 301, 305 or 307 line delivers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Care {
    Toewijzing,
    Start,
    Stop,
}

impl Care {
    fn of(kind: Kind) -> Option<Self> {
        match kind {
            Kind::Toewijzing => Some(Care::Toewijzing),
            Kind::Start => Some(Care::Start),
            Kind::Stop => Some(Care::Stop),
            Kind::Verzoek | Kind::Wijziging | Kind::Antwoord => None,
        }
    }
}

/// A 317 or 319 is written whole, never by product line: a line of one is a mistake in Rondom.
fn whole_message() -> Status {
    tracing::error!("a 317 or 319 reached the write of a product line");
    Status::internal("internal error")
}

/// The case of a provider's request: its AGB code and a digest of its ReferentieAanbieder
/// (up to 36 characters of any kind, too long and too free for a case id as it is). The
/// gemeente's answer names the same reference, so it finds the same case.
pub fn verzoek_case(agb: &str, referentie: &str) -> String {
    use sha2::{Digest as _, Sha256};
    let digest = Sha256::digest(referentie.as_bytes());
    let hex: String = digest[..8]
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    format!("verzoek-{agb}-{hex}")
}

/// Who referred the client, from the standard's TypeVerwijzer.
fn verwijzer(code: Option<&str>) -> v1::Verwijzer {
    match code.unwrap_or_default() {
        "01" => v1::Verwijzer::Gemeente,
        "02" => v1::Verwijzer::Huisarts,
        "03" => v1::Verwijzer::Jeugdarts,
        "04" => v1::Verwijzer::GecertificeerdeInstelling,
        "05" => v1::Verwijzer::MedischSpecialist,
        "06" => v1::Verwijzer::Zelf,
        "08" => v1::Verwijzer::Rechter,
        _ => v1::Verwijzer::Unspecified,
    }
}

/// Noon on `day` (UTC), or now for a message dated today before noon: the message names a
/// day, the event a time within it that has come.
fn noon(day: NaiveDate) -> chrono::DateTime<chrono::Utc> {
    let noon = day.and_hms_opt(11, 0, 0).unwrap_or_default().and_utc();
    noon.min(chrono::Utc::now())
}

/// The reason care stopped, from the standard's RedenBeeindiging (whose codes differ between
/// iWmo and iJw: 31 is a move in iWmo, the plan completed in iJw).
fn stop_reden(standard: Standard, code: Option<&str>) -> v1::StopReden {
    use v1::StopReden::{
        AndereVoorziening, DoelBereikt, OpVerzoekClient, Overig, Overleden, Verhuisd,
    };
    match (standard, code.unwrap_or_default()) {
        (_, "02") => Overleden,
        (Standard::Iwmo, "19") | (Standard::Ijw, "31") => DoelBereikt,
        (Standard::Iwmo, "31") => Verhuisd,
        (Standard::Iwmo, "21") | (Standard::Ijw, "32") => OpVerzoekClient,
        (_, "38" | "39") => AndereVoorziening,
        _ => Overig,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stop_reason_reads_by_its_own_standard() {
        // 31 is "Verhuizing naar een andere gemeente" in iWmo, "volgens plan beeindigd" in iJw.
        assert_eq!(
            stop_reden(Standard::Iwmo, Some("31")),
            v1::StopReden::Verhuisd
        );
        assert_eq!(
            stop_reden(Standard::Ijw, Some("31")),
            v1::StopReden::DoelBereikt
        );
        assert_eq!(
            stop_reden(Standard::Ijw, Some("02")),
            v1::StopReden::Overleden
        );
        assert_eq!(stop_reden(Standard::Iwmo, None), v1::StopReden::Overig);
    }
}
