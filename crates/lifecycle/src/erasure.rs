//! `EraseHousehold`: crypto-shredding a household. In this order, each step safe to repeat:
//! its members, and the provider requests of its cases, leave the person registry (a later
//! write about them starts a new household, a later answer to such a request finds none;
//! first, because only the key still opens who they are), the household's key is destroyed,
//! the erasure event is published (who and why, no personal data), and the call waits until
//! the projector has cleared the views. The key goes before the event: a household the views
//! show as erased has no key left, whatever step failed, and one whose erasure stopped
//! half-way is not shown erased, so the retention task (or the operator) erases it again.

use prost::Message as _;
use rondom_bus::{Envelope, EventPublisher, HouseholdRegistry};
use rondom_domain::catalogue;
use rondom_domain::seal::{Purpose, Sealed};
use rondom_domain::{Bsn, HouseholdId};
use rondom_proto::v1;

use rondom_projector::ReadSide;
use rondom_projector::error::{Error, Result};

/// The CloudEvents source of erasures.
const SOURCE: &str = "urn:rondom:hub:erasure";

/// What an erasure needs besides the read side.
#[derive(Debug, Clone)]
pub struct Eraser {
    pub publisher: EventPublisher,
    pub registry: HouseholdRegistry,
}

/// Returns the erasure event of `household`: who erased it and why, nothing personal. Its id
/// depends only on the household, so publishing it again is a duplicate.
pub fn erasure_event(
    household: HouseholdId,
    gemeente_code: &str,
    reden: v1::ErasureReason,
    by: &str,
) -> (Envelope, v1::Event) {
    let body = v1::event::Body::HuishoudenGewist(v1::HuishoudenGewist {
        reden: reden as i32,
        gewist_door: by.to_owned(),
    });
    let key = household.to_string();
    let kind = &catalogue::regie::HUISHOUDEN_GEWIST;
    crate::hub_event::hub_event(kind, SOURCE, &key, household, gemeente_code, body)
}

/// Erases `household` for `reden`, on behalf of client `by`.
///
/// # Errors
/// [`Error::HouseholdNotFound`] for a household neither the log nor the read model holds;
/// [`Error::NotYetApplied`] when the projector lags behind its events; bus errors when
/// a step does not complete (a retry continues where it stopped).
pub async fn erase(
    read: &ReadSide,
    eraser: &Eraser,
    household: HouseholdId,
    reden: v1::ErasureReason,
    by: &str,
) -> Result<v1::EraseHouseholdResponse> {
    let stored = match read.model.household(&household)? {
        Some(stored) => stored,
        // The household may be in the log but not yet in the view: an operator erasing right
        // after a write must not be told it does not exist.
        None => match eraser.publisher.last_event(&household).await? {
            Some((position, _)) => {
                read.wait_for(position).await?;
                read.model.household(&household)?
            }
            None => None,
        }
        .ok_or_else(|| Error::HouseholdNotFound(household.to_string()))?,
    };
    // The registry knows the members by their BSN's pseudonym, which only their sealed
    // identity leads to: opened now, while the household's key still exists.
    if let Some(key) = read.keys.get(&household).await? {
        for member in &stored.members {
            let bsn = member.identity.clone().and_then(|sealed| {
                let opened = key
                    .open(&household, Purpose::Identity, &Sealed::from(sealed))
                    .ok()?;
                let identity = v1::PersonIdentity::decode(opened.as_slice()).ok()?;
                identity.bsn.parse::<Bsn>().ok()
            });
            if let Some(bsn) = bsn {
                eraser
                    .registry
                    .leave(&read.pseudonyms.pseudonym(&bsn), household)
                    .await?;
            }
        }
    }
    // A provider's request is kept under its case, for the gemeente's answer to find.
    for case in &stored.trajectories {
        if let Some(pillar) = rondom_proto::convert::pillar_from_proto(case.pillar) {
            let request = read.pseudonyms.of_request(pillar.as_str(), &case.case_id);
            eraser.registry.leave(&request, household).await?;
        }
    }
    // Repeated on every call, and before the event: nothing marks the household erased
    // while its key could still open what was sealed.
    read.keys.destroy(&household).await?;
    let (position, already_erased) = match &stored.erasure {
        Some(erasure) => (erasure.position, true),
        None => {
            let (envelope, event) = erasure_event(household, &stored.gemeente_code, reden, by);
            let published = eraser.publisher.publish(&envelope, &event).await?;
            (published.position, false)
        }
    };
    read.wait_for(position).await?;
    Ok(v1::EraseHouseholdResponse {
        position,
        already_erased,
    })
}
