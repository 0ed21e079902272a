//! The person registry: which household each person (by pseudonym) belongs to, in KV
//! `RONDOM_PERSONS`. It also holds where each provider's request (iWmo/iJw 315, 317) landed,
//! under a keyed form of the provider's reference, for the gemeente's answer (319), which
//! names no person. Every entry is written with an atomic create, so two adapters that see the
//! same new person at once agree on one household: the loser of the race adopts the winner's.

use async_nats::jetstream::kv;
use futures::future::try_join_all;
use rondom_domain::{HouseholdId, Pseudonym};

use crate::error::{Error, Result};

/// The household of the persons of one write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolution {
    pub household: HouseholdId,
    /// Per person, in the order given: whether they belong to `household`. The first person
    /// always does; a co-resident already in another household stays there.
    pub members: Vec<bool>,
    /// This write made the household: no person had one, and its id was new. It has no key
    /// yet, so there is none to look up.
    pub created: bool,
}

/// Person -> household, over KV.
#[derive(Debug, Clone)]
pub struct HouseholdRegistry {
    bucket: kv::Store,
}

impl HouseholdRegistry {
    /// Returns the registry over the `RONDOM_PERSONS` bucket.
    pub fn new(bucket: kv::Store) -> Self {
        Self { bucket }
    }

    /// Returns the household of `persons` (first = the person concerned), creating one when
    /// nobody has one yet. Co-residents without a household join this one.
    ///
    /// # Errors
    /// [`Error::Unavailable`] when KV cannot be reached; [`Error::Corrupt`] for a stored value
    /// that is not a household id.
    pub async fn resolve(&self, persons: &[Pseudonym]) -> Result<Resolution> {
        let Some((primary, co_residents)) = persons.split_first() else {
            unreachable!("a validated write names at least one person");
        };
        let known = try_join_all(persons.iter().map(|person| self.lookup(person))).await?;
        let candidate = known
            .iter()
            .flatten()
            .next()
            .copied()
            .unwrap_or_else(HouseholdId::generate);
        let household = match known[0] {
            Some(household) => household,
            None => self.claim(primary, candidate).await?,
        };
        let created = known.iter().all(Option::is_none) && household == candidate;
        // The co-residents' claims go out together: each is an atomic create of its own key.
        let co_residents = try_join_all(co_residents.iter().zip(&known[1..]).map(
            |(person, existing)| async move {
                Ok::<_, Error>(match existing {
                    Some(existing) => *existing == household,
                    None => self.claim(person, household).await? == household,
                })
            },
        ))
        .await?;
        let members = std::iter::once(true).chain(co_residents).collect();
        Ok(Resolution {
            household,
            members,
            created,
        })
    }

    /// Returns the household of `person`, if any.
    ///
    /// # Errors
    /// As [`HouseholdRegistry::resolve`].
    pub async fn lookup(&self, person: &Pseudonym) -> Result<Option<HouseholdId>> {
        let value = self
            .bucket
            .get(person.to_string())
            .await
            .map_err(|err| Error::unavailable("reading the person registry", err))?;
        value.map(|bytes| parse_household(&bytes)).transpose()
    }

    /// Moves `person` into `household` (a composition change), wherever they were before.
    ///
    /// # Errors
    /// [`Error::Unavailable`] when KV cannot be reached.
    pub async fn join(&self, person: &Pseudonym, household: HouseholdId) -> Result<()> {
        self.bucket
            .put(person.to_string(), household.to_string().into())
            .await
            .map_err(|err| Error::unavailable("writing the person registry", err))?;
        Ok(())
    }

    /// Takes `person` out of `household`; a later write about them starts a new household.
    /// Does nothing when they already belong elsewhere (a retry after they moved on).
    ///
    /// # Errors
    /// [`Error::Unavailable`] when KV cannot be reached.
    pub async fn leave(&self, person: &Pseudonym, household: HouseholdId) -> Result<()> {
        let entry = self
            .bucket
            .entry(person.to_string())
            .await
            .map_err(|err| Error::unavailable("reading the person registry", err))?;
        let Some(entry) = entry else { return Ok(()) };
        if entry.operation != kv::Operation::Put || parse_household(&entry.value)? != household {
            return Ok(());
        }
        match self
            .bucket
            .delete_expect_revision(person.to_string(), Some(entry.revision))
            .await
        {
            Ok(()) => Ok(()),
            // Someone moved them meanwhile: their new household stands.
            Err(err) if err.kind() == kv::DeleteErrorKind::WrongLastRevision => Ok(()),
            Err(err) => Err(Error::unavailable("writing the person registry", err)),
        }
    }

    /// Places `person` in `household` unless someone was first; returns where they are now.
    async fn claim(&self, person: &Pseudonym, household: HouseholdId) -> Result<HouseholdId> {
        match self
            .bucket
            .create(person.to_string(), household.to_string().into())
            .await
        {
            Ok(_) => Ok(household),
            Err(err) if err.kind() == kv::CreateErrorKind::AlreadyExists => {
                self.lookup(person).await?.ok_or_else(|| {
                    Error::corrupt(
                        "person registry entry",
                        "entry vanished after a create conflict",
                    )
                })
            }
            Err(err) => Err(Error::unavailable("writing the person registry", err)),
        }
    }
}

fn parse_household(bytes: &[u8]) -> Result<HouseholdId> {
    std::str::from_utf8(bytes)
        .ok()
        .and_then(|text| text.parse().ok())
        .ok_or_else(|| Error::corrupt("person registry entry", "value is not a household id"))
}
