//! What the subscriptions of one hub share of an event: it is decoded (and its signature
//! checked) once, its household view read once, and its delivery built and encoded once per
//! standing, however many partners follow it. Fifty subscriptions of partners in the same
//! position judge an event once, not fifty times; each subscription still decides on its own
//! what it may be sent, audits its own disclosures and keeps to the persons of its own cases.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::sync::{Arc, Mutex, OnceLock};

use prost::Message as _;
use rondom_bus::ReceivedEvent;
use rondom_domain::access::Standing;
use rondom_fold::model::StoredHousehold;
use rondom_proto::v1;
use tokio::sync::OnceCell;

/// Events kept: enough for live subscribers to share every event however far apart they run
/// within a burst, few enough to bound memory (each entry holds one household view).
pub const RECENT: usize = 1024;

/// An event as every subscription sees it before judging: `None` when no partner is sent
/// anything of it (not this hub's event, or its household is gone).
#[derive(Debug)]
pub struct Decoded {
    pub received: ReceivedEvent,
    pub stored: StoredHousehold,
}

/// A delivery as the readers of one standing (and the same persons) are sent it, with its
/// protobuf encoding: the subscriptions that send it neither copy nor encode it again.
#[derive(Debug)]
pub struct EncodedDelivery {
    pub delivery: v1::Delivery,
    pub encoded: bytes::Bytes,
}

impl From<v1::Delivery> for EncodedDelivery {
    fn from(delivery: v1::Delivery) -> Self {
        let encoded = delivery.encode_to_vec().into();
        Self { delivery, encoded }
    }
}

/// One event's shared work.
#[derive(Debug, Default)]
pub struct SharedEvent {
    decoded: OnceCell<Option<Decoded>>,
    deliveries: Mutex<HashMap<Standing, Arc<OnceCell<Arc<EncodedDelivery>>>>>,
    /// Deliveries that name fewer persons, by standing and which of its persons they keep.
    narrowed: Mutex<HashMap<(Standing, Vec<usize>), Narrowed>>,
}

type Narrowed = Arc<OnceLock<Arc<EncodedDelivery>>>;

impl SharedEvent {
    /// Returns the event decoded with its household view, made by `make` for the first
    /// subscription that asks.
    ///
    /// # Errors
    /// `make`'s error; the next subscription to ask tries again.
    pub async fn decoded<E, F>(&self, make: F) -> Result<Option<&Decoded>, E>
    where
        F: Future<Output = Result<Option<Decoded>, E>>,
    {
        Ok(self.decoded.get_or_try_init(|| make).await?.as_ref())
    }

    /// Returns the delivery for readers of `standing`, built (and encoded) by `build` for the
    /// first of them.
    ///
    /// # Errors
    /// `build`'s error; the next reader of that standing tries again.
    pub async fn delivery<E, F>(
        &self,
        standing: Standing,
        build: F,
    ) -> Result<Arc<EncodedDelivery>, E>
    where
        F: Future<Output = Result<v1::Delivery, E>>,
    {
        let cell = self
            .deliveries
            .lock()
            .expect("deliveries lock")
            .entry(standing)
            .or_default()
            .clone();
        let built = cell
            .get_or_try_init(|| async { Ok(Arc::new(EncodedDelivery::from(build.await?))) })
            .await?;
        Ok(built.clone())
    }

    /// Returns `whole` (the delivery for readers of `standing`) naming only the persons among
    /// `known`: `whole` itself when it names no others, else made once for every reader of
    /// this standing that knows the same of them.
    pub fn narrowed(
        &self,
        standing: Standing,
        whole: &Arc<EncodedDelivery>,
        known: &[String],
    ) -> Arc<EncodedDelivery> {
        let kept = |person: &v1::DeliveredPerson| known.contains(&person.pseudonym);
        if whole.delivery.persons.iter().all(kept) {
            return whole.clone();
        }
        // Which of the whole's persons: no pseudonym copied to look the delivery up.
        let persons = whole
            .delivery
            .persons
            .iter()
            .enumerate()
            .filter(|(_, person)| kept(person))
            .map(|(index, _)| index)
            .collect();
        let cell = self
            .narrowed
            .lock()
            .expect("narrowed lock")
            .entry((standing, persons))
            .or_default()
            .clone();
        cell.get_or_init(|| {
            let mut delivery = whole.delivery.clone();
            delivery.persons.retain(kept);
            Arc::new(EncodedDelivery::from(delivery))
        })
        .clone()
    }
}

