//! `ae-report`: renders experiment results as a browsable report (Markdown sections,
//! PNG figures, and a static `index.html` that opens from disk), and the seed
//! experiments that fill it ([`experiments`]).
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod data_section;
pub mod error;
pub mod experiments;
pub mod fidelity;
pub mod findings;
pub mod plateau;
pub mod plot;
pub mod report;
pub mod table;

pub use error::{ReportError, Result};
pub use report::{Report, Section};
pub use table::Table;
