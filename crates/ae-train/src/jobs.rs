//! Independent trainings at once, each worker on a rayon pool of its own.

use std::sync::atomic::{AtomicUsize, Ordering};

/// Runs `job(0..jobs)` on as many threads as the current rayon pool has (at most `jobs`),
/// each taking the next job when it finishes one, and returns the results in job order.
///
/// Each worker runs its jobs inside a rayon pool of its own, with its share of the current
/// pool's threads (one each on two cores). The kernels of a job fan out to the current
/// pool, so without that the workers' small kernels would queue behind each other on the
/// one global pool; with it they run inline on the worker's own cores. A private pool also
/// keeps burn's autodiff safe: no other job's backward pass ever waits for its threads
/// (see [`batch_gradients`](crate::batch_gradients)).
///
/// Without pools (they could not be built), the workers are plain threads.
///
/// # Example
/// ```
/// let squares = ae_train::run_jobs_at_once(5, |j| j * j);
/// assert_eq!(squares, [0, 1, 4, 9, 16]);
/// ```
pub fn run_jobs_at_once<T: Send>(jobs: usize, job: impl Fn(usize) -> T + Sync) -> Vec<T> {
    if jobs == 0 {
        return Vec::new();
    }
    let threads = rayon::current_num_threads().max(1);
    let workers = threads.min(jobs);
    let threads_each = (threads / workers).max(1);
    let next = AtomicUsize::new(0);
    let work = || {
        let mut mine = Vec::new();
        loop {
            let j = next.fetch_add(1, Ordering::Relaxed);
            if j >= jobs {
                return mine;
            }
            mine.push((j, job(j)));
        }
    };
    let mut done: Vec<(usize, T)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|worker| {
                let work = &work;
                scope.spawn(move || {
                    let pool = rayon::ThreadPoolBuilder::new()
                        .num_threads(threads_each)
                        .thread_name(move |i| format!("ae-job-{worker}-{i}"))
                        .build();
                    match pool {
                        Ok(pool) => pool.install(work),
                        Err(_) => work(),
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| {
                h.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    });
    done.sort_by_key(|(j, _)| *j);
    done.into_iter().map(|(_, result)| result).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_run_once_each_and_return_in_order() {
        let runs = AtomicUsize::new(0);
        let out = run_jobs_at_once(37, |j| {
            runs.fetch_add(1, Ordering::Relaxed);
            j * j
        });
        assert_eq!(out, (0..37).map(|j| j * j).collect::<Vec<_>>());
        assert_eq!(runs.load(Ordering::Relaxed), 37);
        assert!(run_jobs_at_once(0, |j| j).is_empty());
    }

    #[test]
    fn each_worker_runs_on_its_share_of_the_threads() {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(4)
            .build()
            .unwrap();
        let threads_of =
            |jobs| pool.install(|| run_jobs_at_once(jobs, |_| rayon::current_num_threads()));
        // As many workers as threads, one thread each; fewer jobs share the threads out.
        assert_eq!(threads_of(8), [1; 8]);
        assert_eq!(threads_of(2), [2; 2]);
        assert_eq!(threads_of(1), [4]);
    }
}
