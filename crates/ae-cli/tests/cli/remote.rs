//! `ae serve` and `ae train --backend remote` on the loopback interface: a run through a
//! server equals the same run on the local generic path, a bad address fails at once,
//! and a server killed mid-run gives a clear error (no hang) and an intact checkpoint.
//! Every wait is bounded; all traffic is to 127.0.0.1.

use crate::common;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Output, Stdio};
use std::time::{Duration, Instant};

use ae_data::{DatasetKind, write_synthetic_dataset};

/// A small dense run of ten batches an epoch (the epochs are given apart).
const ARGS: [&str; 12] = [
    "--model",
    "deep",
    "--code-size",
    "16",
    "--batch",
    "32",
    "--limit",
    "320",
    "--val-limit",
    "64",
    "--seed",
    "3",
];

/// A server process, killed when dropped.
struct Server {
    child: Child,
    address: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `ae serve` on a free loopback port and waits (at most 60 s) until it accepts.
fn serve(data: &Path) -> Server {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = common::ae_command(data)
        .args(["serve", "--address"])
        .arg(format!("127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let server = Server {
        child,
        address: format!("ws://127.0.0.1:{port}"),
    };
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "ae serve did not accept connections within 60 s"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    server
}

fn synthetic_data() -> tempfile::TempDir {
    let data = tempfile::tempdir().unwrap();
    write_synthetic_dataset(data.path(), DatasetKind::Mnist, 400, 100, 5).unwrap();
    data
}

fn train(data: &Path, extra: &[&str], out: &Path, env: &[(&str, &str)]) -> Output {
    let mut cmd = common::ae_command(data);
    cmd.arg("train")
        .args(ARGS)
        .args(["--epochs", "2"])
        .args(extra)
        .arg("--out")
        .arg(out);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

/// `(train_loss, val_loss)` per epoch from a run's history.csv.
fn losses(run: &Path) -> Vec<(f64, f64)> {
    std::fs::read_to_string(run.join("history.csv"))
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| {
            let cells: Vec<f64> = l.split(',').map(|c| c.parse().unwrap()).collect();
            (cells[1], cells[2])
        })
        .collect()
}

#[test]
fn a_run_through_a_loopback_server_equals_the_generic_flex_run() {
    let data = synthetic_data();
    let server = serve(data.path());
    let remote = data.path().join("remote");
    let r = train(
        data.path(),
        &["--backend", "remote", "--remote", &server.address],
        &remote,
        &[],
    );
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    // The server runs burn's own operations; so does the local run with the fused
    // kernels off.
    let local = data.path().join("local");
    let l = train(data.path(), &[], &local, &[("AE_KERNELS", "burn")]);
    assert!(l.status.success(), "{}", String::from_utf8_lossy(&l.stderr));
    let (remote, local) = (losses(&remote), losses(&local));
    assert_eq!(remote.len(), 2);
    assert_eq!(remote.len(), local.len());
    for ((rt, rv), (lt, lv)) in remote.iter().zip(&local) {
        for (r, l) in [(rt, lt), (rv, lv)] {
            let relative = (r - l).abs() / l.abs();
            assert!(
                relative <= 1e-5,
                "remote {r} against local {l}: {relative:e}"
            );
        }
    }
}

#[test]
fn a_bad_address_fails_at_once_and_writes_nothing() {
    let data = synthetic_data();
    // A port nothing listens on: bound, then released.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    for (address, expected) in [
        (
            format!("ws://127.0.0.1:{port}"),
            "no burn server answers at",
        ),
        ("127.0.0.1:3000".to_string(), "does not start with ws://"),
        ("ws://no port".to_string(), "is not a host and port"),
    ] {
        let out = data.path().join("never");
        let started = Instant::now();
        let r = train(
            data.path(),
            &["--backend", "remote", "--remote", &address],
            &out,
            &[],
        );
        assert!(!r.status.success(), "{address}");
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{address}: took {:?}",
            started.elapsed()
        );
        let stderr = String::from_utf8_lossy(&r.stderr);
        assert!(stderr.contains(expected), "{address}: {stderr}");
        assert!(!out.exists(), "{address}: the run folder was created");
    }
    // --remote without --backend remote is refused too.
    let r = train(
        data.path(),
        &["--remote", "ws://127.0.0.1:3000"],
        &data.path().join("never"),
        &[],
    );
    assert!(!r.status.success());
    assert!(
        !data.path().join("never").exists(),
        "the run folder was created"
    );
}

/// Waits (at most `limit`) until `path` exists.
fn wait_for(path: &Path, limit: Duration) -> bool {
    let started = Instant::now();
    while !path.exists() {
        if started.elapsed() > limit {
            return false;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    true
}

#[test]
fn killing_the_server_mid_run_fails_clearly_and_keeps_the_checkpoint() {
    let data = synthetic_data();
    let mut server = serve(data.path());
    let run: PathBuf = data.path().join("run");
    let mut child = common::ae_command(data.path())
        .arg("train")
        .args(ARGS)
        .args([
            "--epochs",
            "200",
            "--plain",
            "--backend",
            "remote",
            "--remote",
        ])
        .arg(&server.address)
        .arg("--out")
        .arg(&run)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    assert!(
        wait_for(&run.join("checkpoint.bin"), Duration::from_secs(120)),
        "no checkpoint within 120 s"
    );
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    let killed = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if killed.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("ae train still waits 60 s after the server died");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let stderr = std::io::read_to_string(child.stderr.take().unwrap()).unwrap();
    assert_eq!(status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("lost during the run"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(stderr.contains("--resume"), "{stderr}");
    // The last checkpoint loads, with the epochs it recorded.
    let (config, _, history) =
        ae_train::load_run::<ae_train::DefaultBackend>(&run, &Default::default()).unwrap();
    assert_eq!(config.epochs, 200);
    assert!(!history.is_empty() && history.len() < 200);
}
