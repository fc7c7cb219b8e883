//! The service's notifications, each platform's own way; a click opens the window at the connection's Fix where
//! the platform tells the program that posted it:
//!
//! - Linux and the BSDs: `org.freedesktop.Notifications` through notify-rust, with the `default` action
//!   ([`freedesktop`]);
//! - Windows: a toast, whose activation opens the Fix ([`patchbay_desktop::notify::windows`]);
//! - macOS: the User Notifications framework; a click is left to macOS, the tray's menu has the Fix
//!   ([`patchbay_desktop::notify::macos`]).
//!
//! Without a notification service nothing fails: the log says so.

#[cfg(all(unix, not(target_os = "macos")))]
mod freedesktop;

use patchbay_desktop::alerts::Note;
use std::path::PathBuf;

/// Show `note`; a click opens the window (at its Fix when it has one).
pub fn notify(note: Note, data_dir: PathBuf) {
    #[cfg(all(unix, not(target_os = "macos")))]
    freedesktop::notify(note, data_dir);
    #[cfg(windows)]
    tokio::task::spawn_blocking(move || {
        let fix = note.fix.clone();
        let clicked = Box::new(move || {
            if let Some(id) = &fix {
                tracing::info!(connection = %id, "opening its Fix");
            }
            crate::window::open(&data_dir, fix.as_deref());
        });
        said(
            &note,
            patchbay_desktop::notify::windows::send(&note, Some(clicked)),
        );
    });
    #[cfg(target_os = "macos")]
    tokio::task::spawn_blocking(move || {
        let _ = data_dir;
        said(&note, patchbay_desktop::notify::macos::send(&note));
    });
}

/// What became of a note, in the log.
#[cfg(any(windows, target_os = "macos"))]
fn said(note: &Note, sent: Result<(), String>) {
    match sent {
        Ok(()) => tracing::info!(summary = %note.summary, "notification shown"),
        Err(e) => tracing::info!("no notification shown: {e}"),
    }
}
