//! Each data-parallel shard pool, each job worker and each training process of
//! `reproduce --jobs` on CPUs of its own.
//!
//! Left to the scheduler, both shard threads were often woken onto the same CPU, where
//! one worked while the other spun in rayon's idle loop, and the other CPU stayed idle:
//! `perf sched timehist` of `ae train --model fc --batch 256` (2-core Xeon, 2026-12-02)
//! showed 1 ms of idle time per 8 ms step on one CPU, mostly in gaps of 1 to 5 ms after a
//! shard finished before its twin. Pinned, each pool's threads run on CPUs the other pool
//! does not use; the training thread and everything else stay free to run anywhere.
//!
//! Set `AE_SHARD_AFFINITY=off` to leave the shard threads unpinned (for instance when
//! another program shares the machine's CPUs).

/// The environment variable that turns pinning off (`off`).
pub const SHARD_AFFINITY_ENV: &str = "AE_SHARD_AFFINITY";

/// Consecutive CPUs of `allowed` for each of `pools` pools of `threads` threads: `None`
/// when there are fewer allowed CPUs than threads in all (pinning would then crowd the
/// pools onto shared CPUs).
pub(crate) fn split_cpus(
    allowed: &[usize],
    pools: usize,
    threads: usize,
) -> Option<Vec<Vec<usize>>> {
    if pools == 0 || threads == 0 || allowed.len() < pools * threads {
        return None;
    }
    Some(
        allowed
            .chunks(threads)
            .take(pools)
            .map(<[usize]>::to_vec)
            .collect(),
    )
}

/// The CPU sets of `pools` pools of `threads` threads each (a training's two shard pools,
/// or [`crate::run_jobs_on`]'s workers), or `None` when they are not to be pinned (turned
/// off, too few CPUs, or no affinity on this system).
pub(crate) fn pool_cpus(pools: usize, threads: usize) -> Option<Vec<Vec<usize>>> {
    if std::env::var(SHARD_AFFINITY_ENV).is_ok_and(|v| v.eq_ignore_ascii_case("off")) {
        return None;
    }
    split_cpus(&allowed_cpus()?, pools, threads)
}

/// `builder`, its threads pinned to `cpus` as each starts (left as it is for `None`).
pub(crate) fn pinned(
    builder: rayon::ThreadPoolBuilder,
    cpus: Option<Vec<usize>>,
) -> rayon::ThreadPoolBuilder {
    match cpus {
        Some(cpus) => builder.start_handler(move |_| pin_current_thread(&cpus)),
        None => builder,
    }
}

/// Restricts the calling thread, and every thread it starts from now on (rayon's global
/// pool included, which sizes itself by the CPUs it may use), to share `index` (from 0)
/// of `count` equal shares of the CPUs this process may use, and returns that share:
/// `None`, leaving everything as it was, when pinning is off ([`SHARD_AFFINITY_ENV`]) or
/// there are fewer CPUs than shares.
///
/// A process that trains beside `count - 1` others on the same machine calls this first,
/// so each gets cores of its own (`cargo xtask reproduce --jobs`).
pub fn pin_process_to_share(index: usize, count: usize) -> Option<Vec<usize>> {
    let allowed = allowed_cpus()?;
    let cpus = pool_cpus(count, allowed.len() / count.max(1))?
        .into_iter()
        .nth(index)?;
    pin_current_thread(&cpus);
    Some(cpus)
}

/// The CPUs this process may run on, in increasing order.
#[cfg(target_os = "linux")]
fn allowed_cpus() -> Option<Vec<usize>> {
    use rustix::thread::{CpuSet, sched_getaffinity};
    let set = sched_getaffinity(None).ok()?;
    Some(
        (0..CpuSet::MAX_CPU)
            .filter(|&cpu| set.is_set(cpu))
            .collect(),
    )
}

#[cfg(not(target_os = "linux"))]
fn allowed_cpus() -> Option<Vec<usize>> {
    None
}

/// Restricts the calling thread to `cpus`. Best effort: on failure the thread stays
/// where the scheduler puts it, which is only slower.
#[cfg(target_os = "linux")]
pub(crate) fn pin_current_thread(cpus: &[usize]) {
    use rustix::thread::{CpuSet, sched_setaffinity};
    let mut set = CpuSet::new();
    cpus.iter().for_each(|&cpu| set.set(cpu));
    let _ = sched_setaffinity(None, &set);
}

#[cfg(not(target_os = "linux"))]
pub(crate) fn pin_current_thread(_cpus: &[usize]) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pools_get_disjoint_consecutive_cpus_or_none() {
        assert_eq!(split_cpus(&[0, 1], 2, 1), Some(vec![vec![0], vec![1]]));
        assert_eq!(
            split_cpus(&[2, 3, 5, 7, 8], 2, 2),
            Some(vec![vec![2, 3], vec![5, 7]])
        );
        assert_eq!(split_cpus(&[0], 2, 1), None, "one CPU for two pools");
        assert_eq!(split_cpus(&[0, 1, 2], 2, 2), None);
        assert_eq!(split_cpus(&[0, 1], 2, 0), None);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_pinned_thread_runs_only_on_its_cpus() {
        let allowed = allowed_cpus().expect("sched_getaffinity works on Linux");
        assert!(!allowed.is_empty());
        let first = allowed[0];
        let seen = std::thread::spawn(move || {
            pin_current_thread(&[first]);
            allowed_cpus()
        })
        .join()
        .expect("the pinned thread ran");
        assert_eq!(seen, Some(vec![first]));
        // The calling thread is untouched.
        assert_eq!(allowed_cpus(), Some(allowed));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_process_share_is_its_slice_of_the_allowed_cpus_and_threads_inherit_it() {
        let allowed = allowed_cpus().expect("sched_getaffinity works on Linux");
        let count = allowed.len();
        let last = allowed[count - 1];
        let (beyond, share, inherited) = std::thread::spawn(move || {
            let beyond = pin_process_to_share(count, count);
            let share = pin_process_to_share(count - 1, count);
            let inherited = std::thread::spawn(allowed_cpus).join().ok().flatten();
            (beyond, share, inherited)
        })
        .join()
        .expect("the pinned thread ran");
        assert_eq!(beyond, None, "no share past the last");
        assert_eq!(share, Some(vec![last]), "one CPU each");
        assert_eq!(inherited, Some(vec![last]), "a thread started later");
        assert_eq!(
            pin_process_to_share(0, count + 1),
            None,
            "more shares than CPUs"
        );
    }
}
