#![doc = include_str!("../README.md")]
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod data_section;
pub mod error;
pub mod experiments;
pub mod explorer;
pub mod fidelity;
pub mod findings;
pub mod plateau;
pub mod plot;
pub mod report;
pub mod table;

pub use error::{ReportError, Result};
pub use report::{FigureKind, Report, Section};
pub use table::Table;
