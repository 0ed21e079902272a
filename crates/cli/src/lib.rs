//! The composition of Rondom's roles into one hub, shared by `rondom up` and the end-to-end
//! tests so both run exactly the same thing.
//!
//! # Layout
//! - [`hub`] — [`hub::HubConfig`] and [`hub::run`]

pub mod hub;
