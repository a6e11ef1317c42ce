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
    /// `Autodiff<RemoteBackend>`: the tensors live on a burn server (`ae serve`) at the
    /// address of [`Placement::remote`] (feature `remote`). Autodiff runs here.
    Remote,
}

impl BackendKind {
    /// Name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            BackendKind::Flex => "flex",
            BackendKind::Ndarray => "ndarray",
            BackendKind::Cuda => "cuda",
            BackendKind::Remote => "remote",
        }
    }
}

impl BackendKind {
    /// Whether the training loop may use one tensor from several threads at once: on the
    /// CPU backends, where it splits a batch over two threads (the data-parallel step of
    /// [`crate::batch_gradients`]), adds the shards' gradients and steps the optimizer on
    /// the same two threads, half the parameters each, scores validation batches in
    /// parallel and writes checkpoints on a thread of their own. burn's remote client must
    /// not see one tensor
    /// used from two threads (its server can run the second thread's operations before the
    /// first has made the tensor), and a GPU gains nothing from it.
    pub fn threads_share_tensors(self) -> bool {
        matches!(self, BackendKind::Flex | BackendKind::Ndarray)
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
            "remote" => Ok(BackendKind::Remote),
            other => Err(TrainError::invalid(
                "backend",
                format!("unknown backend `{other}` (expected flex, ndarray, cuda or remote)"),
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

/// Runs `work` on the default device of backend `kind`; errors when that backend was not
/// compiled in, or needs an address ([`BackendKind::Remote`]: use [`Placement`]).
pub fn dispatch<W: WithBackend>(kind: BackendKind, work: W) -> Result<W::Output> {
    Placement {
        backend: kind,
        ..Placement::default()
    }
    .dispatch(work)
}

/// Where tensors live: a backend and, where it has several, which device.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Placement {
    /// The backend.
    pub backend: BackendKind,
    /// GPU index (CUDA); must be 0 on the CPU backends.
    pub gpu: usize,
    /// The server's address, `ws://HOST:PORT` (remote backend only).
    pub remote: Option<String>,
}

impl Placement {
    /// Errors when the options do not fit together (a GPU index off CUDA, an address
    /// without the remote backend or the reverse), or when no remote server answers (a
    /// TCP connection within [`REMOTE_CONNECT_TIMEOUT`]: burn's client waits forever for
    /// one that is not there). Binaries call it before they write anything.
    pub fn check(&self) -> Result<()> {
        if self.gpu != 0 && self.backend != BackendKind::Cuda {
            return Err(TrainError::invalid(
                "device",
                format!(
                    "backend `{}` has one device; --device {} is for CUDA",
                    self.backend, self.gpu
                ),
            ));
        }
        if self.remote.is_some() != (self.backend == BackendKind::Remote) {
            return Err(TrainError::invalid(
                "remote",
                "--remote ws://HOST:PORT goes with --backend remote, and only with it",
            ));
        }
        match &self.remote {
            Some(address) => check_server(address),
            None => Ok(()),
        }
    }

    /// Runs `work` on this placement, after [`Placement::check`].
    pub fn dispatch<W: WithBackend>(&self, work: W) -> Result<W::Output> {
        self.check()?;
        match self.backend {
            BackendKind::Flex => Ok(work.run::<DefaultBackend>(Default::default())),
            #[cfg(feature = "ndarray")]
            BackendKind::Ndarray => {
                Ok(work.run::<burn::backend::Autodiff<burn::backend::NdArray>>(Default::default()))
            }
            #[cfg(feature = "cuda")]
            BackendKind::Cuda => Ok(work.run::<burn::backend::Autodiff<burn::backend::Cuda>>(
                burn::backend::cuda::CudaDevice::new(self.gpu),
            )),
            #[cfg(feature = "remote")]
            BackendKind::Remote => {
                let address = self.remote.as_deref().unwrap_or_default();
                Ok(
                    work.run::<burn::backend::Autodiff<burn::backend::RemoteBackend>>(
                        burn::backend::remote::RemoteDevice::new(address),
                    ),
                )
            }
            #[allow(unreachable_patterns)]
            other => Err(TrainError::BackendUnavailable(other.name().to_string())),
        }
    }
}

/// How long a remote server has to accept a connection.
pub const REMOTE_CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// `HOST:PORT` of a `ws://HOST:PORT` address, or why it is not one.
pub fn remote_socket(address: &str) -> Result<std::net::SocketAddr> {
    use std::net::ToSocketAddrs;
    let bad = |why: &str| {
        TrainError::invalid(
            "remote",
            format!("`{address}` {why} (expected ws://HOST:PORT, e.g. ws://127.0.0.1:3000)"),
        )
    };
    let host_port = address
        .strip_prefix("ws://")
        .ok_or_else(|| bad("does not start with ws://"))?
        .trim_end_matches('/');
    host_port
        .to_socket_addrs()
        .map_err(|e| bad(&format!("is not a host and port ({e})")))?
        .next()
        .ok_or_else(|| bad("names no address"))
}

/// Errors at once when no server accepts a connection at `address`.
pub fn check_server(address: &str) -> Result<()> {
    let socket = remote_socket(address)?;
    std::net::TcpStream::connect_timeout(&socket, REMOTE_CONNECT_TIMEOUT)
        .map(drop)
        .map_err(|e| TrainError::RemoteUnreachable {
            address: address.to_string(),
            reason: e.to_string(),
        })
}

/// How often [`watch_server`] polls, and how many failed polls in a row mean the server
/// is gone.
const WATCH_INTERVAL: std::time::Duration = std::time::Duration::from_secs(2);
const WATCH_FAILURES: u32 = 3;

/// For a binary training on the server at `address`: ends the process with exit code 3
/// and `error: <what happened>; <advice>` when the server is lost. burn's remote client
/// waits forever for the answer of a server that died, or panics when the connection
/// breaks mid-call; a watch thread (three refused polls two seconds apart) and a panic
/// hook turn both into this one error. Checkpoints are written atomically, so the last
/// one stays intact.
pub fn exit_when_server_lost(address: &str, advice: &str) -> Result<()> {
    let on_panic = advice.to_string();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        eprintln!(
            "error: the remote backend failed, its server lost during the run? ({what}); {on_panic}"
        );
        std::process::exit(3);
    }));
    let advice = advice.to_string();
    watch_server(address, move |lost| {
        eprintln!("error: {lost}; {advice}");
        std::process::exit(3);
    })
}

/// Watches the server at `address` from a background thread and calls `lost` once it
/// has refused connections for [`WATCH_FAILURES`] polls in a row.
fn watch_server(address: &str, lost: impl FnOnce(TrainError) + Send + 'static) -> Result<()> {
    let socket = remote_socket(address)?;
    let address = address.to_string();
    std::thread::Builder::new()
        .name("remote-watch".into())
        .spawn(move || {
            let mut failures = 0;
            loop {
                std::thread::sleep(WATCH_INTERVAL);
                match std::net::TcpStream::connect_timeout(&socket, REMOTE_CONNECT_TIMEOUT) {
                    Ok(_) => failures = 0,
                    Err(e) => {
                        failures += 1;
                        if failures >= WATCH_FAILURES {
                            lost(TrainError::RemoteUnreachable {
                                address,
                                reason: format!("lost during the run: {e}"),
                            });
                            return;
                        }
                    }
                }
            }
        })
        .map(drop)
        .map_err(|e| TrainError::invalid("remote", format!("cannot start the watch thread: {e}")))
}
