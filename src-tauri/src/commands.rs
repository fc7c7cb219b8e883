//! Tauri commands: take state, call the core, map the error. Nothing here holds a token.

use crate::state::AppState;
use patchbay_core::catalogue::Connector;
use patchbay_core::environment::EnvironmentPreset;
use patchbay_core::error::{ErrorCode, ErrorInfo};
use patchbay_core::model::BuiltInApp;
use tauri::State;

#[tauri::command]
pub fn list_connectors(state: State<'_, AppState>) -> Vec<Connector> {
    state.core.catalogue().connectors().to_vec()
}

#[tauri::command]
pub fn list_environments(state: State<'_, AppState>) -> Vec<EnvironmentPreset> {
    state.core.environments()
}

#[tauri::command]
pub fn builtin_app(state: State<'_, AppState>) -> BuiltInApp {
    state.core.builtin_app().clone()
}

/// Open an https link (an admin-center page, an admin-consent URL) in the system browser.
#[tauri::command]
pub fn open_url(url: String) -> Result<(), ErrorInfo> {
    let parsed = url::Url::parse(&url).map_err(|_| invalid_url(&url))?;
    if parsed.scheme() != "https" {
        return Err(invalid_url(&url));
    }
    open::that_detached(parsed.as_str()).map_err(|e| {
        ErrorInfo::new(
            ErrorCode::Internal,
            "The browser could not be opened.",
            format!("Copy the link and open it yourself: {url}"),
        )
        .with_detail(e.to_string())
    })
}

fn invalid_url(url: &str) -> ErrorInfo {
    ErrorInfo::new(
        ErrorCode::InvalidInput,
        "That link cannot be opened.",
        format!("Only https links open from Patchbay: {url}"),
    )
}
