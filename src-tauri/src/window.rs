//! The main window: built when Patchbay starts, and Patchbay ends when it closes — its web view is most of
//! Patchbay's memory, and the resident service does the background work. Built again on demand only within one
//! run (a second launch while it is open brings it forward).

use crate::{ShellState, MAIN_WINDOW, OPEN_FIX};
use tauri::{AppHandle, Emitter, Manager, Runtime, WebviewWindowBuilder};

/// Show, unminimise and focus the main window, building it again if it was closed.
pub fn show_main_window<R: Runtime>(app: &AppHandle<R>) {
    match app.get_webview_window(MAIN_WINDOW) {
        Some(window) => {
            let _ = window.unminimize();
            let _ = window.show();
            let _ = window.set_focus();
        }
        None => {
            let started = std::time::Instant::now();
            match create_main_window(app) {
                Ok(()) => tracing::info!(
                    ms = started.elapsed().as_millis() as u64,
                    "window built again"
                ),
                Err(e) => tracing::warn!("could not open the window: {e}"),
            }
        }
    }
}

/// Build the main window from its configuration (tauri.conf.json, `"create": false`).
pub(crate) fn create_main_window<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<()> {
    let config = app
        .config()
        .app
        .windows
        .iter()
        .find(|w| w.label == MAIN_WINDOW)
        .cloned()
        .unwrap_or_default();
    WebviewWindowBuilder::from_config(app, &config)?.build()?;
    Ok(())
}

/// Open a connection's Fix: the window comes up and the page opens the Fix dialog.
pub fn open_fix<R: Runtime>(app: &AppHandle<R>, id: &str) {
    tracing::info!(connection = %id, "opening its Fix");
    if let Some(shell) = app.try_state::<ShellState>() {
        *shell.pending_fix.lock().unwrap_or_else(|p| p.into_inner()) = Some(id.to_string());
    }
    show_main_window(app);
    let _ = app.emit(OPEN_FIX, id);
}

/// The window closed and Patchbay's window process ends; the service keeps checking. Where no tray can show
/// it, say so once, before the process goes.
pub(crate) fn window_closed(data_dir: &std::path::Path) {
    tracing::info!("window closed; the service keeps checking in the background");
    if let patchbay_core::resident::Resident::Running(Some(status)) =
        patchbay_core::resident::probe(data_dir)
    {
        if let patchbay_core::resident::TrayState::Absent { reason } = status.tray {
            tracing::info!("no tray ({reason}): telling the person where Patchbay went");
            crate::notify::show(patchbay_desktop::alerts::still_running());
        }
    }
}
