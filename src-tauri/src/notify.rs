//! Desktop notifications (what they say and when: [`patchbay_desktop::alerts`]), opening the connection's Fix
//! when clicked. On Linux they go over D-Bus to `org.freedesktop.Notifications`.
//!
//! Why notify-rust and not Tauri's notification plugin: the plugin (2.x) hands the notification to notify-rust
//! and drops the handle, so a click on desktop platforms is never reported (its `onAction` is mobile-only:
//! tauri-apps/plugins-workspace#2150). Keeping notify-rust's handle, with the Freedesktop `default` action
//! declared, is what makes "click to fix" work. Without a notification server, showing fails quietly.

use patchbay_desktop::alerts::Note;
use tauri::{AppHandle, Runtime};

/// Show `note`; a click calls back into the app from a thread of its own. Never fails the caller.
pub fn show<R: Runtime>(app: &AppHandle<R>, note: Note) {
    let app = app.clone();
    std::thread::Builder::new()
        .name("notification".into())
        .spawn(move || {
            let mut n = notify_rust::Notification::new();
            n.appname("Patchbay")
                .summary(&note.summary)
                .body(&note.body)
                .icon("dev.patchbay.app");
            // The `default` action is what a click on the notification itself invokes.
            if note.fix.is_some() {
                n.action("default", "Fix…").action("fix", "Fix…");
            } else {
                n.action("default", "Open Patchbay");
            }
            match n.show() {
                Ok(handle) => {
                    tracing::info!(summary = %note.summary, "notification shown");
                    #[cfg(all(unix, not(target_os = "macos")))]
                    handle.wait_for_action(|action| {
                        if action == "default" || action == "fix" {
                            match &note.fix {
                                Some(id) => crate::open_fix(&app, id),
                                None => crate::show_main_window(&app),
                            }
                        }
                    });
                    #[cfg(not(all(unix, not(target_os = "macos"))))]
                    let _ = (handle, app);
                }
                Err(e) => tracing::info!("no notification shown (no notification service?): {e}"),
            }
        })
        .map(|_| ())
        .unwrap_or_else(|e| tracing::warn!("could not start the notification thread: {e}"));
}
