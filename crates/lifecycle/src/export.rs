//! `ExportPerson`: everything Rondom holds on one person (AVG art. 15 and 20), for the
//! gemeente's operator who answers their request. The facts come from the read model; which
//! facts name the person comes from the log (the view keeps no mentions per entry), under
//! every pseudonym they had in the household (a rotation renames them). Nothing of the other
//! members goes in: their names, BSNs and the facts about them alone stay out.

use std::collections::BTreeSet;

use rondom_bus::EventPublisher;
use rondom_bus::subject::household_filter;
use rondom_domain::{Bsn, HouseholdId};
use rondom_fold::StoredHousehold;
use rondom_projector::store::TimelineQuery;
use rondom_projector::{Error, ReadSide};
use rondom_proto::v1;

/// Most events of one household the export reads from the log.
const MAX_EVENTS: usize = 100_000;

/// Returns the export of the person `bsn` as of `today`, and the household it is about.
///
/// # Errors
/// [`Error::HouseholdNotFound`] for a BSN Rondom holds nothing on (or only an erased
/// household); storage or bus errors.
pub async fn export(
    read: &ReadSide,
    publisher: &EventPublisher,
    bsn: &Bsn,
    today: chrono::NaiveDate,
) -> Result<(HouseholdId, v1::PersonExport), Error> {
    let not_found = || Error::HouseholdNotFound("for this BSN".to_owned());
    let household = read
        .registry
        .lookup(&read.pseudonyms.pseudonym(bsn))
        .await?
        .ok_or_else(not_found)?;
    let stored = read.model.household(&household)?.ok_or_else(not_found)?;
    let pseudonym = read.pseudonyms.in_household(bsn, &household).to_string();
    let member = stored
        .members
        .iter()
        .find(|member| member.pseudonym == pseudonym)
        .ok_or_else(not_found)?;
    let key = read.keys.get(&household).await?;
    let identity =
        rondom_access::render::identity(&household, key.as_ref(), member).unwrap_or_default();
    let events = publisher
        .received_on(&household_filter(&household), MAX_EVENTS)
        .await?;
    let positions = positions_about(&stored, &events, &pseudonym);
    let mut facts = Vec::new();
    let mut query = TimelineQuery {
        household,
        pillars: Vec::new(),
        oldest_first: true,
        after: None,
        limit: 500,
    };
    loop {
        let page = read.model.timeline(&query)?;
        facts.extend(
            page.entries
                .into_iter()
                .filter(|(position, _)| positions.contains(position))
                .map(|(position, entry)| {
                    rondom_access::render::entry_in_full(&household, key.as_ref(), position, entry)
                }),
        );
        match page.next {
            Some(next) => query.after = Some(next),
            None => break,
        }
    }
    let export = v1::PersonExport {
        bsn: identity.bsn,
        display_name: identity.display_name,
        birth_date: identity.birth_date,
        household_id: household.to_string(),
        gemeente_code: stored.gemeente_code.clone(),
        facts,
        deadlines: deadlines_of(&stored, &pseudonym, today),
        aanpakken: aanpakken_of(&stored, &pseudonym),
        beperkingen: stored
            .beperkingen
            .iter()
            .filter(|beperking| beperking.pseudonym == pseudonym)
            .map(|beperking| v1::ExportedBeperking {
                soort: beperking.soort,
                from_position: beperking.from_position,
                until_position: beperking.until_position,
            })
            .collect(),
        reads: reads_of(read, &household).await?,
        made_at: Some(rondom_proto::convert::timestamp(chrono::Utc::now())),
    };
    Ok((household, export))
}

/// The positions of the events about the person: those that name them (under any pseudonym
/// they had here) and those of the cases about them.
fn positions_about(
    stored: &StoredHousehold,
    events: &[rondom_bus::ReceivedEvent],
    pseudonym: &str,
) -> BTreeSet<u64> {
    // Walking back through the renewals, the pseudonyms they had before.
    let mut aliases = vec![pseudonym.to_owned()];
    for received in events.iter().rev() {
        if let Some(v1::event::Body::PseudoniemenVernieuwd(renewed)) = &received.event.body {
            for change in &renewed.changes {
                if aliases.contains(&change.nieuw) {
                    aliases.push(change.oud.clone());
                }
            }
        }
    }
    let cases: Vec<(i32, &str)> = stored
        .trajectories
        .iter()
        .filter(|case| case.person == pseudonym)
        .map(|case| (case.pillar, case.case_id.as_str()))
        .collect();
    events
        .iter()
        .filter(|received| {
            let event = &received.event;
            event.persons.iter().any(|p| aliases.contains(&p.pseudonym))
                || (!event.case_id.is_empty()
                    && cases.contains(&(event.pillar, event.case_id.as_str())))
        })
        .map(|received| received.position)
        .collect()
}

/// The deadlines of the person's cases, as they stand on `today`.
fn deadlines_of(
    stored: &StoredHousehold,
    pseudonym: &str,
    today: chrono::NaiveDate,
) -> Vec<v1::Deadline> {
    rondom_fold::assess::deadlines(stored, today)
        .into_iter()
        .filter(|deadline| {
            rondom_access::disclosure::person_of_case(stored, deadline.pillar, &deadline.case_id)
                == pseudonym
        })
        .collect()
}

/// Every aanpak that concerned the person, and whether they withdrew.
fn aanpakken_of(stored: &StoredHousehold, pseudonym: &str) -> Vec<v1::ExportedAanpak> {
    stored
        .aanpakken
        .iter()
        .filter_map(|aanpak| {
            let person = aanpak.persons.iter().find(|p| p.pseudonym == pseudonym)?;
            Some(v1::ExportedAanpak {
                aanpak_id: aanpak.aanpak_id.clone(),
                wetten: aanpak.wetten.clone(),
                partners: aanpak.partners.clone(),
                uitzondering: aanpak.uitzondering,
                started_position: aanpak.started_position,
                ended_position: aanpak.ended_position,
                withdrawn_position: person.withdrawn_position,
            })
        })
        .collect()
}

/// Every record of the household in the audit log: who read or wrote it, when, for what;
/// but not the exports made for its members, each of which is about the person who asked
/// (a mother's inzage, with its reference, is not her son's to see).
async fn reads_of(read: &ReadSide, household: &HouseholdId) -> Result<Vec<v1::AuditRecord>, Error> {
    let mut query = rondom_bus::audit::AuditQuery {
        client_id: None,
        household_id: Some(household.to_string()),
        after: 0,
        since: None,
        until: None,
        limit: 1000,
    };
    let mut records = Vec::new();
    loop {
        let page = read.audit.records(&query).await?;
        records.extend(
            page.records
                .into_iter()
                .filter(|record| !record.method.ends_with("/ExportPerson")),
        );
        match page.next {
            // The log as it was at the first page: reads meanwhile are not part of it.
            Some(next) => {
                query.after = next;
                query.until = Some(page.until);
            }
            None => return Ok(records),
        }
    }
}
