//! Text a person typed: a signal's summary, a write's note. It may say anything about anyone,
//! so it is sealed before it reaches the bus, and it prints only as its length: a `{:?}` of a
//! write or a signal in a log line, a panic or a test's failure shows none of it.

use std::fmt;

/// Free text, whose `Debug` names only its length (and which has no `Display`).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct FreeText(String);

impl FreeText {
    /// Returns the text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Returns the text, for the one place it goes: sealed, or shown to a reader who may see it.
    pub fn into_string(self) -> String {
        self.0
    }

    /// Returns whether there is no text.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<String> for FreeText {
    fn from(text: String) -> Self {
        Self(text)
    }
}

impl From<&str> for FreeText {
    fn from(text: &str) -> Self {
        Self(text.to_owned())
    }
}

impl fmt::Debug for FreeText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FreeText({} bytes)", self.0.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_its_length_not_its_text() {
        let text = FreeText::from("Mevrouw Jansen heeft schulden");
        assert_eq!(format!("{text:?}"), "FreeText(29 bytes)");
        assert_eq!(
            format!("{:#?}", Some(text)),
            "Some(\n    FreeText(29 bytes),\n)"
        );
    }
}
