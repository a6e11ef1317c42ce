//! The `ae` binary end to end, one test crate so that what the tests share (and the
//! burn code that reads runs back) is compiled and linked once.
#![allow(clippy::unwrap_used, missing_docs)]

mod analysis_cli;
mod bad_args;
mod common;
mod data_cli;
mod interop_cli;
mod kill_resume;
// Needs `ae serve` and the remote client, off by default: `.ci/run` runs it with
// `--features ae-cli/remote,ae-cli/server`.
#[cfg(all(feature = "remote", feature = "server"))]
mod remote;
mod run_folder;
mod train_cli;
