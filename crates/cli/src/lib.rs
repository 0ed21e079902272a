//! The composition of Rondom's roles into one hub, shared by `rondom up` and the end-to-end
//! tests so both run exactly the same thing; and the family scenario both show.
//!
//! # Layout
//! - [`common`] — [`common::CommonArgs`], the settings every server role shares
//! - [`connection`] — a channel that carries the caller's bearer token
//! - [`hub`] — [`hub::HubConfig`] and [`hub::run`]
//! - [`scenario`] — the family scenario `rondom demo` loads and the scenario test checks

pub mod common;
pub mod connection;
pub mod hub;
pub mod scenario;
