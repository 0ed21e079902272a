//! What the subscriptions of one hub share of an event: it is decoded (and its signature
//! checked) once, and its delivery built and encoded once per standing, however many
//! partners follow it. Fifty subscriptions of partners in the same position judge an event
//! once, not fifty times; each subscription still decides on its own what it may be sent,
//! audits its own disclosures and keeps to the persons of its own cases.
//!
//! Who may see an event is judged by its household's view as it is when a subscription reads
//! it (a basis withdrawn, a partner gone, an erasure all change the view). What was made of
//! one version of the view is kept only while the view stays that version: a subscription
//! that finds the view changed makes it afresh, so no delivery judged (or opened with the
//! household's key) under an older view is sent.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::sync::{Arc, Mutex, OnceLock};

use prost::Message as _;
use rondom_bus::ReceivedEvent;
use rondom_domain::access::Standing;
use rondom_fold::model::StoredHousehold;
use rondom_projector::EncodedView;
use rondom_proto::v1;
use tokio::sync::OnceCell;

/// Events kept: enough for live subscribers to share every event however far apart they run
/// within a burst, few enough to bound memory (each entry holds one household view).
pub const RECENT: usize = 1024;

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
    /// `None` when it is no event of this hub's.
    received: OnceCell<Option<ReceivedEvent>>,
    /// What was made of it for the latest version of its household's view read.
    judged: Mutex<Option<Arc<Judged>>>,
}

impl SharedEvent {
    /// Returns the event decoded, by `make` for the first subscription that asks; `None` when
    /// no partner is sent anything of it (not this hub's event).
    pub async fn received<F>(&self, make: F) -> Option<&ReceivedEvent>
    where
        F: Future<Output = Option<ReceivedEvent>>,
    {
        self.received.get_or_init(|| make).await.as_ref()
    }

    /// Returns what is made of the event for `view`, its household's view as a subscription
    /// just read it: what was made for the same version, or a fresh start with it decoded.
    ///
    /// # Errors
    /// A view that does not decode.
    pub fn judged(&self, view: EncodedView) -> rondom_projector::Result<Arc<Judged>> {
        let mut judged = self.judged.lock().expect("judged lock");
        if let Some(current) = judged.as_ref().filter(|current| current.view == view) {
            return Ok(current.clone());
        }
        let fresh = Arc::new(Judged {
            stored: view.decode()?,
            view,
            deliveries: Mutex::default(),
            narrowed: Mutex::default(),
        });
        *judged = Some(fresh.clone());
        Ok(fresh)
    }
}

/// What is made of one event for one version of its household's view.
#[derive(Debug)]
pub struct Judged {
    view: EncodedView,
    /// The view, decoded.
    pub stored: StoredHousehold,
    deliveries: Mutex<HashMap<Standing, Arc<OnceCell<Arc<EncodedDelivery>>>>>,
    /// Deliveries that name fewer persons, by standing and which of its persons they keep.
    narrowed: Mutex<HashMap<(Standing, Vec<usize>), Narrowed>>,
}

type Narrowed = Arc<OnceLock<Arc<EncodedDelivery>>>;

impl Judged {
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

    /// A household's view as stored, at `position`.
    fn view(position: u64) -> EncodedView {
        EncodedView::of(&StoredHousehold {
            last_position: position,
            ..StoredHousehold::default()
        })
    }

    #[tokio::test]
    async fn what_was_made_of_an_older_view_is_not_used_for_a_newer_one() {
        let event = SharedEvents::default().at(5);
        let built = AtomicUsize::new(0);
        let build = || async {
            built.fetch_add(1, Ordering::SeqCst);
            Ok::<_, ()>(v1::Delivery::default())
        };
        let before = event.judged(view(5)).expect("a view");
        let first = before
            .delivery(standing(true), build())
            .await
            .expect("built");
        let same = event.judged(view(5)).expect("the same view");
        assert!(Arc::ptr_eq(&before, &same), "the same version: shared");
        // The household moved on (a basis withdrawn, an erasure): judged and built afresh.
        let after = event.judged(view(6)).expect("a view");
        assert_eq!(after.stored.last_position, 6);
        let second = after
            .delivery(standing(true), build())
            .await
            .expect("built");
        assert!(!Arc::ptr_eq(&first, &second));
        assert_eq!(built.load(Ordering::SeqCst), 2);
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
            let delivery = events
                .at(7)
                .judged(view(0))
                .expect("a view")
                .delivery(standing(true), build(7))
                .await;
            assert_eq!(delivery.map(|built| built.delivery.position), Ok(7));
        }
        assert_eq!(built.load(Ordering::SeqCst), 1, "fifty readers, one build");
        events
            .at(7)
            .judged(view(0))
            .expect("a view")
            .delivery(standing(false), build(7))
            .await
            .ok();
        events
            .at(8)
            .judged(view(0))
            .expect("a view")
            .delivery(standing(true), build(8))
            .await
            .ok();
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
        let event = events.at(3).judged(view(0)).expect("a view");
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
            .judged(view(0))
            .expect("a view")
            .delivery(standing(true), async { Err("key store down") })
            .await;
        assert!(failed.is_err());
        let retried = events
            .at(1)
            .judged(view(0))
            .expect("a view")
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
