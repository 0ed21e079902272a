//! Planned re-pseudonymisation, for `rondom keys rotate-pseudonym`: every member of every
//! household gets their pseudonyms (in the registry and in their household) under a new key,
//! computed from their BSN as sealed in the read model; a run that stopped halfway simply runs
//! again.
//!
//! Per household: the registry learns the new pseudonyms (and forgets the old key's), then a
//! `pseudoniemen_vernieuwd` event puts the change on the log, so the projector and any later
//! rebuild rename the members the same way. The hub is stopped meanwhile
//! (the adapters would resolve persons under one key while the registry holds the other).
//!
//! What it cannot undo: the log keeps the old pseudonyms of earlier events, and each renewal
//! event pairs old and new within a household. Rotation protects what comes after it (a person
//! first seen later cannot be found with the old key, and BSN lookups need the new one); it
//! does not make history unlinkable for someone who holds the old key and a copy of the log.

use prost::Message as _;
use rondom_bus::{EventPublisher, HouseholdRegistry, KeyStore};
use rondom_domain::catalogue;
use rondom_domain::seal::{Purpose, Sealed};
use rondom_domain::{Bsn, HouseholdId, PseudonymKey};
use rondom_proto::v1;

use rondom_projector::ReadModel;
use rondom_projector::error::Result;

/// The CloudEvents source of renewals.
const SOURCE: &str = "urn:rondom:hub:pseudonym-rotation";

/// What a re-pseudonymisation did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Renewal {
    /// Households with members whose pseudonyms changed (one event each).
    pub households: u64,
    /// Members with a new pseudonym.
    pub persons: u64,
    /// Members whose identity could not be opened (their household's key is gone): left as
    /// they are.
    pub unreadable: u64,
}

/// Gives every member their pseudonym under `new_key` instead of the one of `keys`: brings the
/// read model in `generations` up to the end of the log first (a rebuild, with the hub's
/// `bylaws`) when it is behind. The hub must be stopped.
///
/// # Errors
/// [`crate::Error::Storage`] when the read model is in use (the hub still runs); storage and
/// bus errors otherwise. What was done stays done, and running it again continues.
pub async fn renew_all(
    jetstream: &async_nats::jetstream::Context,
    generations: &rondom_projector::Generations,
    keys: &rondom_runtime::Keys,
    new_key: &PseudonymKey,
    bylaws: std::sync::Arc<rondom_domain::bylaw::BylawTerms>,
) -> Result<Renewal> {
    let last = jetstream
        .get_stream(rondom_bus::stream::EVENTS_STREAM)
        .await
        .map_err(rondom_projector::error::nats("opening the event stream"))?
        .info()
        .await
        .map_err(rondom_projector::error::nats("reading the stream state"))?
        .state
        .last_sequence;
    let behind = ReadModel::open(&generations.current()?)?.checkpoint()? < last;
    if behind {
        rondom_projector::rebuild::rebuild(
            jetstream,
            generations,
            1024,
            bylaws,
            &keys.signer,
            false,
        )
        .await?;
    }
    let model = ReadModel::open(&generations.current()?)?;
    let key_store = KeyStore::new(
        rondom_bus::stream::bucket(jetstream, rondom_bus::stream::KEYS_BUCKET).await?,
        keys.masters.clone(),
    );
    let registry = HouseholdRegistry::new(
        rondom_bus::stream::bucket(jetstream, rondom_bus::stream::PERSONS_BUCKET).await?,
    );
    let renewal = renew(
        &model,
        &key_store,
        &registry,
        &EventPublisher::new(jetstream.clone(), keys.signer.clone()),
        &keys.pseudonym,
        new_key,
    )
    .await?;
    // Every member given a new pseudonym: an act the privacy officer looks up.
    let act = crate::on_record::Act {
        who: "rondom-pseudonyms-renew",
        what: format!(
            "pseudonyms renewed under key {}: {} persons in {} households ({} unreadable)",
            new_key.id(),
            renewal.persons,
            renewal.households,
            renewal.unreadable
        ),
        household: None,
        outcome: "OK",
    };
    crate::on_record::record(&rondom_bus::AuditLog::new(jetstream.clone()), act)
        .await
        .map_err(rondom_projector::Error::from)?;
    Ok(renewal)
}

