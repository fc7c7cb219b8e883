//! The window, started on demand: the tray's *Open Patchbay* and connection entries, *Fix…*, a notification's
//! click. It is a program of its own (`patchbay-app`) that exits when its window closes; a window already open
//! takes the request over (its single-instance handler) and the new process ends at once.

use patchbay_desktop::launch::{self, FIX_ARG, WINDOW, WINDOW_LOG};
use std::path::Path;

/// Open the window, at `fix`'s Fix when given. Its log goes to `window.log` in the data folder.
pub fn open(data_dir: &Path, fix: Option<&str>) {
    let args: Vec<&str> = match fix {
        Some(id) => vec![FIX_ARG, id],
        None => vec![],
    };
    match launch::start(WINDOW, &args, Some(&data_dir.join(WINDOW_LOG))) {
        Ok((_, child)) => {
            tracing::info!(pid = child.id(), fix = ?fix, "window started");
            launch::reap(child);
        }
        Err(failure) => tracing::warn!("the window could not open: {failure}. {}", failure.fix()),
    }
}
