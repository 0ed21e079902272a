//! [`PillarWriter`]: the one path of every pillar RPC. It checks the context, runs the
//! pillar's payload checks on the same [`Check`], and publishes; each RPC of a pillar service
//! is a payload check and one call.

use std::sync::Arc;

use chrono::Utc;
use rondom_domain::Pillar;
use rondom_domain::calendar::local_date;
use rondom_domain::catalogue::{self, EventKind};
use rondom_domain::write::{RegieHeader, RegieInput, WriteHeader, WriteInput};
use rondom_proto::convert::datetime;
use rondom_proto::v1;
use tonic::{Response, Status};

use rondom_access::audit::Caller;
use rondom_domain::access::Role;

use crate::check::Check;
use crate::error::Error;
use crate::writer::{Assignment, Draft, DraftPerson, EventWriter, Membership, Target};

/// Returns the CloudEvents type of a kind, as the audit log names a write.
pub fn event_type(pillar: Pillar, kind: &str) -> String {
    format!("nl.rondom.{pillar}.{kind}.v1")
}

/// Returns the authenticated caller of a request and its message.
///
/// # Errors
/// `UNAUTHENTICATED` when no auth layer checked the call (a wiring mistake).
pub fn split<T>(request: tonic::Request<T>) -> Result<(Caller, T), Status> {
    let caller = Caller::of(&request)?;
    Ok((caller, request.into_inner()))
}

/// Returns the kind of event by which a pillar's back-office assigns care to a provider:
/// the toewijzing a provider's start or stop must rest on.
pub fn toewijzing_kind(pillar: Pillar) -> Option<&'static str> {
    match pillar {
        Pillar::Wmo => Some(catalogue::wmo::VOORZIENING_TOEGEWEZEN.name),
        Pillar::Jeugd => Some(catalogue::jeugd::JEUGDHULP_TOEGEWEZEN.name),
        _ => None,
    }
}

/// Writes the events of pillar services through one [`EventWriter`].
#[derive(Debug, Clone)]
pub struct PillarWriter {
    writer: Arc<EventWriter>,
}

impl PillarWriter {
    /// Returns a pillar writer over `writer`.
    pub fn new(writer: Arc<EventWriter>) -> Self {
        Self { writer }
    }

    /// Checks that the provider `caller` holds the toewijzing of each of `cases` of the
    /// person `bsn` in `gemeente` (a provider's request to change names them): nothing is
    /// written; a refusal is audited as a refused write of `event_type`.
    ///
    /// # Errors
    /// `PERMISSION_DENIED` for a case it does not hold; `UNAVAILABLE` without NATS.
    pub async fn holds_toewijzingen(
        &self,
        caller: &Caller,
        pillar: Pillar,
        event_type: &str,
        gemeente: &str,
        bsn: &rondom_domain::Bsn,
        cases: &[String],
    ) -> Result<(), Status> {
        let Some(toewijzing) = toewijzing_kind(pillar) else {
            return Ok(());
        };
        let assignment = Assignment {
            organisatie: caller.client.organisatie.clone().unwrap_or_default(),
            toewijzing,
        };
        match self
            .writer
            .holds_toewijzingen(&assignment, pillar, gemeente, bsn, cases)
            .await
        {
            Ok(()) => Ok(()),
            Err(err) => Err(self.writer.refused(caller, event_type, err.into()).await),
        }
    }

    /// Handles an RPC of a pillar service: the authenticated caller writes an event of `kind`
    /// in `pillar` with the request's context (`context` takes it out) and the payload `build`
    /// makes of the rest of the request (see [`PillarWriter::write`]).
    ///
    /// # Errors
    /// As [`PillarWriter::write`].
    pub async fn handle<R>(
        &self,
        request: tonic::Request<R>,
        pillar: Pillar,
        kind: &'static EventKind,
        context: impl FnOnce(&mut R) -> Option<v1::WriteContext>,
        build: impl FnOnce(&mut Check, R) -> Option<v1::event::Body>,
    ) -> Result<Response<v1::WriteResponse>, Status> {
        let (caller, mut request) = split(request)?;
        let context = context(&mut request);
        self.write(&caller, pillar, kind, context, |check| {
            build(check, request)
        })
        .await
    }

    /// Records a write an adapter refused by its own check (before [`PillarWriter::write`]) in
    /// the audit log, under `event_type`; returns `refusal`.
    pub async fn refused(&self, caller: &Caller, event_type: &str, refusal: Status) -> Status {
        self.writer.refused(caller, event_type, refusal).await
    }