/// Gives every member in `model` their pseudonym under `new_key` (in the registry and in
/// their household's events) instead of under `old_key`. The model must be current with the
/// log and the hub stopped.
///
/// # Errors
/// Storage or bus errors; what was done stays done, and running it again continues.
pub async fn renew(
    model: &ReadModel,
    keys: &KeyStore,
    registry: &HouseholdRegistry,
    publisher: &EventPublisher,
    old_key: &PseudonymKey,
    new_key: &PseudonymKey,
) -> Result<Renewal> {
    let mut renewal = Renewal::default();
    for item in model.households_after(None) {
        let (id, household) = item?;
        if household.erasure.is_some() || household.members.is_empty() {
            continue;
        }
        let key = keys.get(&id).await?;
        let mut changes = Vec::new();
        let mut persons = Vec::new();
        for member in &household.members {
            let bsn = key.as_ref().and_then(|key| {
                let sealed = Sealed::from(member.identity.clone()?);
                let opened = key.open(&id, Purpose::Identity, &sealed).ok()?;
                let identity = v1::PersonIdentity::decode(opened.as_slice()).ok()?;
                identity.bsn.parse::<Bsn>().ok()
            });
            let Some(bsn) = bsn else {
                renewal.unreadable += 1;
                continue;
            };
            let nieuw = new_key.in_household(&bsn, &id).to_string();
            if nieuw != member.pseudonym {
                changes.push(v1::PseudonymChange {
                    oud: member.pseudonym.clone(),
                    nieuw,
                });
                persons.push(bsn);
            }
        }
        // A provider's request, kept under its case for the gemeente's answer, moves along.
        for case in &household.trajectories {
            let Some(pillar) = rondom_proto::convert::pillar_from_proto(case.pillar) else {
                continue;
            };
            let old = old_key.of_request(pillar.as_str(), &case.case_id);
            if old != new_key.of_request(pillar.as_str(), &case.case_id)
                && registry.lookup(&old).await? == Some(id)
            {
                registry
                    .join(&new_key.of_request(pillar.as_str(), &case.case_id), id)
                    .await?;
                registry.leave(&old, id).await?;
            }
        }
        if changes.is_empty() {
            continue;
        }
        // The registry's key of each: the same person, found by the new key's pseudonym.
        for bsn in &persons {
            registry.join(&new_key.pseudonym(bsn), id).await?;
            let old = old_key.pseudonym(bsn);
            if old != new_key.pseudonym(bsn) {
                registry.leave(&old, id).await?;
            }
        }
        renewal.persons += changes.len() as u64;
        renewal.households += 1;
        publish(
            publisher,
            id,
            &household.gemeente_code,
            changes,
            new_key.id(),
        )
        .await?;
    }
    Ok(renewal)
}

async fn publish(
    publisher: &EventPublisher,
    household: HouseholdId,
    gemeente_code: &str,
    changes: Vec<v1::PseudonymChange>,
    key_id: String,
) -> Result<()> {
    // One renewal per household and key: a run again within the duplicate window is dropped
    // by JetStream, after it the fold finds nothing left to rename.
    let key = format!("{household}.{key_id}");
    let body =
        v1::event::Body::PseudoniemenVernieuwd(v1::PseudoniemenVernieuwd { changes, key_id });
    let kind = &catalogue::regie::PSEUDONIEMEN_VERNIEUWD;
    let (envelope, event) =
        crate::hub_event::hub_event(kind, SOURCE, &key, household, gemeente_code, body);
    publisher.publish(&envelope, &event).await?;
    Ok(())
}
