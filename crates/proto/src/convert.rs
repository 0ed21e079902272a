//! Conversions between `rondom.v1` messages and domain types.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use prost_types::Timestamp;
use rondom_domain::access::{Purpose, Sight};
use rondom_domain::catalogue::NeedToKnow;
use rondom_domain::seal;
use rondom_domain::signal::SignalInput;
use rondom_domain::{PersonInput, Pillar, Urgency};

use crate::v1;

// Pillars and purposes are numbered on the wire in their declaration order, which is also
// the order of `Pillar::ALL` and `Purpose::ALL` (a test holds each name to its number), so a
// new one needs no arm here.

impl From<Pillar> for v1::Pillar {
    fn from(pillar: Pillar) -> Self {
        v1::Pillar::try_from(pillar as i32 + 1).unwrap_or(v1::Pillar::Unspecified)
    }
}

/// Returns the pillar of a wire value; `None` for unspecified or unknown numbers.
pub fn pillar_from_proto(value: i32) -> Option<Pillar> {
    let index = usize::try_from(value).ok()?.checked_sub(1)?;
    Pillar::ALL.get(index).copied()
}

impl From<Urgency> for v1::Urgency {
    fn from(urgency: Urgency) -> Self {
        match urgency {
            Urgency::Normal => v1::Urgency::Normal,
            Urgency::High => v1::Urgency::High,
            Urgency::Crisis => v1::Urgency::Crisis,
        }
    }
}

/// Returns the urgency of a wire value; `None` for unspecified or unknown numbers.
pub fn urgency_from_proto(value: i32) -> Option<Urgency> {
    match v1::Urgency::try_from(value).ok()? {
        v1::Urgency::Unspecified => None,
        v1::Urgency::Normal => Some(Urgency::Normal),
        v1::Urgency::High => Some(Urgency::High),
        v1::Urgency::Crisis => Some(Urgency::Crisis),
    }
}

impl From<Purpose> for v1::Purpose {
    fn from(purpose: Purpose) -> Self {
        v1::Purpose::try_from(purpose as i32 + 1).unwrap_or(v1::Purpose::Unspecified)
    }
}

/// Returns the purpose of a wire value; `None` for unspecified or unknown numbers.
pub fn purpose_from_proto(value: i32) -> Option<Purpose> {
    let index = usize::try_from(value).ok()?.checked_sub(1)?;
    Purpose::ALL.get(index).copied()
}

impl From<NeedToKnow> for v1::NeedToKnow {
    fn from(class: NeedToKnow) -> Self {
        match class {
            NeedToKnow::Household => v1::NeedToKnow::Household,
            NeedToKnow::Pillar => v1::NeedToKnow::Pillar,
            NeedToKnow::Health => v1::NeedToKnow::Health,
            NeedToKnow::Protected => v1::NeedToKnow::Protected,
            NeedToKnow::Lane => v1::NeedToKnow::Lane,
        }
    }
}

impl From<Sight> for v1::Sight {
    fn from(sight: Sight) -> Self {
        match sight {
            Sight::Nothing => v1::Sight::Unspecified,
            Sight::Status => v1::Sight::Status,
            Sight::Full => v1::Sight::Full,
        }
    }
}

/// Returns a protobuf timestamp.
pub fn timestamp(at: DateTime<Utc>) -> Timestamp {
    Timestamp {
        seconds: at.timestamp(),
        nanos: at.timestamp_subsec_nanos() as i32,
    }
}

/// Returns the time of a protobuf timestamp; `None` when it is out of range.
pub fn datetime(at: &Timestamp) -> Option<DateTime<Utc>> {
    let nanos = u32::try_from(at.nanos).ok()?;
    DateTime::from_timestamp(at.seconds, nanos)
}

/// Returns the calendar date of a proto date; `None` for an impossible one (or 0000-00-00).
pub fn naive_date(date: &v1::Date) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(
        date.year,
        u32::try_from(date.month).ok()?,
        u32::try_from(date.day).ok()?,
    )
}

/// Returns a proto date.
pub fn proto_date(date: NaiveDate) -> v1::Date {
    v1::Date {
        year: date.year(),
        month: date.month() as i32,
        day: date.day() as i32,
    }
}

