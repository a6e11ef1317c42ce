//! Progress display: an `indicatif` bar on a terminal, one plain line per epoch otherwise.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};

use crate::history::EpochRecord;

/// How progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ProgressMode {
    /// A bar when stderr is a terminal, else plain lines.
    #[default]
    Auto,
    /// One line per epoch on stderr.
    Plain,
    /// Nothing.
    Quiet,
}

/// Reports training progress.
pub struct Progress {
    bar: Option<ProgressBar>,
    plain: bool,
    epochs: usize,
    /// What each line starts with: the run's name and a colon, or nothing.
    prefix: String,
}

impl Progress {
    /// Starts progress for `epochs` epochs of `batches` batches each; lines start with
    /// `label` when there is one (runs trained at once print between each other's lines).
    pub fn new(mode: ProgressMode, epochs: usize, batches: usize, label: Option<&str>) -> Self {
        let use_bar = mode == ProgressMode::Auto && std::io::stderr().is_terminal();
        let bar = use_bar.then(|| {
            let bar = ProgressBar::new((epochs * batches) as u64);
            let style = ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} batches, loss {msg} ({elapsed} elapsed, ETA {eta})")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> ");
            bar.set_style(style);
            bar
        });
        Progress {
            bar,
            plain: mode != ProgressMode::Quiet && !use_bar,
            epochs,
            prefix: label.map_or_else(String::new, |label| format!("{label}: ")),
        }
    }

    /// Positions the bar after `done` batches (on resume).
    pub fn skip_to(&self, done: u64) {
        if let Some(bar) = &self.bar {
            bar.set_position(done);
        }
    }

    /// Called after each batch with the running mean loss.
    pub fn batch(&self, epoch: usize, batch: usize, batches: usize, running_loss: f64) {
        if let Some(bar) = &self.bar {
            bar.set_prefix(format!(
                "{}epoch {epoch}/{} batch {batch}/{batches}",
                self.prefix, self.epochs
            ));
            bar.set_message(format!("{running_loss:.5}"));
            bar.inc(1);
        }
    }

    /// Called after each epoch.
    pub fn epoch(&self, record: &EpochRecord) {
        let line = format!(
            "{}epoch {}/{}: loss {:.5} val_loss {:.5} ({:.2} s)",
            self.prefix,
            record.epoch,
            self.epochs,
            record.train_loss,
            record.val_loss,
            record.seconds
        );
        if let Some(bar) = &self.bar {
            bar.println(line);
        } else if self.plain {
            eprintln!("{line}");
        }
    }

    /// Clears the bar.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