/// The recent events, by stream position.
#[derive(Debug, Default)]
pub struct SharedEvents {
    recent: Mutex<BTreeMap<u64, Arc<SharedEvent>>>,
}

impl SharedEvents {
    /// Returns the shared work of the event at `position`, forgetting the oldest event once
    /// more than [`RECENT`] are kept.
    pub fn at(&self, position: u64) -> Arc<SharedEvent> {
        let mut recent = self.recent.lock().expect("recent lock");
        let event = recent.entry(position).or_default().clone();
        while recent.len() > RECENT {
            recent.pop_first();
        }
        event
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rondom_domain::access::{Role, Shared};
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn standing(involved: bool) -> Standing {
        Standing {
            role: Role::Partner(rondom_domain::Pillar::Jeugd),
            involved,
            regisseur: false,
            same_gemeente: false,
            shared: Shared::NONE,
        }
    }

    #[tokio::test]
    async fn a_delivery_is_built_once_per_standing_and_position() {
        let events = SharedEvents::default();
        let built = AtomicUsize::new(0);
        let build = |position: u64| {
            let built = &built;
            async move {
                built.fetch_add(1, Ordering::SeqCst);
                Ok::<_, ()>(v1::Delivery {
                    position,
                    ..Default::default()
                })
            }
        };
        for _ in 0..50 {
            let delivery = events.at(7).delivery(standing(true), build(7)).await;
            assert_eq!(delivery.map(|built| built.delivery.position), Ok(7));
        }
        assert_eq!(built.load(Ordering::SeqCst), 1, "fifty readers, one build");
        events.at(7).delivery(standing(false), build(7)).await.ok();
        events.at(8).delivery(standing(true), build(8)).await.ok();
        assert_eq!(
            built.load(Ordering::SeqCst),
            3,
            "another standing or another event is built on its own"
        );
    }

    #[tokio::test]
    async fn a_delivery_naming_fewer_persons_is_made_once_per_set_of_persons() {
        let person = |pseudonym: &str| v1::DeliveredPerson {
            pseudonym: pseudonym.into(),
            ..Default::default()
        };
        let events = SharedEvents::default();
        let event = events.at(3);
        let whole = event
            .delivery(standing(true), async {
                Ok::<_, ()>(v1::Delivery {
                    position: 3,
                    persons: vec![person("ouder"), person("kind")],
                    ..Default::default()
                })
            })
            .await
            .expect("built");
        let known = |names: &[&str]| names.iter().map(|&n| n.to_owned()).collect::<Vec<_>>();

        let all = event.narrowed(standing(true), &whole, &known(&["kind", "ouder", "oma"]));
        assert!(
            Arc::ptr_eq(&all, &whole),
            "naming no others, it is the whole"
        );

        let child = event.narrowed(standing(true), &whole, &known(&["kind"]));
        assert_eq!(child.delivery.persons, vec![person("kind")]);
        assert_eq!(
            v1::Delivery::decode(child.encoded.clone()).ok().as_ref(),
            Some(&child.delivery),
            "the encoding is of the narrowed delivery"
        );
        let again = event.narrowed(standing(true), &whole, &known(&["kind", "oma"]));
        assert!(
            Arc::ptr_eq(&child, &again),
            "the same persons kept: made once"
        );
        let parent = event.narrowed(standing(true), &whole, &known(&["ouder"]));
        assert_eq!(parent.delivery.persons, vec![person("ouder")]);
        assert_eq!(whole.delivery.persons.len(), 2, "the whole is left whole");
    }

    #[tokio::test]
    async fn a_failed_build_is_tried_again_and_old_events_are_forgotten() {
        let events = SharedEvents::default();
        let failed: Result<Arc<EncodedDelivery>, &str> = events
            .at(1)
            .delivery(standing(true), async { Err("key store down") })
            .await;
        assert!(failed.is_err());
        let retried = events
            .at(1)
            .delivery(standing(true), async {
                Ok::<_, &str>(v1::Delivery::default())
            })
            .await;
        assert!(retried.is_ok(), "an error is not kept");

        let first = events.at(1);
        for position in 2..=(RECENT as u64 + 1) {
            events.at(position);
        }
        assert!(
            !Arc::ptr_eq(&first, &events.at(1)),
            "the oldest event was forgotten, bounding memory"
        );
        assert_eq!(events.recent.lock().unwrap().len(), RECENT);
    }
}
