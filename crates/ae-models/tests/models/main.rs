//! The ae-models integration tests, one crate so that burn's generic code is instantiated and linked once for all of them.
#![allow(clippy::unwrap_used, missing_docs)]

mod gradients;
mod kernels;
mod shapes;