    /// Checks `context` and the payload `build` makes from it, then publishes an event of
    /// `kind` in `pillar` as `caller`; the attempt is audited either way.
    ///
    /// # Errors
    /// The gRPC status of [`Error`].
    pub async fn write(
        &self,
        caller: &Caller,
        pillar: Pillar,
        kind: &'static EventKind,
        context: Option<v1::WriteContext>,
        build: impl FnOnce(&mut Check) -> Option<v1::event::Body>,
    ) -> Result<Response<v1::WriteResponse>, Status> {
        self.write_placed(caller, pillar, kind, context, Place::Persons, build)
            .await
    }

    /// [`PillarWriter::write`], for a write `place` puts elsewhere than with its persons
    /// alone: a provider's request, or the gemeente's answer to one.
    ///
    /// # Errors
    /// As [`PillarWriter::write`]; `NOT_FOUND` for an answer to a request Rondom does not
    /// hold.
    pub async fn write_placed(
        &self,
        caller: &Caller,
        pillar: Pillar,
        kind: &'static EventKind,
        context: Option<v1::WriteContext>,
        place: Place,
        build: impl FnOnce(&mut Check) -> Option<v1::event::Body>,
    ) -> Result<Response<v1::WriteResponse>, Status> {
        let draft = draft(caller, pillar, kind, context, place, build);
        let written = self
            .writer
            .write_audited(caller, event_type(pillar, kind.name), draft)
            .await?;
        let mut response = v1::WriteResponse::from(written);
        if kind.asked_by_provider && matches!(caller.client.role, Role::Partner(_)) {
            // A provider asking has no sight of the household: the answer does not say which
            // household the request went to, nor how far along it is.
            response.household_id.clear();
            response.position = 0;
        }
        Ok(Response::new(response))
    }

    /// Checks a write as [`PillarWriter::write_placed`] would: the context, the payload's
    /// rules, who may write it, and what the log must hold for it (the toewijzing a
    /// provider's line rests on, the request an answer names). Nothing is written or
    /// audited.
    ///
    /// # Errors
    /// As [`PillarWriter::write_placed`], for what is known before the write.
    pub async fn check_placed(
        &self,
        caller: &Caller,
        pillar: Pillar,
        kind: &'static EventKind,
        context: Option<v1::WriteContext>,
        place: Place,
        build: impl FnOnce(&mut Check) -> Option<v1::event::Body>,
    ) -> Result<(), Status> {
        let draft = draft(caller, pillar, kind, context, place, build)?;
        self.writer
            .check_grounds(&draft)
            .await
            .map_err(Status::from)
    }

    /// Handles an RPC of the regie service that names no person: the authenticated caller
    /// writes an event of `kind` with the request's context (`context` takes it out) and the
    /// payload `build` makes of the rest (see [`PillarWriter::write_regie`]).
    ///
    /// # Errors
    /// As [`PillarWriter::write_regie`].
    pub async fn handle_regie<R>(
        &self,
        request: tonic::Request<R>,
        kind: &'static EventKind,
        context: impl FnOnce(&mut R) -> Option<v1::RegieContext>,
        build: impl FnOnce(&mut Check, R) -> Option<v1::event::Body>,
    ) -> Result<Response<v1::WriteResponse>, Status> {
        let (caller, mut request) = split(request)?;
        let context = context(&mut request);
        self.write_regie(&caller, kind, context, Named::default(), |check| {
            build(check, request)
        })
        .await
    }

    /// Checks a regie `context` (plus an optional person joining or leaving) and publishes an
    /// event of `kind` on the household it names, if it is still at `expected_position`.
    ///
    /// # Errors
    /// The gRPC status of [`Error`]: `ABORTED` when the household changed meanwhile.
    pub async fn write_regie(
        &self,
        caller: &Caller,
        kind: &'static EventKind,
        context: Option<v1::RegieContext>,
        named: Named,
        build: impl FnOnce(&mut Check) -> Option<v1::event::Body>,
    ) -> Result<Response<v1::WriteResponse>, Status> {
        let draft = Self::draft_regie(caller, kind, context, named, build);
        let written = self
            .writer
            .write_audited(caller, event_type(Pillar::Regie, kind.name), draft)
            .await?;
        Ok(Response::new(written.into()))
    }

