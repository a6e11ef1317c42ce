//! Work for the cores' idle time: a pool of threads of the lowest scheduling policy.
//!
//! The two shards of a training step end at different times (the virtual CPUs of a
//! cloud machine run at speeds that differ by up to a third, `docs/kernels.md`, tenth
//! pass), and the core whose shard finished first idles until the other is done: about a
//! tenth of each core in `conv`'s epochs. A thread of the `SCHED_IDLE` policy runs only
//! when its core has nothing else to do, so work handed to it (an epoch's validation,
//! while the next epoch trains) fills those gaps instead of holding up the training; once
//! nothing else is left to run, it takes the whole core.

use std::sync::mpsc::{Receiver, TryRecvError, sync_channel};

/// Threads of the lowest scheduling policy (`SCHED_IDLE`), one on each CPU of the
/// calling pool where the process may pin them (see [`crate::affinity`]).
pub(crate) struct IdlePool(rayon::ThreadPool);

impl IdlePool {
    /// A pool of `threads` threads, or `None` when it cannot be built.
    pub(crate) fn new(threads: usize) -> Option<Self> {
        let cpus = crate::affinity::pool_cpus(threads, 1);
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|i| format!("ae-idle-{i}"))
            .start_handler(move |i| {
                set_idle_policy();
                if let Some(cpus) = cpus.as_ref().and_then(|cpus| cpus.get(i)) {
                    crate::affinity::pin_current_thread(cpus);
                }
            })
            .build()
            .ok()
            .map(IdlePool)
    }

    /// Starts `work` on the pool (its parallel loops run on the pool's threads) and
    /// returns at once.
    pub(crate) fn spawn<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Deferred<T> {
        let (done, result) = sync_channel(1);
        self.0.spawn(move || {
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work));
            // The receiver is gone when the caller stopped waiting (an error, an
            // interrupt): the result is no longer wanted.
            let _ = done.send(outcome);
        });
        Deferred::Running(result)
    }
}

/// A result that may still be computed on an [`IdlePool`].
pub(crate) enum Deferred<T> {
    /// Computed.
    Ready(T),
    /// Still running, or sent but not yet received.
    Running(Receiver<std::thread::Result<T>>),
}

impl<T> Deferred<T> {
    /// Whether the result is there, without waiting for it.
    pub(crate) fn is_ready(&mut self) -> bool {
        let Deferred::Running(result) = self else {
            return true;
        };
        match result.try_recv() {
            Ok(outcome) => {
                *self = Deferred::Ready(resume_panic(outcome));
                true
            }
            Err(TryRecvError::Empty) => false,
            Err(TryRecvError::Disconnected) => unreachable!("the job sends before it ends"),
        }
    }

    /// The result, once it is there; a panic of the work resumes here.
    pub(crate) fn wait(self) -> T {
        match self {
            Deferred::Ready(value) => value,
            Deferred::Running(result) => match result.recv() {
                Ok(outcome) => resume_panic(outcome),
                Err(_) => unreachable!("the job sends before it ends"),
            },
        }
    }
}

fn resume_panic<T>(outcome: std::thread::Result<T>) -> T {
    outcome.unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

/// Moves the calling thread to Linux's `SCHED_IDLE` policy: it runs only on a CPU that
/// no other thread wants, and a waking thread of the normal policy takes the CPU back at
/// once. Best effort: a thread left at the normal policy only competes for the cores.
/// (At nice 19 instead, the shards' wake-ups waited behind the validation threads: 0.19
/// and 0.11 ms on average in `perf sched latency` against 0.07 without them, and `conv`
/// epochs ran slower than with no overlap at all.)
#[cfg(target_os = "linux")]
fn set_idle_policy() {
    use thread_priority::unix::{set_thread_priority_and_policy, thread_native_id};
    use thread_priority::{NormalThreadSchedulePolicy, ThreadPriority, ThreadSchedulePolicy};
    let idle = ThreadSchedulePolicy::Normal(NormalThreadSchedulePolicy::Idle);
    let _ = set_thread_priority_and_policy(thread_native_id(), ThreadPriority::Min, idle);
}

#[cfg(not(target_os = "linux"))]
fn set_idle_policy() {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spawned_work_comes_back_and_ready_values_are_ready() {
        let pool = IdlePool::new(2).expect("a rayon pool of two threads");
        let mut deferred = pool.spawn(|| (0..1000u64).sum::<u64>());
        let sum = deferred.wait_ready();
        assert_eq!(sum, 499_500);
        let mut ready = Deferred::Ready(7);
        assert!(ready.is_ready());
        assert_eq!(ready.wait(), 7);
    }

    impl<T> Deferred<T> {
        /// Polls until ready, then takes the value (exercises `is_ready`).
        fn wait_ready(&mut self) -> T
        where
            T: Copy,
        {
            while !self.is_ready() {
                std::thread::yield_now();
            }
            match self {
                Deferred::Ready(value) => *value,
                Deferred::Running(_) => unreachable!("ready"),
            }
        }
    }

    #[test]
    fn a_panic_in_the_work_resumes_in_the_waiter() {
        let pool = IdlePool::new(1).expect("a rayon pool of one thread");
        let deferred = pool.spawn(|| -> u32 { panic!("scoring failed") });
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| deferred.wait()));
        let message = caught.expect_err("the panic reaches the waiter");
        assert_eq!(message.downcast_ref::<&str>(), Some(&"scoring failed"));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn the_pool_threads_run_at_the_idle_policy_and_others_keep_theirs() {
        let policy = || {
            let stat = std::fs::read_to_string("/proc/thread-self/stat").expect("procfs");
            // Fields after the command name, which ends with the last ')': the 41st
            // field (scheduling policy) is the 39th after it.
            let rest = &stat[stat.rfind(')').expect("a command name") + 2..];
            rest.split(' ').nth(38).expect("a policy field").to_owned()
        };
        const SCHED_IDLE: &str = "5";
        let before = policy();
        let pool = IdlePool::new(2).expect("a rayon pool of two threads");
        assert_eq!(pool.spawn(policy).wait(), SCHED_IDLE);
        assert_eq!(policy(), before, "the calling thread keeps its policy");
        assert_ne!(before, SCHED_IDLE);
    }
}
