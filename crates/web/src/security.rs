//! The headers every answer carries: a Content-Security-Policy that allows no script at all
//! and no framing, no referrer, no sniffing, and `Cache-Control: no-store` on everything but
//! the style sheets, so no page with personal data stays in a browser's or proxy's cache.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::header::{self, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The Content-Security-Policy: pages load only the hub's own style sheets and images (the
/// design system draws some icons as data: URLs); forms post only to the hub, or to the
/// identity provider's origin (`form_origin`) where signing in or out continues there.
pub(crate) fn policy(form_origin: Option<&str>) -> String {
    let form = match form_origin {
        Some(origin) => format!("'self' {origin}"),
        None => "'self'".to_owned(),
    };
    format!(
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action {form}; \
         frame-ancestors 'none'; base-uri 'none'"
    )
}

/// What every answer says of itself.
#[derive(Debug)]
pub(crate) struct Headers {
    /// The Content-Security-Policy ([`policy`]).
    pub policy: String,
    /// Served over TLS (or behind it): browsers are told to come back only over HTTPS.
    pub secure: bool,
}

/// Adds the headers to `next`'s answer.
pub(crate) async fn headers(
    State(settings): State<Arc<Headers>>,
    request: Request,
    next: Next,
) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&settings.policy) {
        headers.insert(header::CONTENT_SECURITY_POLICY, value);
    }
    if settings.secure {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    // The style sheets set their own caching; everything else may hold personal data.
    headers
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    response
}

/// Refuses what another site makes a coordinator's browser ask for, unless it is a page
/// the coordinator is taken to: an image, frame or script pointing at a household page would
/// otherwise read that household in the coordinator's name (an audited read they never
/// made). Browsers say where a request comes from (`Sec-Fetch-Site`) and what it is for
/// (`Sec-Fetch-Dest`); one that says nothing (an older browser, a script) is let through:
/// the session cookie is `SameSite=Strict` and forms carry their token as well.
pub(crate) async fn only_navigations_from_elsewhere(request: Request, next: Next) -> Response {
    if from_elsewhere_not_a_page(request.headers()) {
        return (
            axum::http::StatusCode::FORBIDDEN,
            "Deze pagina opent alleen als pagina, niet vanuit een andere site.",
        )
            .into_response();
    }
    next.run(request).await
}

/// Whether a request says it comes from another site and is not a page navigation.
fn from_elsewhere_not_a_page(headers: &axum::http::HeaderMap) -> bool {
    let says = |name: &str| headers.get(name).and_then(|value| value.to_str().ok());
    let elsewhere = matches!(says("sec-fetch-site"), Some("same-site" | "cross-site"));
    let a_page =
        says("sec-fetch-mode") == Some("navigate") && says("sec-fetch-dest") == Some("document");
    elsewhere && !a_page
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_another_site_only_a_page_navigation_is_let_through() {
        let request = |headers: &[(&'static str, &'static str)]| {
            let mut map = axum::http::HeaderMap::new();
            for (name, value) in headers {
                map.insert(*name, HeaderValue::from_static(value));
            }
            from_elsewhere_not_a_page(&map)
        };
        let image = [
            ("sec-fetch-site", "cross-site"),
            ("sec-fetch-mode", "no-cors"),
            ("sec-fetch-dest", "image"),
        ];
        assert!(request(&image));
        let frame = [
            ("sec-fetch-site", "same-site"),
            ("sec-fetch-mode", "navigate"),
            ("sec-fetch-dest", "iframe"),
        ];
        assert!(request(&frame));
        let link = [
            ("sec-fetch-site", "cross-site"),
            ("sec-fetch-mode", "navigate"),
            ("sec-fetch-dest", "document"),
        ];
        assert!(!request(&link));
        let own = [
            ("sec-fetch-site", "same-origin"),
            ("sec-fetch-dest", "image"),
        ];
        assert!(!request(&own));
        assert!(!request(&[]), "a request that says nothing");
    }

    #[test]
    fn the_policy_allows_no_script_and_no_framing() {
        let policy = policy(None);
        assert!(policy.starts_with("default-src 'none';"));
        assert!(!policy.contains("script-src"));
        assert!(policy.contains("frame-ancestors 'none'"));
        assert!(policy.contains("form-action 'self';"));
        let oidc = super::policy(Some("https://login.gemeente.nl"));
        assert!(oidc.contains("form-action 'self' https://login.gemeente.nl;"));
    }
}
