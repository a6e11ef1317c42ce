//! `cargo xtask fetch-data`.

use std::path::Path;

use ae_data::DatasetKind;
use ae_data::files_present;

/// Downloads each dataset of `kinds` into `dir` unless already there, then verifies it.
pub fn fetch(dir: &Path, kinds: &[DatasetKind]) -> anyhow::Result<()> {
    for &kind in kinds {
        if files_present(dir, kind) {
            println!("{kind}: already in {}", dir.join(kind.name()).display());
        } else {
            ae_data::fetch_dataset(dir, kind, &mut |line| println!("{line}"))?;
        }
        let ds = ae_data::Dataset::load(dir, kind)?;
        println!(
            "{kind}: {} train + {} test images, {}",
            ds.train.len(),
            ds.test.len(),
            if ds.verified() {
                "verified"
            } else {
                "NOT verified against the canonical digests"
            }
        );
    }
    Ok(())
}