impl From<v1::PostSignalRequest> for SignalInput {
    fn from(request: v1::PostSignalRequest) -> Self {
        SignalInput {
            idempotency_key: request.idempotency_key,
            source_system: request.source_system,
            gemeente_code: request.gemeente_code,
            persons: request
                .persons
                .into_iter()
                .map(|person| PersonInput::new(person.bsn, person.display_name))
                .collect(),
            pillar: pillar_from_proto(request.pillar),
            kind: request.kind,
            urgency: urgency_from_proto(request.urgency),
            // An out-of-range timestamp is as good as none: both are refused.
            observed_at: request.observed_at.as_ref().and_then(datetime),
            summary: request.summary.into(),
        }
    }
}

impl v1::Writer {
    /// Whether a provider wrote it (a partner of a law: role `partner:<law>`).
    pub fn is_provider(&self) -> bool {
        self.role.starts_with("partner:")
    }
}

impl From<seal::Sealed> for v1::Sealed {
    fn from(sealed: seal::Sealed) -> Self {
        v1::Sealed {
            nonce: sealed.nonce,
            ciphertext: sealed.ciphertext,
        }
    }
}

impl From<v1::Sealed> for seal::Sealed {
    fn from(sealed: v1::Sealed) -> Self {
        seal::Sealed {
            nonce: sealed.nonce,
            ciphertext: sealed.ciphertext,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pillars_and_purposes_are_numbered_on_the_wire_in_their_order() {
        for pillar in Pillar::ALL {
            let wire = v1::Pillar::from(pillar);
            assert_eq!(
                wire.as_str_name(),
                format!("PILLAR_{}", pillar.as_str().to_uppercase())
            );
            assert_eq!(pillar_from_proto(wire as i32), Some(pillar));
        }
        for purpose in Purpose::ALL {
            let wire = v1::Purpose::from(purpose);
            assert_eq!(
                wire.as_str_name(),
                format!("PURPOSE_{}", purpose.as_str().to_uppercase())
            );
            assert_eq!(purpose_from_proto(wire as i32), Some(purpose));
        }
        // One past the last of each, and what is never a number of either.
        let beyond = |count: usize| i32::try_from(count + 1).expect("a few");
        assert_eq!(pillar_from_proto(beyond(Pillar::ALL.len())), None);
        assert_eq!(purpose_from_proto(beyond(Purpose::ALL.len())), None);
        for unknown in [0, -1, i32::MAX, i32::MIN] {
            assert_eq!(pillar_from_proto(unknown), None);
            assert_eq!(purpose_from_proto(unknown), None);
        }
    }
    use proptest::prelude::*;

    #[test]
    fn every_pillar_round_trips() {
        for pillar in Pillar::ALL {
            assert_eq!(
                pillar_from_proto(v1::Pillar::from(pillar) as i32),
                Some(pillar)
            );
        }
        assert_eq!(pillar_from_proto(0), None);
        assert_eq!(pillar_from_proto(99), None);
    }

    #[test]
    fn every_urgency_round_trips() {
        for urgency in [Urgency::Normal, Urgency::High, Urgency::Crisis] {
            assert_eq!(
                urgency_from_proto(v1::Urgency::from(urgency) as i32),
                Some(urgency)
            );
        }
        assert_eq!(urgency_from_proto(0), None);
    }

    proptest! {
        #[test]
        fn timestamps_round_trip(seconds in 0i64..4_102_444_800, nanos in 0u32..1_000_000_000) {
            let at = DateTime::from_timestamp(seconds, nanos).expect("in range");
            prop_assert_eq!(datetime(&timestamp(at)), Some(at));
        }
    }

    #[test]
    fn dates_round_trip_and_impossible_ones_are_refused() {
        let date = NaiveDate::from_ymd_opt(2028, 2, 29).expect("leap day");
        assert_eq!(naive_date(&proto_date(date)), Some(date));
        let impossible = v1::Date {
            year: 2027,
            month: 2,
            day: 29,
        };
        assert_eq!(naive_date(&impossible), None);
        assert_eq!(naive_date(&v1::Date::default()), None);
    }

    #[test]
    fn negative_nanos_are_refused() {
        assert_eq!(
            datetime(&Timestamp {
                seconds: 1,
                nanos: -1
            }),
            None
        );
    }
}
