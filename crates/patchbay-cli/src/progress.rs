//! A transfer's progress bar on stderr — only for a person at a terminal: never in a pipe, a file or a log,
//! and never with `--json` (stdout and stderr then carry only what a script reads).

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use patchbay_core::files::Progress;
use std::io::IsTerminal;

/// A bar for a transfer, hidden unless stderr is a terminal and `quiet` is false.
pub struct Bar {
    bar: ProgressBar,
}

impl Bar {
    pub fn new(label: &str, quiet: bool) -> Self {
        let shown = !quiet && std::io::stderr().is_terminal();
        let bar = ProgressBar::with_draw_target(
            None,
            if shown {
                ProgressDrawTarget::stderr()
            } else {
                ProgressDrawTarget::hidden()
            },
        );
        bar.set_style(
            ProgressStyle::with_template(
                "{msg} {wide_bar} {bytes}/{total_bytes} {binary_bytes_per_sec} {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar.set_message(crate::output::terminal_safe(label).into_owned());
        Self { bar }
    }

    /// Gone from the terminal (the result's line follows).
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl Progress for Bar {
    fn update(&self, done: u64, total: Option<u64>) {
        if let Some(total) = total {
            if self.bar.length() != Some(total) {
                self.bar.set_length(total);
            }
        }
        self.bar.set_position(done);
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}
