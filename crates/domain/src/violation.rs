//! Field violations: why an input was refused, named after the field the sender filled in.

use std::fmt;

/// One field that breaks a rule, e.g. `persons[1].bsn` failing the 11-proef.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldViolation {
    /// Path of the field as the sender wrote it (`persons[0].bsn`, `summary`).
    pub field: String,
    /// What is wrong, in words a developer of the sending system understands.
    pub description: String,
}

impl FieldViolation {
    /// Returns a violation of `field`.
    pub fn new(field: impl Into<String>, description: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            description: description.into(),
        }
    }
}

/// An input refused for one or more field violations; nothing was changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidInput {
    violations: Vec<FieldViolation>,
}

impl InvalidInput {
    /// Returns an invalid input with these violations.
    ///
    /// An empty list is a logic error in the caller: something must be wrong.
    pub fn new(violations: Vec<FieldViolation>) -> Self {
        debug_assert!(
            !violations.is_empty(),
            "an invalid input names at least one violation"
        );
        Self { violations }
    }

    /// Returns an invalid input with a single violation.
    pub fn single(field: impl Into<String>, description: impl Into<String>) -> Self {
        Self::new(vec![FieldViolation::new(field, description)])
    }

    /// Returns the violations, in the order the fields were checked.
    pub fn violations(&self) -> &[FieldViolation] {
        &self.violations
    }
}

impl fmt::Display for InvalidInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("invalid input: ")?;
        for (index, violation) in self.violations.iter().enumerate() {
            if index > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{}: {}", violation.field, violation.description)?;
        }
        Ok(())
    }
}

impl std::error::Error for InvalidInput {}

/// Collects violations while an input is checked field by field.
#[derive(Debug, Default)]
pub struct Violations(Vec<FieldViolation>);

impl Violations {
    /// Records a violation of `field`.
    pub fn push(&mut self, field: impl Into<String>, description: impl Into<String>) {
        self.0.push(FieldViolation::new(field, description));
    }

    /// Returns how many violations were recorded.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Returns whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Returns the checked value, or every violation recorded.
    ///
    /// # Errors
    /// [`InvalidInput`] when any violation was recorded.
    pub fn finish<T>(self, value: impl FnOnce() -> T) -> Result<T, InvalidInput> {
        if self.0.is_empty() {
            Ok(value())
        } else {
            Err(InvalidInput::new(self.0))
        }
    }
}
