//! Where and from what a measurement was taken: the checkout's commit and the machine.
//!
//! The machine changes between sessions (a Xeon one day, an EPYC with or without AVX-512
//! the next, at speeds up to 2.4 times apart), so every record of wall times or rates
//! names the machine it came from.

/// Output of a command, trimmed; `None` when it cannot run or fails.
fn command_output(program: &str, args: &[&str]) -> Option<String> {
    let out = std::process::Command::new(program)
        .args(args)
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// The checkout's commit and whether it had uncommitted changes, taken when a measurement
/// starts (the tree may change while it runs).
pub struct Checkout {
    pub commit: Option<String>,
    pub dirty: Option<bool>,
}

impl Checkout {
    pub fn now() -> Self {
        Checkout {
            commit: command_output("git", &["rev-parse", "--short=12", "HEAD"]),
            dirty: command_output("git", &["status", "--porcelain", "--untracked-files=no"])
                .map(|s| !s.is_empty()),
        }
    }

    /// `commit abc123` (with ", with uncommitted changes" where there were any), or
    /// `an unknown commit` outside a git checkout.
    pub fn describe(&self) -> String {
        match (&self.commit, self.dirty) {
            (Some(commit), Some(true)) => format!("commit `{commit}`, with uncommitted changes"),
            (Some(commit), _) => format!("commit `{commit}`"),
            (None, _) => "an unknown commit".into(),
        }
    }
}

/// The current UTC time to the minute, as `date` gives it (`None` where it cannot run).
pub fn utc_now() -> Option<String> {
    command_output("date", &["-u", "+%Y-%m-%d %H:%M UTC"])
}

/// The CPU model, core count and widest x86 vector extension of this machine, e.g.
/// `AMD EPYC, 2 cores, AVX2`.
pub fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    describe_machine(&cpuinfo, cores)
}

/// [`machine`] from the text of `/proc/cpuinfo` (empty where there is none). The vector
/// extension matters as much as the model: cloud CPUs often report only "AMD EPYC", and
/// the kernels run twice as wide on AVX-512 as on AVX2.
fn describe_machine(cpuinfo: &str, cores: usize) -> String {
    let field = |name: &str| {
        cpuinfo
            .lines()
            .filter_map(|l| l.split_once(':'))
            .find(|(key, _)| key.trim() == name)
            .map(|(_, value)| value.trim())
    };
    let model = field("model name").unwrap_or("unknown CPU");
    let flags: Vec<&str> = field("flags").unwrap_or("").split_whitespace().collect();
    let vectors = if flags.contains(&"avx512f") {
        ", AVX-512"
    } else if flags.contains(&"avx2") {
        ", AVX2"
    } else {
        ""
    };
    format!("{model}, {cores} cores{vectors}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const ZEN1: &str = "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC\nflags\t\t: fpu sse2 avx fma avx2 bmi2\n\nprocessor\t: 1\nmodel name\t: AMD EPYC\nflags\t\t: fpu sse2 avx fma avx2 bmi2\n";

    #[test]
    fn the_machine_is_its_model_cores_and_widest_vectors() {
        assert_eq!(describe_machine(ZEN1, 2), "AMD EPYC, 2 cores, AVX2");
        let zen4 = ZEN1.replace("avx2 bmi2", "avx2 avx512f avx512bw bmi2");
        assert_eq!(describe_machine(&zen4, 2), "AMD EPYC, 2 cores, AVX-512");
        let older = "model name\t: Intel Xeon\nflags\t\t: fpu sse2 avx\n";
        assert_eq!(describe_machine(older, 4), "Intel Xeon, 4 cores");
        // `avx512f` must be a whole flag, not a prefix of another one.
        let lookalike = "model name\t: X\nflags\t\t: avx512fx avx2\n";
        assert_eq!(describe_machine(lookalike, 1), "X, 1 cores, AVX2");
        assert_eq!(describe_machine("", 8), "unknown CPU, 8 cores");
    }

    #[test]
    fn a_checkout_says_its_commit_and_whether_it_was_dirty() {
        let checkout = |commit: Option<&str>, dirty| Checkout {
            commit: commit.map(String::from),
            dirty,
        };
        assert_eq!(
            checkout(Some("abc"), Some(false)).describe(),
            "commit `abc`"
        );
        assert_eq!(
            checkout(Some("abc"), Some(true)).describe(),
            "commit `abc`, with uncommitted changes"
        );
        assert_eq!(checkout(Some("abc"), None).describe(), "commit `abc`");
        assert_eq!(checkout(None, Some(true)).describe(), "an unknown commit");
    }
}
