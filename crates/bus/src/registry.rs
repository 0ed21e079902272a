//! The person registry: which household each person (by pseudonym) belongs to, in KV
//! `RONDOM_PERSONS`. It also holds where each provider's request (iWmo/iJw 315, 317) landed,
//! under a keyed form of the provider's reference, for the gemeente's answer (319), which
//! names no person. Every entry is written with an atomic create, so two adapters that see the
//! same new person at once agree on one household: the loser of the race adopts the winner's.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use async_nats::jetstream::kv;
use futures::future::try_join_all;
use rondom_domain::{HouseholdId, Pseudonym};

use crate::error::{Error, Result};
use crate::registry_copy::RegistryCopy;

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
    /// This process's copy of the bucket, for a writer ([`HouseholdRegistry::following`]).
    copy: Option<Arc<RegistryCopy>>,
    /// Lookups that went to JetStream.
    fetched: Arc<AtomicU64>,
}

impl HouseholdRegistry {
    /// Returns the registry over the `RONDOM_PERSONS` bucket, every lookup a round trip.
    pub fn new(bucket: kv::Store) -> Self {
        Self {
            bucket,
            copy: None,
            fetched: Arc::default(),
        }
    }

    /// Returns the registry over the bucket with a copy in this process that a watch keeps
    /// current: lookups are answered from memory once it has caught up (see
    /// `registry_copy`); claims still go to JetStream.
    pub fn following(bucket: kv::Store) -> Self {
        Self {
            copy: Some(RegistryCopy::following(bucket.clone())),
            ..Self::new(bucket)
        }
    }

    /// Returns the registry with a copy of what the bucket holds now, never followed: a copy
    /// that has fallen behind, for tests of what JetStream still guarantees then.
    ///
    /// # Errors
    /// [`Error::Unavailable`] when the bucket cannot be read.
    #[doc(hidden)]
    pub async fn with_stale_copy(bucket: kv::Store) -> Result<Self> {
        Ok(Self {
            copy: Some(RegistryCopy::snapshot(&bucket).await?),
            ..Self::new(bucket)
        })
    }

    /// Returns whether lookups are answered from this process's copy now (it has caught up).
    pub fn copy_is_current(&self) -> bool {
        self.copy.as_ref().is_some_and(|copy| copy.is_current())
    }

    /// Returns how many lookups went to JetStream, for tests and diagnostics.
    pub fn fetched(&self) -> u64 {
        self.fetched.load(Ordering::Relaxed)
    }

    /// Returns the household of `persons` (first = the person concerned), creating one when
    /// nobody has one yet. Co-residents without a household join this one.
    ///
    /// # Errors
    /// [`Error::Unavailable`] when KV cannot be reached; [`Error::Corrupt`] for a stored value
    /// that is not a household id.
    pub async fn resolve(&self, persons: &[Pseudonym]) -> Result<Resolution> {
        let known = self.lookup_all(persons).await?;
        self.resolve_known(persons, &known).await
    }

    /// Returns the household of each of `persons`, if any ([`HouseholdRegistry::lookup`]).
    ///
    /// # Errors
    /// As [`HouseholdRegistry::resolve`].
    pub async fn lookup_all(&self, persons: &[Pseudonym]) -> Result<Vec<Option<HouseholdId>>> {
        try_join_all(persons.iter().map(|person| self.lookup(person))).await
    }

    /// As [`HouseholdRegistry::resolve`], from `known`, what [`HouseholdRegistry::lookup_all`]
    /// found for `persons`: a writer looks at the household it would land in before anyone
    /// is claimed for it.
    ///
    /// # Errors
    /// As [`HouseholdRegistry::resolve`].
    pub async fn resolve_known(
        &self,
        persons: &[Pseudonym],
        known: &[Option<HouseholdId>],
    ) -> Result<Resolution> {
        let Some((primary, co_residents)) = persons.split_first() else {
            unreachable!("a validated write names at least one person");
        };
        let candidate = known
            .iter()
            .flatten()
            .next()
            .copied()
            .unwrap_or_else(HouseholdId::generate);
        let household = match known.first().copied().flatten() {
            Some(household) => household,
            None => self.claim(primary, candidate).await?,
        };
        let created = known.iter().all(Option::is_none) && household == candidate;
        // The co-residents' claims go out together: each is an atomic create of its own key.
        let co_residents = try_join_all(co_residents.iter().zip(known.iter().skip(1)).map(
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

    /// Returns the household of `person`, if any: from this process's copy when it has one
    /// that has caught up, else from JetStream.
    ///
    /// # Errors
    /// As [`HouseholdRegistry::resolve`].
    pub async fn lookup(&self, person: &Pseudonym) -> Result<Option<HouseholdId>> {
        let key = person.to_string();
        match self.copy.as_ref().and_then(|copy| copy.get(&key)) {
            Some(known) => Ok(known),
            None => self.fetch(&key).await,
        }
    }

    /// Returns the household of `key` as JetStream has it now.
    async fn fetch(&self, key: &str) -> Result<Option<HouseholdId>> {
        self.fetched.fetch_add(1, Ordering::Relaxed);
        let value = self
            .bucket
            .get(key)
            .await
            .map_err(|err| Error::unavailable("reading the person registry", err))?;
        value.map(|bytes| parse_household(&bytes)).transpose()
    }

    /// Notes this process's own change in its copy, so its next lookup sees it at once.
    fn note(&self, key: &str, revision: u64, household: Option<HouseholdId>) {
        if let Some(copy) = &self.copy {
            copy.note(key, revision, household);
        }
    }

    /// Moves `person` into `household` (a composition change), wherever they were before.
    ///
    /// # Errors
    /// [`Error::Unavailable`] when KV cannot be reached.
    pub async fn join(&self, person: &Pseudonym, household: HouseholdId) -> Result<()> {
        let key = person.to_string();
        let revision = self
            .bucket
            .put(&key, household.to_string().into())
            .await
            .map_err(|err| Error::unavailable("writing the person registry", err))?;
        self.note(&key, revision, Some(household));
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
            // The delete marker comes after the entry: noted one past it, the watch's marker
            // (at that revision or later) still counts as news, and nothing older does.
            Ok(()) => {
                self.note(&person.to_string(), entry.revision + 1, None);
                Ok(())
            }
            // Someone moved them meanwhile: their new household stands.
            Err(err) if err.kind() == kv::DeleteErrorKind::WrongLastRevision => Ok(()),
            Err(err) => Err(Error::unavailable("writing the person registry", err)),
        }
    }

    /// Places `person` in `household` unless someone was first; returns where they are now.
    async fn claim(&self, person: &Pseudonym, household: HouseholdId) -> Result<HouseholdId> {
        let key = person.to_string();
        match self.bucket.create(&key, household.to_string().into()).await {
            Ok(revision) => {
                self.note(&key, revision, Some(household));
                Ok(household)
            }
            // Someone was first (this process's copy may not show it yet): JetStream says
            // where they are.
            Err(err) if err.kind() == kv::CreateErrorKind::AlreadyExists => {
                self.fetch(&key).await?.ok_or_else(|| {
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
