//! Downloading the canonical files from their public mirrors (used by
//! `cargo xtask fetch-data` and on first use when no data folder holds them).

use std::io::Read;
use std::path::Path;
use std::time::Duration;

use crate::dataset::{DatasetKind, FileRole, file_path};
use crate::digest;
use crate::error::{DataError, Result};
use crate::idx;

/// Base URLs tried in order; each serves `<base><file>.gz`.
pub fn mirrors(kind: DatasetKind) -> &'static [&'static str] {
    match kind {
        DatasetKind::Mnist => &[
            "https://ossci-datasets.s3.amazonaws.com/mnist/",
            "https://storage.googleapis.com/cvdf-datasets/mnist/",
        ],
        DatasetKind::Fashion => &[
            "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
            "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
        ],
    }
}

/// Largest file accepted from a mirror (the biggest canonical file is ~26 MB).
const MAX_DOWNLOAD: u64 = 64 << 20;

/// Downloads the four files of `kind` into `<dir>/<kind>/`, checking each digest;
/// a mirror serving a file that does not verify is skipped. Lines of progress go to `log`.
pub fn fetch_dataset(dir: &Path, kind: DatasetKind, log: &mut dyn FnMut(&str)) -> Result<()> {
    let target = dir.join(kind.name());
    std::fs::create_dir_all(&target).map_err(|e| DataError::io(&target, e))?;
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_connect(Some(Duration::from_secs(10)))
        .timeout_global(Some(Duration::from_secs(300)))
        .build()
        .into();
    for role in FileRole::ALL {
        let dest = file_path(dir, kind, role);
        if dest.is_file() {
            continue;
        }
        let mut failures = Vec::new();
        let mut done = false;
        for base in mirrors(kind) {
            let url = format!("{base}{}", role.file_name());
            log(&format!("downloading {url} -> {}", dest.display()));
            match download_verified(&agent, &url, kind, role, &dest) {
                Ok(()) => {
                    done = true;
                    break;
                }
                Err(reason) => failures.push(format!("{url}: {reason}")),
            }
        }
        if !done {
            return Err(DataError::Unavailable {
                dataset: kind.name(),
                dir: dir.to_path_buf(),
                reason: failures.join("; "),
            });
        }
    }
    Ok(())
}

fn download_verified(
    agent: &ureq::Agent,
    url: &str,
    kind: DatasetKind,
    role: FileRole,
    dest: &Path,
) -> std::result::Result<(), String> {
    let response = agent.get(url).call().map_err(|e| e.to_string())?;
    let mut compressed = Vec::new();
    response
        .into_body()
        .into_reader()
        .take(MAX_DOWNLOAD)
        .read_to_end(&mut compressed)
        .map_err(|e| e.to_string())?;
    let tmp = ae_io::temp_sibling(dest);
    std::fs::write(&tmp, &compressed).map_err(|e| e.to_string())?;
    let check = idx::read_bytes(&tmp).map(|bytes| digest::verify(kind, role, &bytes));
    let outcome = match check {
        Ok(v) if v.verified => std::fs::rename(&tmp, dest).map_err(|e| e.to_string()),
        Ok(v) => Err(format!(
            "digest {} is not the canonical {}",
            v.sha256,
            digest::canonical_sha256(kind, role)
        )),
        Err(e) => Err(e.to_string()),
    };
    if outcome.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    outcome
}
