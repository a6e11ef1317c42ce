//! Epoch checkpoints written on a thread of their own: serialising the model and the
//! optimizer, hashing and syncing the file overlap the next epoch's training instead of
//! holding it up. One write at a time, in order, each still atomic.

use std::path::Path;
use std::thread::JoinHandle;

use crate::error::{Result, TrainError};

/// At most one write in flight; dropping it waits for that write, so an early return
/// (an error, an interrupt) still leaves the last checkpoint complete on disk.
pub(crate) struct BackgroundWriter {
    pending: Option<JoinHandle<Result<()>>>,
    /// Whether writes run on their own thread (else on the caller's).
    threaded: bool,
}

impl BackgroundWriter {
    /// A writer whose writes run on a thread of their own when `threaded`, else inline
    /// (for backends whose tensors must stay on one thread).
    pub(crate) fn new(threaded: bool) -> Self {
        BackgroundWriter {
            pending: None,
            threaded,
        }
    }

    /// Waits for the write in flight, if any, and returns its result.
    pub(crate) fn finish(&mut self) -> Result<()> {
        match self.pending.take() {
            Some(write) => write
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            None => Ok(()),
        }
    }

    /// Starts `write` (of `path`) once the previous write has finished; the previous
    /// write's error, if any, is returned instead.
    pub(crate) fn start(
        &mut self,
        path: &Path,
        write: impl FnOnce() -> Result<()> + Send + 'static,
    ) -> Result<()> {
        self.finish()?;
        if !self.threaded {
            return write();
        }
        let thread = std::thread::Builder::new().name("checkpoint-writer".into());
        self.pending = Some(thread.spawn(write).map_err(|e| TrainError::io(path, e))?);
        Ok(())
    }
}

impl Drop for BackgroundWriter {
    fn drop(&mut self) {
        if let Some(write) = self.pending.take() {
            // Its error, if any, was not asked for: the caller is already returning.
            let _ = write.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};

    #[test]
    fn writes_run_one_at_a_time_in_order() {
        let log = Arc::new(Mutex::new(Vec::new()));
        let mut writer = BackgroundWriter::new(true);
        for i in 0..4 {
            let log = Arc::clone(&log);
            writer
                .start(Path::new("x"), move || {
                    std::thread::sleep(std::time::Duration::from_millis(5));
                    log.lock().unwrap().push(i);
                    Ok(())
                })
                .unwrap();
        }
        writer.finish().unwrap();
        assert_eq!(*log.lock().unwrap(), [0, 1, 2, 3]);
        let mut inline = BackgroundWriter::new(false);
        let caller = std::thread::current().id();
        let here = move || {
            assert_eq!(std::thread::current().id(), caller);
            Ok(())
        };
        inline.start(Path::new("x"), here).unwrap();
        assert!(inline.pending.is_none());
    }

    #[test]
    fn a_failed_write_is_reported_by_the_next_call_and_drop_waits() {
        let mut writer = BackgroundWriter::new(true);
        let failing = || Err(TrainError::io("ck", std::io::Error::other("disk full")));
        writer.start(Path::new("ck"), failing).unwrap();
        let err = writer.start(Path::new("ck"), || Ok(())).unwrap_err();
        assert!(err.to_string().contains("disk full"), "{err}");
        let done = Arc::new(AtomicUsize::new(0));
        {
            let mut writer = BackgroundWriter::new(true);
            let done = Arc::clone(&done);
            writer
                .start(Path::new("ck"), move || {
                    std::thread::sleep(std::time::Duration::from_millis(20));
                    done.store(1, Ordering::SeqCst);
                    Ok(())
                })
                .unwrap();
        }
        assert_eq!(
            done.load(Ordering::SeqCst),
            1,
            "drop returned before the write ended"
        );
    }
}
