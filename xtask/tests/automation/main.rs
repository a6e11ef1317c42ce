//! `cargo xtask` end to end, one test crate so that the tests link once.
#![allow(clippy::unwrap_used, missing_docs)]

mod fidelity;
#[cfg(feature = "ndarray")]
mod ndarray;
mod plan;
mod reproduce_smoke;
