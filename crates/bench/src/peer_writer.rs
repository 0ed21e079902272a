//! P7's fair peer, the write path: what `rondom_adapter::EventWriter` does for a signal (a
//! write about persons), step by step, with PostgreSQL where the hub has NATS. Pseudonymise
//! the persons; resolve their household in the `persons` table (atomic insert-if-absent, so
//! racing writers agree on one household); get or create the household's data key in
//! `household_keys` (wrapped under the master key, unwrapped keys cached as the hub caches
//! them); seal the identities and the note; sign; append the event under
//! `UNIQUE (household, version)` together with its audit record, in one statement.
//!
//! The event is built and sealed by the hub's own [`rondom_adapter::seal_event`]; placing it
//! (the registry, the keys) is re-done here over PostgreSQL, for `Target::OfPersons` only (the
//! only target of a signal).

use std::collections::HashMap;
use std::sync::Mutex;

use prost::Message as _;
use rondom_access::audit::Caller;
use rondom_adapter::{Draft, Written};
use rondom_bus::{Envelope, EventSigner, Published};
use rondom_domain::seal::{DataKey, MasterKeys, Sealed};
use rondom_domain::{HouseholdId, Pseudonym, PseudonymKey};
use rondom_proto::v1;
use tokio::sync::{Semaphore, SemaphorePermit};
use tokio_postgres::error::SqlState;
use tokio_postgres::{Client, Statement};
use tonic::Status;

/// Unwrapped keys kept in memory before the cache starts over: as the hub's key store.
const CACHE_CAPACITY: usize = 65_536;

/// Who is in which household: the peer's person registry.
const LOOKUP: &str = "SELECT pseudonym, household FROM persons WHERE pseudonym = ANY($1)";

/// Places persons in a household unless someone was first; returns where each is now. The
/// no-op update makes the statement return the winner's household on a conflict.
const CLAIM: &str = "
INSERT INTO persons (pseudonym, household) SELECT unnest($1::bytea[]), $2
ON CONFLICT (pseudonym) DO UPDATE SET household = persons.household
RETURNING pseudonym, household";

const KEY_GET: &str = "SELECT wrapped FROM household_keys WHERE household = $1";

/// Stores a new household's data key unless another writer was first; returns the one stored.
const KEY_CREATE: &str = "
INSERT INTO household_keys (household, wrapped) VALUES ($1, $2)
ON CONFLICT (household) DO UPDATE SET wrapped = household_keys.wrapped
RETURNING wrapped";

/// The event store's append (the next version of the household, refused by the unique
/// constraint when another writer took it first), with the write's audit record in the same
/// transaction. An event id stored before (a retry) appends nothing.
const APPEND: &str = "
WITH event AS (
    INSERT INTO events (household, version, event_id, headers, payload)
    SELECT $1, coalesce(max(version), 0) + 1, $2, $3, $4 FROM events WHERE household = $1
    ON CONFLICT (event_id) DO NOTHING
    RETURNING position
)
INSERT INTO audit (client_id, household, event_id, event_position, record)
SELECT $5, $1::uuid::text, $2, position, $6 FROM event
RETURNING event_position";

/// The position of an event stored before (a retried write).
const STORED: &str = "SELECT position FROM events WHERE event_id = $1";

/// An audit record of its own: a refused write, or a retried one.
const AUDIT: &str = "
INSERT INTO audit (client_id, household, event_id, event_position, record)
VALUES ($1, $2, $3, $4, $5)";

/// A connection with its statements prepared once, so each step is one round trip.
struct Connection {
    client: Client,
    lookup: Statement,
    claim: Statement,
    key_get: Statement,
    key_create: Statement,
    append: Statement,
    stored: Statement,
    audit: Statement,
}

impl Connection {
    async fn open(url: &str) -> anyhow::Result<Self> {
        let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls).await?;
        tokio::spawn(connection);
        Ok(Self {
            lookup: client.prepare(LOOKUP).await?,
            claim: client.prepare(CLAIM).await?,
            key_get: client.prepare(KEY_GET).await?,
            key_create: client.prepare(KEY_CREATE).await?,
            append: client.prepare(APPEND).await?,
            stored: client.prepare(STORED).await?,
            audit: client.prepare(AUDIT).await?,
            client,
        })
    }
}

