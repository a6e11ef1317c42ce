//! The CPU/wall that this machine allows work done in lock step, as a data-parallel
//! training step does it: one thread pinned to each CPU, each doing the same arithmetic
//! for a phase, all meeting at a barrier before the next. The work touches no memory and
//! is split exactly evenly, so whatever keeps the ratio below the CPU count is the
//! machine's: the host taking a virtual CPU for a while (steal time, which holds up every
//! other thread at the next barrier), kernel threads, and the barrier's wake-ups.

use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

/// Length of one phase between barriers: about one of a training step's two parts (the
/// shards' gradients, then the optimizer step's halves) for `fc` and `conv` here.
pub const PHASE: Duration = Duration::from_millis(4);
/// How long one measurement runs.
pub const LENGTH: Duration = Duration::from_secs(5);

/// One lock-step measurement.
#[derive(Debug, Clone, Copy)]
pub struct Reading {
    /// Process CPU time over wall time (the CPU count = every CPU always working).
    pub cpu_per_wall: f64,
    /// The share of the CPUs' time that the host took meanwhile (`/proc/stat` steal).
    pub steal_share: f64,
}

/// Runs `threads` pinned threads in lock step, in phases of `phase`, for about `length`.
pub fn measure(threads: usize, phase: Duration, length: Duration) -> Reading {
    let rounds_per_phase = rounds_lasting(phase);
    let phases = (length.as_secs_f64() / phase.as_secs_f64()).ceil() as usize;
    let barrier = Arc::new(Barrier::new(threads));
    let window = Window::open();
    let workers: Vec<_> = (0..threads)
        .map(|share| {
            let barrier = Arc::clone(&barrier);
            std::thread::spawn(move || {
                ae_train::pin_process_to_share(share, threads);
                let mut state = share as f32;
                for _ in 0..phases {
                    state = arithmetic(rounds_per_phase, state);
                    barrier.wait();
                }
                state
            })
        })
        .collect();
    for worker in workers {
        // A worker only does arithmetic; it cannot panic.
        let _ = std::hint::black_box(worker.join());
    }
    window.close(threads)
}

/// Process CPU time, wall time and steal ticks from one moment on.
pub struct Window {
    started: Instant,
    cpu: Option<f64>,
    steal: Option<u64>,
}

impl Window {
    /// Starts counting now.
    pub fn open() -> Self {
        Window {
            started: Instant::now(),
            cpu: ae_train::process_cpu_seconds(),
            steal: steal_ticks(),
        }
    }

    /// The process's CPU/wall and the host's share of `cpus` CPUs since [`Window::open`]
    /// (NaN where `/proc` could not be read).
    pub fn close(self, cpus: usize) -> Reading {
        reading(
            self.started.elapsed().as_secs_f64(),
            self.cpu.zip(ae_train::process_cpu_seconds()),
            self.steal.zip(steal_ticks()),
            cpus,
        )
    }
}

/// The reading of a window of `wall` seconds from the process's CPU seconds and the
/// steal ticks at its start and end.
fn reading(wall: f64, cpu: Option<(f64, f64)>, steal: Option<(u64, u64)>, cpus: usize) -> Reading {
    let wall = wall.max(1e-9);
    Reading {
        cpu_per_wall: cpu.map_or(f64::NAN, |(start, end)| (end - start) / wall),
        steal_share: steal.map_or(f64::NAN, |(start, end)| {
            end.saturating_sub(start) as f64 / USER_HZ / (wall * cpus.max(1) as f64)
        }),
    }
}

/// Ticks per second of `/proc/stat`.
const USER_HZ: f64 = 100.0;

/// Steal ticks of all CPUs together, the eighth value of `/proc/stat`'s `cpu` line.
fn steal_ticks() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    parse_steal(&stat)
}

fn parse_steal(stat: &str) -> Option<u64> {
    let line = stat.lines().find(|l| l.starts_with("cpu "))?;
    line.split_whitespace().nth(8)?.parse().ok()
}

/// Rounds of [`arithmetic`] that take about `phase` on this CPU (the fastest of a few
/// timings, so a stolen moment does not lengthen every phase).
fn rounds_lasting(phase: Duration) -> u64 {
    const PROBE: u64 = 100_000;
    let fastest = (0..5)
        .map(|_| {
            let started = Instant::now();
            std::hint::black_box(arithmetic(PROBE, 1.0));
            started.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min);
    ((phase.as_secs_f64() / fastest.max(1e-9)) * PROBE as f64).max(1.0) as u64
}

/// `rounds` dependent multiply-adds on sixteen registers (work that needs only the CPU),
/// and the registers' mean, which stays finite from phase to phase (every value is drawn
/// towards 0.1).
fn arithmetic(rounds: u64, seed: f32) -> f32 {
    let mut lanes = [seed; 16];
    for _ in 0..rounds {
        for lane in &mut lanes {
            *lane = lane.mul_add(0.999_999, 1e-7);
        }
        lanes = std::hint::black_box(lanes);
    }
    lanes.iter().sum::<f32>() / lanes.len() as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steal_is_the_eighth_value_of_the_cpu_line() {
        let stat = "cpu  5806738 1372 590192 6449749 38108 0 5177 112064 0 0\n\
                    cpu0 2902535 694 278641 3253146 11383 0 385 55272 0 0\n";
        assert_eq!(parse_steal(stat), Some(112064));
        assert_eq!(parse_steal("intr 1 2 3\n"), None);
    }

    #[test]
    fn a_window_divides_cpu_time_by_wall_time_and_steal_by_the_cpus_time() {
        let r = reading(2.0, Some((10.0, 13.8)), Some((500, 540)), 2);
        assert!((r.cpu_per_wall - 1.9).abs() < 1e-12, "{r:?}");
        // 40 ticks = 0.4 s of the two CPUs' 4 s.
        assert!((r.steal_share - 0.1).abs() < 1e-12, "{r:?}");
        let unknown = reading(2.0, None, None, 2);
        assert!(unknown.cpu_per_wall.is_nan() && unknown.steal_share.is_nan());
    }

    #[test]
    fn longer_phases_get_proportionally_more_rounds() {
        let (short, long) = (
            rounds_lasting(Duration::from_millis(1)),
            rounds_lasting(Duration::from_millis(10)),
        );
        assert!(long > 3 * short && long < 30 * short, "{short} {long}");
    }

    #[test]
    fn the_state_carried_from_phase_to_phase_stays_finite() {
        let state = (0..200).fold(1.0, |state, _| arithmetic(10, state));
        assert!((0.1..=1.0).contains(&state), "{state}");
    }

    #[test]
    fn lock_step_threads_finish_and_are_measured() {
        let r = measure(2, Duration::from_millis(1), Duration::from_millis(50));
        assert!(r.cpu_per_wall.is_finite() && r.cpu_per_wall >= 0.0, "{r:?}");
        assert!(r.steal_share.is_finite() && r.steal_share >= 0.0, "{r:?}");
    }
}
