//! Progress reporting for long imports: a small trait so the library does not decide how
//! progress is shown, an `indicatif` bar for terminals, and a silent one for tests and servers.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Receives progress from a long-running job, phase by phase.
pub trait Progress: Sync {
    /// A new phase starts (`"reading"`, `"appending"`); `total` when known.
    fn phase(&self, name: &str, total: Option<u64>);
    /// `n` more units of the current phase are done.
    fn advance(&self, n: u64);
    /// The job is over.
    fn finish(&self);
}

/// Shows nothing: for tests, servers and anything not on a terminal.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn phase(&self, _name: &str, _total: Option<u64>) {}
    fn advance(&self, _n: u64) {}
    fn finish(&self) {}
}

/// An `indicatif` bar on standard error, hidden automatically when that is not a terminal.
#[derive(Debug)]
pub struct TerminalProgress {
    bar: ProgressBar,
}

impl TerminalProgress {
    /// A bar drawing to standard error (hidden when it is not a terminal).
    pub fn new() -> TerminalProgress {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        TerminalProgress { bar }
    }
}

impl Default for TerminalProgress {
    fn default() -> Self {
        TerminalProgress::new()
    }
}

impl Progress for TerminalProgress {
    fn phase(&self, name: &str, total: Option<u64>) {
        let template = match total {
            Some(_) => "{msg:>10} [{bar:40}] {human_pos}/{human_len} ({per_sec}, {eta})",
            None => "{msg:>10} {spinner} {human_pos} ({per_sec})",
        };
        if let Ok(style) = ProgressStyle::with_template(template) {
            self.bar.set_style(style.progress_chars("=> "));
        }
        self.bar.set_length(total.unwrap_or(0));
        self.bar.set_position(0);
        self.bar.set_message(name.to_string());
    }

    fn advance(&self, n: u64) {
        self.bar.inc(n);
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
