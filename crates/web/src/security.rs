//! The headers every answer carries: a Content-Security-Policy that allows no script at all
//! and no framing, no referrer, no sniffing, and `Cache-Control: no-store` on everything but
//! the style sheets, so no page with personal data stays in a browser's or proxy's cache.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::header::{self, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

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

/// Adds the headers to `next`'s answer; `policy` is the Content-Security-Policy.
pub(crate) async fn headers(
    State(policy): State<Arc<str>>,
    request: Request,
    next: Next,
) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&policy) {
        headers.insert(header::CONTENT_SECURITY_POLICY, value);
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

#[cfg(test)]
mod tests {
    use super::*;

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
