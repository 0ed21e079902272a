//! End-to-end tests across roles live in `tests/`; this crate has no code of its own.
