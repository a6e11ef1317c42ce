//! Atomic file writes: write a sibling temporary file, flush it to disk, then rename,
//! so a reader (or a resumed run) never sees a half-written file.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Writes `bytes` to `path` atomically; on error the previous file, if any, is intact.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_atomic_parts(path, &[bytes])
}

/// Writes the concatenation of `parts` to `path` atomically, without first copying them
/// into one buffer (a checkpoint's header, model and optimizer state).
pub fn write_atomic_parts(path: &Path, parts: &[&[u8]]) -> std::io::Result<()> {
    let tmp = temp_sibling(path);
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        for part in parts {
            file.write_all(part)?;
        }
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        // Best effort: the temporary file is garbage either way.
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// `dir/.name.tmp-<pid>`: same folder (so rename is atomic), hidden, unique per process.
pub fn temp_sibling(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.tmp-{}", std::process::id()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_content_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.txt");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        write_atomic_parts(&p, &[b"thr", b"", b"ee"]).unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"three");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn failure_keeps_the_previous_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.txt");
        write_atomic(&p, b"previous").unwrap();
        // A folder where the temporary file must go makes the write fail midway.
        std::fs::create_dir(temp_sibling(&p)).unwrap();
        assert!(write_atomic(&p, b"new").is_err());
        assert_eq!(std::fs::read(&p).unwrap(), b"previous");
        // A missing folder fails too, and creates nothing.
        let missing = dir.path().join("missing-folder").join("a.txt");
        assert!(write_atomic(&missing, b"x").is_err());
        assert!(!missing.parent().unwrap().exists());
    }
}
