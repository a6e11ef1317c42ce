//! One line for an error and its causes, for command-line tools.

/// One line for an error and its causes. The toolkit's error messages already quote their
/// cause (`path: No space left on device`) and also expose it as `source()`, so a cause
/// whose text is already in the line is skipped instead of repeated.
pub fn describe_error(error: &(dyn std::error::Error + 'static)) -> String {
    let mut line = error.to_string();
    let mut cause = error.source();
    while let Some(c) = cause {
        let text = c.to_string();
        if !line.contains(&text) {
            line.push_str(": ");
            line.push_str(&text);
        }
        cause = c.source();
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An error that quotes its cause in its own message, as the toolkit's errors do, or not.
    #[derive(Debug)]
    struct Wrapped {
        message: String,
        source: std::io::Error,
    }

    impl std::fmt::Display for Wrapped {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(&self.message)
        }
    }

    impl std::error::Error for Wrapped {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.source)
        }
    }

    fn disk_full() -> std::io::Error {
        std::io::Error::from_raw_os_error(28)
    }

    #[test]
    fn a_quoted_cause_appears_once() {
        let cause = disk_full().to_string();
        let e = Wrapped {
            message: format!("/x/images.gz: {cause}"),
            source: disk_full(),
        };
        let line = describe_error(&e);
        assert_eq!(line.matches("No space left").count(), 1, "{line}");
        assert!(line.starts_with("/x/images.gz: "), "{line}");
    }

    #[test]
    fn an_unquoted_cause_is_appended() {
        let e = Wrapped {
            message: "writing /x/images.gz".into(),
            source: disk_full(),
        };
        let line = describe_error(&e);
        assert!(
            line.starts_with("writing /x/images.gz: No space left"),
            "{line}"
        );
    }
}
