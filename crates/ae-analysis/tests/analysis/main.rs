//! The ae-analysis integration tests, one crate so that burn's generic code is instantiated and linked once for all of them.
#![allow(clippy::unwrap_used, missing_docs)]

mod analyses;
mod pca_real;
