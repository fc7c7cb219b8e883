//! The window, started on demand: the tray's *Open Patchbay* and connection entries, *Fix…*, a notification's
//! click. It is a program of its own (`patchbay-app`) that exits when its window closes; a window already open
//! takes the request over (its single-instance handler) and the new process ends at once.

use patchbay_desktop::launch::{self, FIX_ARG, WINDOW};
use std::path::Path;

/// Open the window, at `fix`'s Fix when given. Its log goes to `window.log` in the data folder.
pub fn open(data_dir: &Path, fix: Option<&str>) {
    let Some(program) = launch::locate(WINDOW) else {
        tracing::warn!(
            "the window cannot open: {WINDOW} is neither beside this service nor on PATH (reinstall Patchbay)"
        );
        return;
    };
    let args: Vec<&str> = match fix {
        Some(id) => vec![FIX_ARG, id],
        None => vec![],
    };
    match launch::spawn_detached(&program, &args, Some(&data_dir.join("window.log"))) {
        Ok(child) => {
            tracing::info!(pid = child.id(), fix = ?fix, "window started");
            launch::reap(child);
        }
        Err(e) => tracing::warn!("the window could not start ({}): {e}", program.display()),
    }
}
