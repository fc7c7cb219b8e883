//! Desktop notifications: one when a connection becomes broken (once per transition), saying why, and opening
//! its Fix when clicked. On Linux they go over D-Bus to `org.freedesktop.Notifications`.
//!
//! Why notify-rust and not Tauri's notification plugin: the plugin (2.x) hands the notification to notify-rust
//! and drops the handle, so a click on desktop platforms is never reported (its `onAction` is mobile-only:
//! tauri-apps/plugins-workspace#2150). Keeping notify-rust's handle, with the Freedesktop `default` action
//! declared, is what makes "click to fix" work. Without a notification server, showing fails quietly.

use tauri::{AppHandle, Runtime};

/// What to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub summary: String,
    pub body: String,
    /// Clicking it opens this connection's Fix; `None`: it only opens the window.
    pub fix: Option<String>,
}

/// A connection became broken.
pub fn broken(name: &str, id: &str, reason: Option<&str>) -> Note {
    Note {
        summary: format!("{name} needs attention"),
        body: reason
            .unwrap_or("Patchbay can no longer use this connection. Open it to fix it.")
            .to_string(),
        fix: Some(id.to_string()),
    }
}

/// The window closed where no tray can show Patchbay.
pub fn still_running() -> Note {
    Note {
        summary: "Patchbay keeps running".into(),
        body: "It keeps checking your connections and will notify you here. This desktop shows no tray icon, so launch Patchbay again to bring its window back.".into(),
        fix: None,
    }
}

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
