//! The core's events, turned into the page's Tauri events; and *Start at login*, which starts the resident
//! service (not this window). The window runs no checks of its own and shows no tray: the core's watch of the
//! data folder brings it what the service, the CLI or its own commands changed.

use crate::{CHECKS_FINISHED, CONNECTIONS_CHANGED, CONNECTION_STATUS};
use patchbay_core::error::{ErrorCode, ErrorInfo};
use patchbay_core::events::CoreEvent;
use patchbay_core::Patchbay;
use patchbay_desktop::autostart::Autostart;
use patchbay_desktop::batch;
use patchbay_desktop::launch::{self, SERVICE};
use tauri::{AppHandle, Emitter, Runtime};

/// Turn the core's events into Tauri events for the page. Runs as one of the core's tasks, so it stops with the
/// core. Events that arrive together (a sweep of hundreds of connections) are handled as one batch.
pub(crate) fn forward_events<R: Runtime>(app: &AppHandle<R>, core: &Patchbay) {
    let mut events = core.subscribe();
    let app = app.clone();
    core.spawn(move |cancel| async move {
        while let Some(batch) = batch::next(&mut events, &cancel).await {
            for event in &batch.events {
                match event {
                    CoreEvent::ConnectionsChanged => {
                        let _ = app.emit(CONNECTIONS_CHANGED, ());
                    }
                    CoreEvent::StatusChanged { .. } => {
                        let _ = app.emit(CONNECTION_STATUS, event);
                    }
                    CoreEvent::ChecksFinished { .. } => {
                        let _ = app.emit(CHECKS_FINISHED, event);
                    }
                    _ => {}
                }
            }
            // Some events were missed: the page reloads everything.
            if batch.lagged {
                let _ = app.emit(CONNECTIONS_CHANGED, ());
            }
        }
    });
}

/// The service's *Start at login* entry, when there is a service program to start and a home folder.
fn service_autostart() -> Option<Autostart> {
    Autostart::for_program(&launch::locate(SERVICE)?)
}

pub fn autostart_enabled() -> bool {
    service_autostart().is_some_and(|a| a.enabled())
}

pub fn set_autostart(enabled: bool) -> Result<bool, ErrorInfo> {
    let unavailable = |detail: String| {
        ErrorInfo::new(
            ErrorCode::Internal,
            "Patchbay could not change whether it starts at login.",
            format!(
                "Check {} and that you may change it.",
                Autostart::where_to_look()
            ),
        )
        .with_detail(detail)
    };
    let autostart = service_autostart()
        .ok_or_else(|| unavailable(format!("no {SERVICE} program or no home folder")))?;
    autostart
        .set(enabled)
        .map_err(|e| unavailable(e.to_string()))?;
    Ok(autostart.enabled())
}
