//! The ae-data integration tests, one crate so that the tests link once.
#![allow(clippy::unwrap_used, missing_docs)]

mod bad_input;
mod idx_props;
mod real_data;