    /// The draft of a regie write: its context and persons checked.
    fn draft_regie(
        caller: &Caller,
        kind: &'static EventKind,
        context: Option<v1::RegieContext>,
        named: Named,
        build: impl FnOnce(&mut Check) -> Option<v1::event::Body>,
    ) -> crate::Result<Draft> {
        of_pillar(kind, Pillar::Regie)?;
        let context = context.unwrap_or_default();
        let mut check = Check::new(Utc::now());
        let now = check.now();
        let header = RegieHeader::check(
            RegieInput {
                idempotency_key: context.idempotency_key,
                source_system: context.source_system,
                household_id: context.household_id,
                expected_position: context.expected_position,
                occurred_at: context.occurred_at.as_ref().and_then(datetime),
                note: context.note.into(),
            },
            now,
            "context",
            check.violations_mut(),
        );
        check.set_occurred_on(header.as_ref().map(RegieHeader::occurred_on));
        let change = named.membership;
        let persons: Vec<Option<DraftPerson>> = named
            .persons
            .into_iter()
            .map(|(field, person)| {
                check
                    .required(&field, person)
                    .and_then(|person| self::person(&mut check, &field, person))
            })
            .collect();
        let persons: Option<Vec<DraftPerson>> = persons.into_iter().collect();
        let body = build(&mut check);
        let ((header, persons), body) = check.finish(header.zip(persons).zip(body))?;
        let draft = Draft {
            id: header.event_id(&caller.client.id),
            source: header.source,
            pillar: Pillar::Regie,
            kind: kind.name,
            gemeente: None,
            persons,
            target: Target::Household {
                id: header.household,
                expected_position: header.expected_position,
                change,
            },
            occurred_at: header.occurred_at,
            case_id: String::new(),
            note: header.note,
            body,
            gemeenten: caller.client.gemeenten.clone(),
            assignment: None,
            makes_request: false,
            writer: caller.client.writer(),
        };
        Ok(draft)
    }
}

/// The persons a regie write names, each with the field it came in, and what the write says
/// of their membership.
#[derive(Debug, Default)]
pub struct Named {
    pub persons: Vec<(String, Option<v1::PersonRef>)>,
    pub membership: Option<Membership>,
}

/// Where a write of a law's pillar goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// The household of the persons it names: every law service's write.
    Persons,
    /// The household of the persons it names, which a provider's request (its case) records
    /// for the answer to find.
    Request,
    /// The household of the provider's request of its case, which it answers; it names no
    /// person.
    AnswerTo,
}

/// The draft of a law's write, when the context, the payload's rules (`build`) and who may
/// write it allow it: pure, so a message of several lines can be checked whole first.
fn draft(
    caller: &Caller,
    pillar: Pillar,
    kind: &'static EventKind,
    context: Option<v1::WriteContext>,
    place: Place,
    build: impl FnOnce(&mut Check) -> Option<v1::event::Body>,
) -> crate::Result<Draft> {
    of_pillar(kind, pillar)?;
    let context = context.unwrap_or_default();
    let mut check = Check::new(Utc::now());
    let first_birth_date_given = context
        .persons
        .first()
        .is_some_and(|person| person.birth_date.is_some());
    let birth_dates = birth_dates(&context.persons, &mut check);
    let input = WriteInput {
        idempotency_key: context.idempotency_key,
        source_system: context.source_system,
        gemeente_code: context.gemeente_code,
        persons: context
            .persons
            .into_iter()
            .map(|person| rondom_domain::PersonInput::new(person.bsn, person.display_name))
            .collect(),
        occurred_at: context.occurred_at.as_ref().and_then(datetime),
        case_id: context.case_id,
        note: context.note.into(),
        names_no_person: place == Place::AnswerTo,
    };
    let now = check.now();
    let header = WriteHeader::check(input, now, "context", check.violations_mut());
    check.set_occurred_on(header.as_ref().map(WriteHeader::occurred_on));
    check.set_birth_date(
        first_birth_date_given,
        birth_dates.first().copied().flatten(),
    );
    let body = build(&mut check);
    let aanbieder = check.named_aanbieder().map(str::to_owned);
    let (header, body) = check.finish(header.zip(body))?;
    let client = &caller.client;
    let assignment = may_write(client, pillar, kind, &header.gemeente, aanbieder)?;
    let id = header.event_id(&client.id);
    let persons = header
        .persons
        .into_iter()
        .zip(birth_dates)
        .map(|(person, birth_date)| DraftPerson {
            bsn: person.bsn,
            display_name: person.display_name,
            birth_date,
        })
        .collect();
    Ok(Draft {
        id,
        source: header.source,
        pillar,
        kind: kind.name,
        gemeente: Some(header.gemeente),
        persons,
        target: match place {
            Place::AnswerTo => Target::OfRequest,
            Place::Persons | Place::Request => Target::OfPersons,
        },
        occurred_at: header.occurred_at,
        case_id: header.case_id,
        note: header.note,
        body,
        gemeenten: client.gemeenten.clone(),
        assignment,
        makes_request: place == Place::Request,
        writer: client.writer(),
    })
}

