//! The one notification the window shows itself: where Patchbay went when its window closed on a desktop that
//! shows no tray. (The service shows every other one.) Sent before the process ends; nothing waits for a click.

use patchbay_desktop::alerts::Note;
use patchbay_desktop::notify::send_plain;

/// Show `note`. Without a notification server, nothing fails.
pub fn show(note: Note) {
    match send_plain(&note) {
        Ok(()) => tracing::info!(summary = %note.summary, "notification shown"),
        Err(e) => tracing::info!("no notification shown: {e}"),
    }
}