/// A fixed pool: a call holds one connection from its first statement to its last, as a
/// request handler with a connection pool does.
struct Pool {
    idle: Mutex<Vec<Connection>>,
    permits: Semaphore,
}

/// A connection taken from the pool, put back when dropped.
struct Pooled<'a> {
    connection: Option<Connection>,
    pool: &'a Pool,
    _permit: SemaphorePermit<'a>,
}

impl std::ops::Deref for Pooled<'_> {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        self.connection.as_ref().expect("held until dropped")
    }
}

impl Drop for Pooled<'_> {
    fn drop(&mut self) {
        if let Some(connection) = self.connection.take() {
            self.pool.idle.lock().expect("pool lock").push(connection);
        }
    }
}

impl Pool {
    async fn open(url: &str, size: usize) -> anyhow::Result<Self> {
        let mut idle = Vec::with_capacity(size);
        for _ in 0..size {
            idle.push(Connection::open(url).await?);
        }
        Ok(Self {
            idle: Mutex::new(idle),
            permits: Semaphore::new(size),
        })
    }

    async fn get(&self) -> Pooled<'_> {
        let permit = self.permits.acquire().await.expect("never closed");
        let connection = self.idle.lock().expect("pool lock").pop();
        Pooled {
            connection,
            pool: self,
            _permit: permit,
        }
    }
}

/// Where a write lands: the household, which persons are members by it, and its key.
struct Placement {
    household: HouseholdId,
    members: Vec<bool>,
    key: DataKey,
}

/// Writes signals' drafts to PostgreSQL as the hub's `EventWriter` writes them to NATS.
pub(crate) struct PeerWriter {
    pool: Pool,
    pseudonyms: PseudonymKey,
    masters: MasterKeys,
    signer: EventSigner,
    keys: Mutex<HashMap<HouseholdId, DataKey>>,
}

/// The hub answers UNAVAILABLE when NATS does not take a write; the bench stops on any
/// failed call, so the cause goes in the message.
fn unavailable(err: &tokio_postgres::Error) -> Status {
    rondom_proto::status::unavailable(format!(
        "PostgreSQL did not commit the write ({err}); retry with the same idempotency key"
    ))
}

fn uuid(household: &HouseholdId) -> uuid::Uuid {
    uuid::Uuid::from_bytes(*household.as_bytes())
}

fn household(id: uuid::Uuid) -> HouseholdId {
    HouseholdId::from_bytes(id.into_bytes())
}

impl PeerWriter {
    /// Opens `connections` connections to the peer's database at `url`.
    pub(crate) async fn open(
        url: &str,
        connections: usize,
        keys: &rondom_runtime::Keys,
    ) -> anyhow::Result<Self> {
        Ok(Self {
            pool: Pool::open(url, connections).await?,
            pseudonyms: keys.pseudonym.clone(),
            masters: keys.masters.clone(),
            signer: keys.signer.clone(),
            keys: Mutex::default(),
        })
    }

    /// Publishes `draft` (about persons) and records it in the audit log, as `caller`;
    /// a refusal of `refused` (the handler's own checks) is recorded instead.
    pub(crate) async fn write_audited(
        &self,
        caller: &Caller,
        event_type: &str,
        draft: Result<Draft, Status>,
    ) -> Result<Written, Status> {
        let connection = self.pool.get().await;
        let record = v1::AuditRecord {
            event_type: event_type.to_owned(),
            ..caller.record(0, "")
        };
        let result = match draft {
            Ok(draft) => self.write(&connection, &draft, &record).await,
            Err(status) => Err(status),
        };
        match result {
            Ok((written, true)) => Ok(written),
            // Not audited with the append (a refusal, or a retried write): on its own.
            Ok((written, false)) => {
                let record = v1::AuditRecord {
                    household_id: written.household.to_string(),
                    event_id: written.event_id.to_string(),
                    position: written.published.position,
                    ..record
                };
                audit(&connection, &record).await?;
                Ok(written)
            }
            Err(status) => {
                let record = v1::AuditRecord {
                    outcome: rondom_runtime::metrics::code_name(status.code()).to_owned(),
                    reason: status.message().to_owned(),
                    ..record
                };
                // As the hub: the answer stands when its record cannot be stored.
                let _ = audit(&connection, &record).await;
                Err(status)
            }
        }
    }

