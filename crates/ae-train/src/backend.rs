//! Choosing the burn backend once, at run time, and running generic code on it.

use std::fmt;
use std::str::FromStr;

use burn::tensor::backend::AutodiffBackend;
use serde::{Deserialize, Serialize};

use crate::error::{Result, TrainError};

/// The default backend: pure-Rust Flex (rayon threads, SIMD) with autodiff.
pub type DefaultBackend = burn::backend::Autodiff<burn::backend::Flex>;

/// A backend the toolkit can run on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum BackendKind {
    /// `Autodiff<Flex>` (default).
    #[default]
    Flex,
    /// `Autodiff<NdArray>` (feature `ndarray`).
    Ndarray,
    /// `Autodiff<Cuda>` (feature `cuda`).
    Cuda,
}

impl BackendKind {
    /// Name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            BackendKind::Flex => "flex",
            BackendKind::Ndarray => "ndarray",
            BackendKind::Cuda => "cuda",
        }
    }
}

impl fmt::Display for BackendKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for BackendKind {
    type Err = TrainError;
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "flex" => Ok(BackendKind::Flex),
            "ndarray" => Ok(BackendKind::Ndarray),
            "cuda" => Ok(BackendKind::Cuda),
            other => Err(TrainError::invalid(
                "backend",
                format!("unknown backend `{other}` (expected flex, ndarray or cuda)"),
            )),
        }
    }
}

/// Code generic over the backend, run by [`dispatch`] on the chosen one.
pub trait WithBackend {
    /// What the code returns.
    type Output;
    /// Runs on backend `B` with its default device.
    fn run<B: AutodiffBackend>(self, device: B::Device) -> Self::Output;
}

/// Runs `work` on the backend `kind`; errors when that backend was not compiled in.
pub fn dispatch<W: WithBackend>(kind: BackendKind, work: W) -> Result<W::Output> {
    match kind {
        BackendKind::Flex => Ok(work.run::<DefaultBackend>(Default::default())),
        #[cfg(feature = "ndarray")]
        BackendKind::Ndarray => {
            Ok(work.run::<burn::backend::Autodiff<burn::backend::NdArray>>(Default::default()))
        }
        #[cfg(feature = "cuda")]
        BackendKind::Cuda => {
            Ok(work.run::<burn::backend::Autodiff<burn::backend::Cuda>>(Default::default()))
        }
        #[allow(unreachable_patterns)]
        other => Err(TrainError::BackendUnavailable(other.name().to_string())),
    }
}
