//! `ae serve`: burn's websocket server, so that `--backend remote` elsewhere runs its
//! tensors here (on Flex, or on a GPU with the `cuda` feature).

use std::net::{SocketAddr, TcpListener};
use std::process::ExitCode;

use ae_train::BackendKind;
use clap::Args;

/// Arguments of `ae serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Backend that runs the tensors: flex or cuda.
    #[arg(long, default_value = "flex")]
    backend: BackendKind,
    /// Address and port to serve on. burn's server listens on this port of every
    /// interface: keep it behind a firewall or an SSH tunnel.
    #[arg(long, default_value = "127.0.0.1:3000")]
    address: SocketAddr,
    /// GPU index (cuda).
    #[arg(long, default_value_t = 0)]
    device: usize,
}

/// Serves until the process is stopped.
pub fn run(args: &ServeArgs) -> anyhow::Result<ExitCode> {
    let port = args.address.port();
    // burn's server panics on a taken port; say so plainly instead.
    TcpListener::bind(("0.0.0.0", port))
        .map_err(|e| anyhow::anyhow!("cannot serve on port {port}: {e}"))?;
    // A panic in one of burn's server tasks leaves the process up and its clients
    // waiting forever for an answer; exiting instead lets them see the server gone.
    let report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        report(info);
        eprintln!("error: the server failed; stopping so that its clients see it gone");
        std::process::exit(70);
    }));
    let announce = |device: &str| {
        eprintln!(
            "serving {} on {device} at ws://{} (port {port} of every interface); clients: --backend remote --remote ws://{}",
            args.backend, args.address, args.address
        );
    };
    match args.backend {
        BackendKind::Flex if args.device == 0 => {
            announce("the CPU");
            burn::server::start_websocket::<burn::backend::Flex>(Default::default(), port);
        }
        #[cfg(feature = "cuda")]
        BackendKind::Cuda => {
            announce(&format!("GPU {}", args.device));
            burn::server::start_websocket::<burn::backend::Cuda>(
                burn::backend::cuda::CudaDevice::new(args.device),
                port,
            );
        }
        other => anyhow::bail!(
            "ae serve runs flex (device 0) or cuda (when built with --features cuda), not {other} device {}",
            args.device
        ),
    }
    Ok(ExitCode::SUCCESS)
}