    /// Places, seals and appends `draft`; says whether the append stored its audit record.
    async fn write(
        &self,
        connection: &Connection,
        draft: &Draft,
        record: &v1::AuditRecord,
    ) -> Result<(Written, bool), Status> {
        let pseudonyms: Vec<_> = draft
            .persons
            .iter()
            .map(|person| self.pseudonyms.pseudonym(&person.bsn))
            .collect();
        let place = self.place_of_persons(connection, &pseudonyms).await?;
        let sealing = rondom_adapter::Sealing {
            household: place.household,
            members: &place.members,
            leaves: false,
            key: &place.key,
        };
        let (envelope, event) = rondom_adapter::seal_event(draft, &sealing, &self.pseudonyms);
        let mut headers = envelope.to_headers();
        let payload = event.encode_to_vec();
        self.signer.sign(&mut headers, &payload);
        let headers = headers_json(&headers);
        let record = v1::AuditRecord {
            household_id: place.household.to_string(),
            event_id: envelope.id.to_string(),
            ..record.clone()
        };
        let (position, duplicate) =
            append(connection, &envelope, &headers, &payload, &record).await?;
        let written = Written {
            event_id: envelope.id,
            household: place.household,
            published: Published {
                position,
                duplicate,
            },
        };
        Ok((written, !duplicate))
    }

    /// The household of the persons, started for a first write: as the hub's
    /// `HouseholdRegistry::resolve`, then the household's key (created by a write that made
    /// the household, without looking first).
    async fn place_of_persons(
        &self,
        connection: &Connection,
        pseudonyms: &[Pseudonym],
    ) -> Result<Placement, Status> {
        let (primary, co_residents) = pseudonyms.split_first().expect("validated: a person");
        let keys: Vec<&[u8]> = pseudonyms.iter().map(|p| p.as_bytes().as_slice()).collect();
        let rows = connection
            .client
            .query(&connection.lookup, &[&keys])
            .await
            .map_err(|err| unavailable(&err))?;
        let mut known: HashMap<Vec<u8>, uuid::Uuid> =
            rows.iter().map(|row| (row.get(0), row.get(1))).collect();
        let first_known = pseudonyms
            .iter()
            .find_map(|person| known.get(person.as_bytes().as_slice()).copied());
        let candidate = first_known.unwrap_or_else(|| uuid(&HouseholdId::generate()));
        let found = known.get(primary.as_bytes().as_slice()).copied();
        let id = match found {
            Some(id) => id,
            None => claim(connection, &[primary], candidate, &mut known).await?,
        };
        let created = first_known.is_none() && id == candidate;
        // The co-residents without a household join this one, in one statement.
        let missing: Vec<&Pseudonym> = co_residents
            .iter()
            .filter(|person| !known.contains_key(person.as_bytes().as_slice()))
            .collect();
        if !missing.is_empty() {
            claim(connection, &missing, id, &mut known).await?;
        }
        let members = pseudonyms
            .iter()
            .map(|person| known.get(person.as_bytes().as_slice()) == Some(&id))
            .collect();
        let household = household(id);
        let key = self.key(connection, &household, created).await?;
        Ok(Placement {
            household,
            members,
            key,
        })
    }

    /// The household's data key: from the cache, else read; created when the household has
    /// none (at once when this write made the household: there is nothing to read).
    async fn key(
        &self,
        connection: &Connection,
        household: &HouseholdId,
        created: bool,
    ) -> Result<DataKey, Status> {
        if let Some(key) = self.keys.lock().expect("key cache lock").get(household) {
            return Ok(key.clone());
        }
        let id = uuid(household);
        let stored: Option<Vec<u8>> = if created {
            None
        } else {
            connection
                .client
                .query_opt(&connection.key_get, &[&id])
                .await
                .map_err(|err| unavailable(&err))?
                .map(|row| row.get(0))
        };
        let key = match stored {
            Some(wrapped) => self.unwrap(household, &wrapped)?,
            None => {
                let key = DataKey::generate();
                let wrapped = self.wrap(household, &key);
                let row = connection
                    .client
                    .query_one(&connection.key_create, &[&id, &wrapped])
                    .await
                    .map_err(|err| unavailable(&err))?;
                let stored: Vec<u8> = row.get(0);
                // Another writer's key when it was first.
                if stored == wrapped {
                    key
                } else {
                    self.unwrap(household, &stored)?
                }
            }
        };
        let mut cache = self.keys.lock().expect("key cache lock");
        if cache.len() >= CACHE_CAPACITY {
            cache.clear();
        }
        cache.insert(*household, key.clone());
        Ok(key)
    }

