//! The core's events, turned into Tauri events, the tray and notifications; the tray's menu; "Start at login".

use crate::state::AppState;
use crate::{notify, tray, ShellState, CHECKS_FINISHED, CONNECTIONS_CHANGED, CONNECTION_STATUS};
use patchbay_core::events::CoreEvent;
use patchbay_core::model::ConnectionSummary;
use patchbay_core::Patchbay;
use patchbay_desktop::batch;
use patchbay_desktop::tray::MenuAction;
use tauri::{AppHandle, Emitter, Manager, Runtime};

pub fn autostart_enabled<R: Runtime>(app: &AppHandle<R>) -> bool {
    app.try_state::<tauri_plugin_autostart::AutoLaunchManager>()
        .is_some_and(|a| a.is_enabled().unwrap_or(false))
}

pub fn set_autostart<R: Runtime>(
    app: &AppHandle<R>,
    enabled: bool,
) -> Result<bool, patchbay_core::error::ErrorInfo> {
    let unavailable = |detail: String| {
        patchbay_core::error::ErrorInfo::new(
            patchbay_core::error::ErrorCode::Internal,
            "Patchbay could not change whether it starts at login.",
            "Check that your autostart folder (~/.config/autostart on Linux) is writable.",
        )
        .with_detail(detail)
    };
    let manager = app
        .try_state::<tauri_plugin_autostart::AutoLaunchManager>()
        .ok_or_else(|| unavailable("no desktop session".into()))?;
    let result = if enabled {
        manager.enable()
    } else {
        manager.disable()
    };
    result.map_err(|e| unavailable(e.to_string()))?;
    refresh_tray(app);
    Ok(autostart_enabled(app))
}

/// Bring the tray up to date with every connection's status.
pub(crate) fn refresh_tray<R: Runtime>(app: &AppHandle<R>) {
    let Some(state) = app.try_state::<AppState>() else {
        return;
    };
    match state.core.list() {
        Ok(list) => {
            let model = patchbay_desktop::tray::tray_model(&list, autostart_enabled(app));
            if let Err(e) = tray::refresh(app, &model) {
                tracing::warn!("could not update the tray: {e}");
            }
        }
        Err(e) => tracing::warn!(
            "could not read the connections for the tray: {}",
            e.one_line()
        ),
    }
}

/// A click in the tray menu.
pub fn on_tray_menu<R: Runtime>(app: &AppHandle<R>, id: &str) {
    match MenuAction::from_id(id) {
        Some(MenuAction::Open) | Some(MenuAction::OpenConnection(_)) => {
            crate::window::show_main_window(app)
        }
        Some(MenuAction::Quit) => app.exit(0),
        Some(MenuAction::CheckAll) => {
            if let Some(state) = app.try_state::<AppState>() {
                tracing::info!("check all now (tray)");
                state.core.check_all_now();
            }
        }
        Some(MenuAction::ToggleAutostart) => {
            let enabled = autostart_enabled(app);
            if let Err(e) = set_autostart(app, !enabled) {
                tracing::warn!("{}", e.one_line());
            }
        }
        Some(MenuAction::Fix(connection)) => crate::window::open_fix(app, &connection),
        None => {}
    }
}

/// Turn the core's events into Tauri events, the tray and notifications. Runs as one of the core's tasks, so
/// it stops with the core. Events that arrive together (a sweep of hundreds of connections) are handled as one
/// batch: each goes to the page, the tray is rebuilt once.
pub(crate) fn forward_events<R: Runtime>(app: &AppHandle<R>, core: &Patchbay) {
    let mut events = core.subscribe();
    let app = app.clone();
    let core = core.clone();
    core.clone().spawn(move |cancel| async move {
        while let Some(batch) = batch::next(&mut events, &cancel).await {
            for event in &batch.events {
                match event {
                    CoreEvent::ConnectionsChanged => {
                        let _ = app.emit(CONNECTIONS_CHANGED, ());
                    }
                    CoreEvent::StatusChanged {
                        connection,
                        previous,
                    } => {
                        let _ = app.emit(CONNECTION_STATUS, event);
                        tracing::info!(connection = %connection.id, ?previous, now = ?connection.status, "status changed");
                        notify_if_newly_broken(&app, connection);
                    }
                    CoreEvent::ChecksFinished { .. } => {
                        let _ = app.emit(CHECKS_FINISHED, event);
                    }
                    _ => {}
                }
            }
            // Some events were missed: reload everything, and notify from the current statuses.
            if batch.lagged {
                tracing::debug!("events came faster than they were handled; catching up");
                let _ = app.emit(CONNECTIONS_CHANGED, ());
                for connection in core.list().unwrap_or_default() {
                    notify_if_newly_broken(&app, &connection);
                }
            }
            if batch.changes_connections() {
                refresh_tray(&app);
            }
        }
    });
}

/// One notification per change into a broken (or at-risk) status.
fn notify_if_newly_broken<R: Runtime>(app: &AppHandle<R>, connection: &ConnectionSummary) {
    let Some(shell) = app.try_state::<ShellState>() else {
        return;
    };
    let note = shell
        .alerts
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .on_status(connection);
    if let Some(note) = note {
        notify::show(app, note);
    }
}
