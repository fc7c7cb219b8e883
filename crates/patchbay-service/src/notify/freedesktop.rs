//! Notifications on Linux and the BSDs: `org.freedesktop.Notifications` through notify-rust, with the `default`
//! action (a click on the notification itself) and a *Fix…* button, followed until clicked or a day has passed.

use patchbay_desktop::alerts::Note;
use std::path::PathBuf;
use std::time::Duration;

/// Show `note`; a click opens the window at its Fix. Without a notification server nothing fails.
pub fn notify(note: Note, data_dir: PathBuf) {
    tokio::spawn(async move {
        // Whether this server reads markup in bodies decides how the body is written (see `Note::body_for`).
        let body_markup = tokio::task::spawn_blocking(notify_rust::get_capabilities)
            .await
            .ok()
            .and_then(Result::ok)
            .is_some_and(|caps| caps.iter().any(|c| c == "body-markup"));
        let mut n = notify_rust::Notification::new();
        n.appname("Patchbay")
            .summary(&note.summary)
            .body(&note.body_for(body_markup))
            .icon("patchbay-app");
        // The `default` action is what a click on the notification itself invokes.
        if note.fix.is_some() {
            n.action("default", "Fix…").action("fix", "Fix…");
        } else {
            n.action("default", "Open Patchbay");
        }
        let handle = match n.show_async().await {
            Ok(handle) => handle,
            Err(e) => {
                tracing::info!("no notification shown (no notification service?): {e}");
                return;
            }
        };
        tracing::info!(summary = %note.summary, "notification shown");
        // A notification may sit unclicked in a notification centre; stop listening for it after a day.
        let clicked = tokio::time::timeout(Duration::from_secs(24 * 3600), wait_click(&handle))
            .await
            .unwrap_or(false);
        if clicked {
            if let Some(id) = &note.fix {
                tracing::info!(connection = %id, "opening its Fix");
            }
            crate::window::open(&data_dir, note.fix.as_deref());
        }
    });
}

async fn wait_click(handle: &notify_rust::NotificationHandle) -> bool {
    let (tx, rx) = tokio::sync::oneshot::channel();
    handle
        .wait_for_action_async(move |response| {
            let clicked = match response {
                notify_rust::NotificationResponse::Default => true,
                notify_rust::NotificationResponse::Action(a) => a == "fix" || a == "default",
                _ => false,
            };
            let _ = tx.send(clicked);
        })
        .await;
    rx.await.unwrap_or(false)
}