    /// The key wrapped under the current master key, as the hub's key store stores it.
    fn wrap(&self, household: &HouseholdId, key: &DataKey) -> Vec<u8> {
        let master = self.masters.current();
        let sealed = master.wrap(household, key);
        v1::WrappedKey {
            master_key_id: master.id().to_owned(),
            nonce: sealed.nonce,
            ciphertext: sealed.ciphertext,
        }
        .encode_to_vec()
    }

    fn unwrap(&self, household: &HouseholdId, bytes: &[u8]) -> Result<DataKey, Status> {
        let wrapped = v1::WrappedKey::decode(bytes)
            .map_err(|_| Status::internal("a stored household key is not a key"))?;
        let master = self
            .masters
            .by_id(&wrapped.master_key_id)
            .ok_or_else(|| Status::internal("a household key under an unknown master key"))?;
        let sealed = Sealed {
            nonce: wrapped.nonce,
            ciphertext: wrapped.ciphertext,
        };
        master
            .unwrap(household, &sealed)
            .map_err(|_| Status::internal("a household key does not unwrap"))
    }
}

/// Claims `persons` for household `id` (each unless someone was first) and notes where
/// each is now in `known`; returns where the first is.
async fn claim(
    connection: &Connection,
    persons: &[&Pseudonym],
    id: uuid::Uuid,
    known: &mut HashMap<Vec<u8>, uuid::Uuid>,
) -> Result<uuid::Uuid, Status> {
    let keys: Vec<&[u8]> = persons.iter().map(|p| p.as_bytes().as_slice()).collect();
    let rows = connection
        .client
        .query(&connection.claim, &[&keys, &id])
        .await
        .map_err(|err| unavailable(&err))?;
    known.extend(rows.iter().map(|row| (row.get(0), row.get(1))));
    known
        .get(persons[0].as_bytes().as_slice())
        .copied()
        .ok_or_else(|| Status::internal("a claimed person has no household"))
}

/// Appends the event with its audit record; returns its position and whether it was stored
/// before (then without the record). A writer that lost the race for a version tries again,
/// as an event store's client does on a concurrency conflict.
async fn append(
    connection: &Connection,
    envelope: &Envelope,
    headers: &serde_json::Value,
    payload: &[u8],
    record: &v1::AuditRecord,
) -> Result<(u64, bool), Status> {
    let household = uuid(&envelope.subject);
    let event_id = envelope.id.to_string();
    let record_bytes = record.encode_to_vec();
    loop {
        match connection
            .client
            .query_opt(
                &connection.append,
                &[
                    &household,
                    &event_id,
                    headers,
                    &payload,
                    &record.client_id,
                    &record_bytes,
                ],
            )
            .await
        {
            Ok(Some(row)) => return Ok((row.get::<_, i64>(0) as u64, false)),
            Ok(None) => {
                let row = connection
                    .client
                    .query_one(&connection.stored, &[&event_id])
                    .await
                    .map_err(|err| unavailable(&err))?;
                return Ok((row.get::<_, i64>(0) as u64, true));
            }
            Err(err) if err.code() == Some(&SqlState::UNIQUE_VIOLATION) => {}
            Err(err) => return Err(unavailable(&err)),
        }
    }
}

/// Stores an audit record of its own.
async fn audit(connection: &Connection, record: &v1::AuditRecord) -> Result<(), Status> {
    let position = (record.position != 0).then_some(record.position as i64);
    connection
        .client
        .execute(
            &connection.audit,
            &[
                &record.client_id,
                &record.household_id,
                &record.event_id,
                &position,
                &record.encode_to_vec(),
            ],
        )
        .await
        .map_err(|err| unavailable(&err))?;
    Ok(())
}

/// The event's headers as the peer stores them: a JSON object of name and value.
pub(crate) fn headers_json(headers: &async_nats::HeaderMap) -> serde_json::Value {
    let pairs: serde_json::Map<String, serde_json::Value> = headers
        .iter()
        .filter_map(|(name, values)| {
            let value = values.first()?.as_str().to_owned();
            Some((name.to_string(), serde_json::Value::String(value)))
        })
        .collect();
    serde_json::Value::Object(pairs)
}
