//! Independent trainings at once, each worker on a rayon pool of its own.

use std::sync::atomic::{AtomicUsize, Ordering};

/// Runs `job(0..jobs)` on as many threads as the current rayon pool has (at most `jobs`),
/// each taking the next job when it finishes one, and returns the results in job order:
/// [`run_jobs_on`] with a worker per thread.
///
/// # Example
/// ```
/// let squares = ae_train::run_jobs_at_once(5, |j| j * j);
/// assert_eq!(squares, [0, 1, 4, 9, 16]);
/// ```
pub fn run_jobs_at_once<T: Send>(jobs: usize, job: impl Fn(usize) -> T + Sync) -> Vec<T> {
    run_jobs_on(rayon::current_num_threads(), jobs, job)
}

/// Runs `job(0..jobs)` on `workers` threads (at least one, at most `jobs`), each taking
/// the next job when it finishes one, and returns the results in job order. Jobs start in
/// index order, so a list sorted costliest first ends with short jobs on every worker.
///
/// Each worker runs its jobs inside a rayon pool of its own, with its share of the current
/// pool's threads (one each on two cores), pinned to CPUs of its own where the process has
/// enough of them (see [`crate::SHARD_AFFINITY_ENV`] to turn that off). The kernels of a
/// job fan out to the current pool, so without that the workers' small kernels would
/// queue behind each other on the one global pool; with it they run inline on the
/// worker's own cores. A worker with one thread trains its batches' two shards one after
/// the other (same bits as on two threads), so a training never has a thread on a core
/// another worker owns. A private pool also keeps burn's autodiff safe: no other job's
/// backward pass ever waits for its threads (see
/// [`batch_gradients`](crate::batch_gradients)).
///
/// Without pools (they could not be built), the workers are plain threads.
///
/// # Example
/// ```
/// // Two workers on any machine; the results come back in job order.
/// let cubes = ae_train::run_jobs_on(2, 4, |j| j * j * j);
/// assert_eq!(cubes, [0, 1, 8, 27]);
/// ```
pub fn run_jobs_on<T: Send>(
    workers: usize,
    jobs: usize,
    job: impl Fn(usize) -> T + Sync,
) -> Vec<T> {
    if jobs == 0 {
        return Vec::new();
    }
    let threads = rayon::current_num_threads().max(1);
    let workers = workers.clamp(1, jobs);
    let threads_each = (threads / workers).max(1);
    let cpus = crate::affinity::pool_cpus(workers, threads_each);
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
                let cpus = cpus.as_ref().map(|cpus| cpus[worker].clone());
                scope.spawn(move || {
                    let builder = rayon::ThreadPoolBuilder::new()
                        .num_threads(threads_each)
                        .thread_name(move |i| format!("ae-job-{worker}-{i}"));
                    let pool = crate::affinity::pinned(builder, cpus).build();
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
        // Workers as asked, never more than the jobs.
        let on = |workers, jobs| {
            pool.install(|| run_jobs_on(workers, jobs, |_| rayon::current_num_threads()))
        };
        assert_eq!(on(2, 5), [2; 5]);
        assert_eq!(on(4, 2), [2; 2]);
        assert_eq!(on(0, 3), [4; 3], "at least one worker");
    }
}