/// Checks the birth dates of `persons` (optional; never in the future) and returns them in
/// order, `None` where none or no valid one was given.
fn birth_dates(persons: &[v1::PersonRef], check: &mut Check) -> Vec<Option<chrono::NaiveDate>> {
    persons
        .iter()
        .enumerate()
        .map(|(index, person)| {
            let field = format!("context.persons[{index}].birth_date");
            let date = check
                .optional_date(&field, person.birth_date.as_ref())
                .flatten();
            if let Some(date) = date
                && date > local_date(check.now())
            {
                check.push(field, "a birth date lies in the past");
            }
            date
        })
        .collect()
}

/// Checks that a service writes a kind of its own pillar: a kind of another pillar is a
/// wiring mistake in an adapter, refused rather than published.
fn of_pillar(kind: &EventKind, pillar: Pillar) -> crate::Result<()> {
    if kind.pillar.is_none_or(|own| own == pillar)
        && (kind.pillar.is_some() || catalogue::LAW_PILLARS.contains(&pillar))
    {
        Ok(())
    } else {
        tracing::error!(kind = kind.name, %pillar, "an adapter writes a kind of another pillar");
        Err(Error::Internal)
    }
}

/// Who may write what in a law's pillar: its back-office for the gemeenten it serves, and a
/// provider only about its own care (`aanbieder`, the organisation the payload names), under
/// the toewijzing returned, which the writer must find in the household's log.
///
/// # Errors
/// [`Error::Denied`] for anyone and anything else.
fn may_write(
    client: &rondom_access::clients::Client,
    pillar: Pillar,
    kind: &EventKind,
    gemeente: &rondom_domain::GemeenteCode,
    aanbieder: Option<String>,
) -> crate::Result<Option<Assignment>> {
    match client.role {
        Role::BackOffice(law) if law == pillar => {
            if client.serves(gemeente.as_str()) {
                Ok(None)
            } else {
                Err(Error::Denied(format!(
                    "client {} does not serve gemeente {gemeente}",
                    client.id
                )))
            }
        }
        Role::Partner(law) if law == pillar => {
            let own = client.organisatie.clone().unwrap_or_default();
            let name = kind.name;
            let (Some(toewijzing), Some(named)) = (toewijzing_kind(pillar), aanbieder) else {
                return Err(Error::Denied(format!(
                    "a provider of {pillar} does not write {name}; the gemeente's back-office does"
                )));
            };
            if named != own {
                return Err(Error::Denied(format!(
                    "client {} is organisation {own} and writes only about its own care, not of {named}",
                    client.id
                )));
            }
            // A request to the gemeente comes before any toewijzing, and gives no sight.
            if kind.asked_by_provider {
                return Ok(None);
            }
            Ok(Some(Assignment {
                organisatie: own,
                toewijzing,
            }))
        }
        role => Err(Error::Denied(format!(
            "{role} does not write {pillar} events"
        ))),
    }
}

/// Checks one person of a regie write.
fn person(check: &mut Check, field: &str, person: v1::PersonRef) -> Option<DraftPerson> {
    let checked = rondom_domain::signal::check_person(
        field,
        &person.bsn,
        &person.display_name,
        check.violations_mut(),
    );
    let birth_date =
        check.optional_date(&format!("{field}.birth_date"), person.birth_date.as_ref())?;
    let checked = checked?;
    Some(DraftPerson {
        bsn: checked.bsn,
        display_name: checked.display_name,
        birth_date,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_service_writes_only_kinds_of_its_own_pillar() {
        assert!(of_pillar(&catalogue::wmo::MELDING_ONTVANGEN, Pillar::Wmo).is_ok());
        assert!(of_pillar(&catalogue::jeugd::JEUGDHULP_GESTART, Pillar::Wmo).is_err());
        // The kinds every law shares, in any law but not in regie.
        assert!(of_pillar(&catalogue::shared::BEZWAAR_ONTVANGEN, Pillar::Schuldhulp).is_ok());
        assert!(of_pillar(&catalogue::shared::BEZWAAR_ONTVANGEN, Pillar::Regie).is_err());
    }
}
