//! Who is signed in. A session lives in the hub's memory only, under a random id the browser
//! holds in an HttpOnly, SameSite=Strict cookie (`Secure` and `__Host-` under TLS); it ends
//! after [`crate::WebSettings::IDLE`] without a request, after
//! [`crate::WebSettings::ABSOLUTE`] in all, or at sign-out. A restart of the hub signs
//! everyone out, which is the safe direction.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::HeaderMap;
use axum::http::header::COOKIE;

/// The signed-in staff member, as the hub will know them from their token.
#[derive(Clone)]
pub struct Staff {
    /// What the pages call them: their staff id, or a development account's label.
    pub name: String,
    /// Their staff id (the audit log and regisseur sight follow it).
    pub staff_id: String,
    /// The bearer token every call of this session carries.
    pub token: String,
    /// The identity provider's id token, for signing out there too.
    pub id_token: Option<String>,
}

impl std::fmt::Debug for Staff {
    /// Leaves the tokens out.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Staff")
            .field("name", &self.name)
            .field("staff_id", &self.staff_id)
            .finish_non_exhaustive()
    }
}

/// One signed-in browser.
#[derive(Debug, Clone)]
pub struct Session {
    pub staff: Staff,
    /// Every form of this session carries it; a post without it changes nothing.
    pub csrf: String,
    started: Instant,
    last_seen: Instant,
}

/// The sessions of this hub.
#[derive(Debug)]
pub struct Sessions {
    open: Mutex<HashMap<String, Session>>,
    idle: Duration,
    absolute: Duration,
}

impl Sessions {
    pub fn new(idle: Duration, absolute: Duration) -> Self {
        Self {
            open: Mutex::new(HashMap::new()),
            idle,
            absolute,
        }
    }

    /// Opens a session for `staff`; returns its id, for the cookie.
    pub fn open(&self, staff: Staff) -> String {
        let id = random_id();
        let now = Instant::now();
        let session = Session {
            staff,
            csrf: random_id(),
            started: now,
            last_seen: now,
        };
        let mut open = self.open.lock().expect("sessions lock");
        // Ended sessions go whenever one is opened, so the map stays as small as the office.
        open.retain(|_, session| self.alive(session, now));
        open.insert(id.clone(), session);
        id
    }

    /// The session `id` names, when it is still alive; a request keeps it from going idle.
    pub fn touch(&self, id: &str) -> Option<Session> {
        let now = Instant::now();
        let mut open = self.open.lock().expect("sessions lock");
        let alive = open.get(id).is_some_and(|session| self.alive(session, now));
        if !alive {
            open.remove(id);
            return None;
        }
        let session = open.get_mut(id)?;
        session.last_seen = now;
        Some(session.clone())
    }

    /// Ends the session `id` (sign-out, or a token the hub no longer takes).
    pub fn close(&self, id: &str) -> Option<Session> {
        self.open.lock().expect("sessions lock").remove(id)
    }

    fn alive(&self, session: &Session, now: Instant) -> bool {
        now.duration_since(session.last_seen) < self.idle
            && now.duration_since(session.started) < self.absolute
    }
}

/// The session cookie's name: with `__Host-` under TLS, so no subdomain can set it.
pub fn cookie_name(secure: bool) -> &'static str {
    if secure { "__Host-rondom" } else { "rondom" }
}

/// The `Set-Cookie` value that gives the browser `value` under `name`; `max_age` 0 removes it.
pub fn set_cookie(name: &str, value: &str, secure: bool, max_age: Option<u64>) -> String {
    let mut cookie = format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict");
    if secure {
        cookie.push_str("; Secure");
    }
    if let Some(age) = max_age {
        cookie.push_str(&format!("; Max-Age={age}"));
    }
    cookie
}

/// The value of the cookie `name` the request carries.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// 256 random bits as hex: session ids, CSRF tokens, OIDC state and nonce.
pub fn random_id() -> String {
    hex::encode(rondom_access::clients::rand_bytes())
}

/// Compares two secrets in time that does not depend on where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn staff() -> Staff {
        Staff {
            name: "mw-0412".into(),
            staff_id: "mw-0412".into(),
            token: "t".into(),
            id_token: None,
        }
    }

    #[test]
    fn a_session_ends_when_idle_and_when_old() {
        let idle = Sessions::new(Duration::ZERO, Duration::from_secs(60));
        let id = idle.open(staff());
        assert!(idle.touch(&id).is_none(), "idle time-out");
        let old = Sessions::new(Duration::from_secs(60), Duration::ZERO);
        let id = old.open(staff());
        assert!(old.touch(&id).is_none(), "absolute time-out");
        let fresh = Sessions::new(Duration::from_secs(60), Duration::from_secs(60));
        let id = fresh.open(staff());
        assert!(fresh.touch(&id).is_some());
        assert!(fresh.close(&id).is_some());
        assert!(fresh.touch(&id).is_none(), "closed at sign-out");
    }

    #[test]
    fn cookies_are_http_only_strict_and_secure_under_tls() {
        let plain = set_cookie(cookie_name(false), "x", false, None);
        assert_eq!(plain, "rondom=x; Path=/; HttpOnly; SameSite=Strict");
        let tls = set_cookie(cookie_name(true), "x", true, Some(0));
        assert_eq!(
            tls,
            "__Host-rondom=x; Path=/; HttpOnly; SameSite=Strict; Secure; Max-Age=0"
        );
    }

    #[test]
    fn the_cookie_is_found_among_others_and_secrets_compare_whole() {
        let mut headers = HeaderMap::new();
        headers.insert(COOKIE, "a=1; rondom=abc; b=2".parse().unwrap());
        assert_eq!(cookie(&headers, "rondom"), Some("abc"));
        assert_eq!(cookie(&headers, "rondo"), None);
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "ab"));
    }
}
