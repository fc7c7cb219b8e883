//! The one notification the window shows itself: where Patchbay went when its window closed on a desktop that
//! shows no tray. (The service shows every other one.) Sent before the process ends; nothing waits for a click.

use patchbay_desktop::alerts::Note;

/// Show `note`. Without a notification server, nothing fails.
pub fn show(note: Note) {
    let mut n = notify_rust::Notification::new();
    n.appname("Patchbay")
        .summary(&note.summary)
        .body(&note.body)
        .icon("patchbay-app");
    match n.show() {
        Ok(_) => tracing::info!(summary = %note.summary, "notification shown"),
        Err(e) => tracing::info!("no notification shown (no notification service?): {e}"),
    }
}
