#![doc = include_str!("../README.md")]
#![cfg_attr(test, allow(clippy::unwrap_used))]

mod atomic;
mod error_line;

pub use atomic::{temp_sibling, write_atomic, write_atomic_parts};
pub use error_line::describe_error;
