//! Small summaries of measurements.

/// The median of the finite values (NaN when there are none).
pub fn median(values: &[f64]) -> f64 {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let m = v.len() / 2;
    if v.len().is_multiple_of(2) {
        (v[m - 1] + v[m]) / 2.0
    } else {
        v[m]
    }
}

/// CPU time (user + system) that every thread of this process has used so far, seconds;
/// `None` where `/proc/self/stat` cannot be read (not Linux).
///
/// Fields 14 and 15 of `/proc/self/stat` count clock ticks of `USER_HZ`, which Linux fixes
/// at 100 for user space on every architecture this toolkit builds for. The second field
/// (the command name) may hold spaces, so the fields are counted after its closing `)`.
pub fn process_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    cpu_seconds_from_stat(&stat)
}

/// User and system ticks of one `/proc/<pid>/stat` line, in seconds.
fn cpu_seconds_from_stat(stat: &str) -> Option<f64> {
    const USER_HZ: f64 = 100.0;
    let after_name = &stat[stat.rfind(')')? + 1..];
    // After the name: state (field 3), then fields 4..; utime and stime are 14 and 15.
    let mut fields = after_name.split_whitespace().skip(11);
    let user: u64 = fields.next()?.parse().ok()?;
    let system: u64 = fields.next()?.parse().ok()?;
    Some((user + system) as f64 / USER_HZ)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_seconds_are_read_after_a_command_name_with_spaces() {
        let line = "4242 (ae (shard) 1) R 1 4242 4242 0 -1 4194304 900 0 0 0 250 37 0 0 20 0 3 0";
        assert_eq!(cpu_seconds_from_stat(line), Some(2.87));
        assert_eq!(cpu_seconds_from_stat("4242 (ae) R 1 2"), None);
        assert_eq!(cpu_seconds_from_stat("no name here"), None);
    }

    #[test]
    fn a_busy_loop_shows_in_the_process_cpu_time() {
        let before = process_cpu_seconds().expect("/proc/self/stat on Linux");
        let started = std::time::Instant::now();
        let mut x = 1u64;
        while started.elapsed().as_secs_f64() < 0.2 {
            x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
        }
        let used = process_cpu_seconds().expect("/proc/self/stat on Linux") - before;
        // 0.2 s of wall time on this thread; ticks are 10 ms, and the test harness's other
        // threads can only add to it.
        assert!(used >= 0.1, "{used} s of CPU time for 0.2 s of spinning");
    }

    #[test]
    fn median_of_odd_even_empty_and_non_finite() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
        assert_eq!(median(&[f64::NAN, 5.0, f64::INFINITY]), 5.0);
        assert!(median(&[]).is_nan());
    }
}
