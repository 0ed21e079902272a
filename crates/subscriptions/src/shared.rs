//! What the subscriptions of one hub share of an event: it is decoded (and its signature
//! checked) once, its household view read once, and its delivery built once per standing,
//! however many partners follow it. Fifty subscriptions of partners in the same position judge
//! an event once, not fifty times; each subscription still decides on its own what it may be
//! sent, audits its own disclosures and keeps to the persons of its own cases.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::sync::{Arc, Mutex};

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

/// One event's shared work.
#[derive(Debug, Default)]
pub struct SharedEvent {
    decoded: OnceCell<Option<Decoded>>,
    deliveries: Mutex<HashMap<Standing, Arc<OnceCell<v1::Delivery>>>>,
}

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

    /// Returns the delivery for readers of `standing`, built by `build` for the first of them.
    ///
    /// # Errors
    /// `build`'s error; the next reader of that standing tries again.
    pub async fn delivery<E, F>(&self, standing: Standing, build: F) -> Result<v1::Delivery, E>
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
        Ok(cell.get_or_try_init(|| build).await?.clone())
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
            assert_eq!(delivery.map(|d| d.position), Ok(7));
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
    async fn a_failed_build_is_tried_again_and_old_events_are_forgotten() {
        let events = SharedEvents::default();
        let failed: Result<v1::Delivery, &str> = events
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
