//! Bounding what unauthenticated callers can put in the audit log. Anyone who reaches the
//! port can call without a token; each refusal used to be a record with the raw path, so a
//! flood filled the log. Now a refusal names only a method Rondom serves (else `unknown`), and
//! of the refusals of one peer (its address, without the port) for one reason (no token, an
//! unknown one, a named client's expired or revoked one: a set as small as the clients file)
//! in one minute only the first is recorded; the next record of that peer and reason says how
//! many were not, and the metric `rondom_audit_refusals_unrecorded_total` counts them all.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

/// The most peers and reasons tracked at once; beyond it, new ones share one entry.
const MAX_PEERS: usize = 10_000;

/// Who was refused, and why.
type Key = Option<(IpAddr, String)>;

/// Which refusals of unauthenticated callers are recorded.
#[derive(Debug, Default)]
pub struct RefusalWindow {
    /// Per peer and reason: the minute of its last recorded refusal, and how many since were
    /// not.
    peers: Mutex<HashMap<Key, (i64, u64)>>,
}

/// What to do with one refusal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Record it; `unrecorded` refusals of this peer came before it without a record.
    Record { unrecorded: u64 },
    /// Count it only.
    Count,
}

impl RefusalWindow {
    /// Judges a refusal of `peer` for `reason` in minute `minute` (minutes since the epoch).
    pub fn judge(&self, peer: Option<IpAddr>, reason: &str, minute: i64) -> Verdict {
        let mut peers = self.peers.lock().expect("refusal window lock");
        let key = peer.map(|peer| (peer, reason.to_owned()));
        let key = if peers.len() >= MAX_PEERS && !peers.contains_key(&key) {
            None
        } else {
            key
        };
        match peers.get_mut(&key) {
            Some((last, unrecorded)) if *last == minute => {
                *unrecorded += 1;
                Verdict::Count
            }
            Some(entry) => {
                let unrecorded = entry.1;
                *entry = (minute, 0);
                Verdict::Record { unrecorded }
            }
            None => {
                peers.insert(key, (minute, 0));
                Verdict::Record { unrecorded: 0 }
            }
        }
    }
}

/// The methods anyone may call, without a token: health and reflection.
pub const OPEN_METHODS: [&str; 4] = [
    "/grpc.health.v1.Health/Check",
    "/grpc.health.v1.Health/Watch",
    "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
    "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
];

/// Returns `path` when it names a method of a Rondom service (`/rondom.v1.<Service>/<Method>`)
/// or one of the [`OPEN_METHODS`], else `unknown`: the audit log and the hub's log hold no
/// text a caller made up.
pub fn known_method(path: &str) -> &str {
    if rondom_proto::is_method(path) || OPEN_METHODS.contains(&path) {
        path
    } else {
        "unknown"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_record_per_peer_and_minute_the_rest_counted() {
        let window = RefusalWindow::default();
        let peer: Option<IpAddr> = "192.0.2.7".parse().ok();
        let other: Option<IpAddr> = "192.0.2.8".parse().ok();
        let none = "no credentials";
        assert_eq!(
            window.judge(peer, none, 10),
            Verdict::Record { unrecorded: 0 }
        );
        for _ in 0..999 {
            assert_eq!(window.judge(peer, none, 10), Verdict::Count);
        }
        assert_eq!(
            window.judge(other, none, 10),
            Verdict::Record { unrecorded: 0 }
        );
        assert_eq!(
            window.judge(peer, "the token of client a was revoked", 10),
            Verdict::Record { unrecorded: 0 }
        );
        assert_eq!(
            window.judge(peer, none, 11),
            Verdict::Record { unrecorded: 999 }
        );
        assert_eq!(window.judge(peer, none, 11), Verdict::Count);
    }

    #[test]
    fn only_rondom_methods_are_named() {
        for known in [
            "/rondom.v1.HouseholdService/GetHousehold",
            "/grpc.health.v1.Health/Check",
        ] {
            assert_eq!(known_method(known), known);
        }
        for made_up in [
            "/x.Y/Z",
            "/rondom.v1.Household Service/Get",
            &format!("/rondom.v1.HouseholdService/{}", "A".repeat(8_000)),
            "/rondom.v1.HouseholdService",
            // The shape of a method, but none Rondom has: a BSN in a made-up path.
            "/rondom.v1.SignalService/123456782",
            "/rondom.v1.HouseholdService/GetHouseholdX",
        ] {
            assert_eq!(known_method(made_up), "unknown", "{made_up}");
        }
    }
}
