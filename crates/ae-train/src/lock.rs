//! One writer per folder: an OS advisory lock on `<folder>/.lock`, held for as long as
//! the [`FolderLock`] lives.
//!
//! The lock is the kernel's (`flock` on Unix, `LockFileEx` on Windows, through `fs4`),
//! so a process killed with SIGKILL releases it with its file descriptors: a stale lock
//! file never blocks the next run. The holder writes its pid into the file so that the
//! process refused can name it.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use fs4::FileExt;

use crate::error::{Result, TrainError};

/// Name of the lock file inside a locked folder.
pub const LOCK_FILE: &str = ".lock";

/// An exclusive lock on a folder (a run folder or a report folder).
#[derive(Debug)]
pub struct FolderLock {
    folder: PathBuf,
    // Dropping the file releases the lock.
    _file: File,
}

impl FolderLock {
    /// Locks `folder`, creating it when missing, or fails at once with
    /// [`TrainError::InUse`] when another process holds it. Nothing but the lock
    /// file is written.
    pub fn acquire(folder: &Path) -> Result<Self> {
        std::fs::create_dir_all(folder).map_err(|e| TrainError::io(folder, e))?;
        let path = folder.join(LOCK_FILE);
        // Not truncated on open: the holder's pid must stay readable by the refused.
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| TrainError::io(&path, e))?;
        match FileExt::try_lock(&file) {
            Ok(()) => {}
            Err(fs4::TryLockError::WouldBlock) => {
                let mut text = String::new();
                let _ = file.read_to_string(&mut text);
                return Err(TrainError::InUse {
                    path: folder.to_path_buf(),
                    pid: text.trim().parse().ok(),
                });
            }
            Err(fs4::TryLockError::Error(e)) => return Err(TrainError::io(&path, e)),
        }
        let pid = std::process::id().to_string();
        let written = file
            .set_len(0)
            .and_then(|()| file.seek(SeekFrom::Start(0)))
            .and_then(|_| file.write_all(pid.as_bytes()))
            .and_then(|()| file.flush());
        written.map_err(|e| TrainError::io(&path, e))?;
        Ok(FolderLock {
            folder: folder.to_path_buf(),
            _file: file,
        })
    }

    /// The locked folder.
    pub fn folder(&self) -> &Path {
        &self.folder
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_is_refused_with_the_holders_pid_and_released_on_drop() {
        let dir = tempfile::tempdir().unwrap();
        let held = FolderLock::acquire(dir.path()).unwrap();
        let err = FolderLock::acquire(dir.path()).unwrap_err();
        match &err {
            TrainError::InUse { path, pid } => {
                assert_eq!(path, dir.path());
                assert_eq!(*pid, Some(std::process::id()));
            }
            other => panic!("unexpected error {other}"),
        }
        assert!(
            err.to_string().ends_with(&format!(
                "is in use by another process (pid {})",
                std::process::id()
            )),
            "{err}"
        );
        drop(held);
        FolderLock::acquire(dir.path()).unwrap();
    }

    #[test]
    fn a_missing_folder_is_created() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("a").join("b");
        let lock = FolderLock::acquire(&folder).unwrap();
        assert_eq!(lock.folder(), folder);
        assert!(folder.join(LOCK_FILE).is_file());
    }
}
