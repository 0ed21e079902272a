//! Query strings and form bodies (`application/x-www-form-urlencoded`): what the pages put in
//! their links and what the sign-in sends the identity provider.

/// `application/x-www-form-urlencoded`, as a query string and a form body both are.
pub(crate) fn encode(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(key, value)| format!("{}={}", escape(key), escape(value)))
        .collect::<Vec<_>>()
        .join("&")
}

pub(crate) fn escape(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_encoded() {
        assert_eq!(
            encode(&[("redirect_uri", "http://127.0.0.1:8080/a b"), ("x", "é")]),
            "redirect_uri=http%3A%2F%2F127.0.0.1%3A8080%2Fa%20b&x=%C3%A9"
        );
    }
}
