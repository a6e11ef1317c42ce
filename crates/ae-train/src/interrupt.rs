//! [`StopRequest`]: how a binary asks a training run to stop at the next batch boundary.
//!
//! The library installs no signal handler. A binary registers the shared flag with its
//! handler of choice (the `ae` tool uses `signal_hook::flag::register_usize`, which
//! stores the signal number); the trainer polls it between batches, writes a mid-epoch
//! checkpoint and returns [`crate::TrainError::Interrupted`].

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A shared stop flag: 0 while training may go on, else the number of the signal
/// that asked it to stop.
#[derive(Debug, Clone, Default)]
pub struct StopRequest(Arc<AtomicUsize>);

impl StopRequest {
    /// A flag that nothing has raised.
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks the run to stop, recording `signal` (any non-zero number).
    pub fn request(&self, signal: i32) {
        self.0.store(signal.max(1) as usize, Ordering::SeqCst);
    }

    /// The signal that asked for a stop, if any.
    pub fn requested(&self) -> Option<i32> {
        match self.0.load(Ordering::SeqCst) {
            0 => None,
            signal => Some(i32::try_from(signal).unwrap_or(i32::MAX)),
        }
    }

    /// The underlying atomic, for a signal handler that stores the signal number in it
    /// (`signal_hook::flag::register_usize(SIGINT, stop.shared(), SIGINT as usize)`).
    pub fn shared(&self) -> Arc<AtomicUsize> {
        Arc::clone(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_is_seen_by_every_clone() {
        let stop = StopRequest::new();
        let seen_by_trainer = stop.clone();
        assert_eq!(seen_by_trainer.requested(), None);
        stop.shared().store(15, Ordering::SeqCst);
        assert_eq!(seen_by_trainer.requested(), Some(15));
        stop.request(2);
        assert_eq!(seen_by_trainer.requested(), Some(2));
    }
}
