//! Tauri commands: take state, call the core, map the error. Nothing here holds a token: connections travel as
//! summaries, sign-in progress as events that carry no secret.

use crate::state::AppState;
use patchbay_core::catalogue::Connector;
use patchbay_core::diagnose::Check;
use patchbay_core::environment::{EnvironmentId, EnvironmentPreset};
use patchbay_core::error::{ErrorCode, ErrorInfo};
use patchbay_core::model::{
    BuiltInApp, ConnectEvent, ConnectRequest, ConnectionSummary, RedirectAdvice,
};
use patchbay_core::service::ConnectOptions;
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager, Runtime, State};
use tokio_util::sync::CancellationToken;

#[tauri::command]
pub fn list_connectors(state: State<'_, AppState>) -> Vec<Connector> {
    state
        .page_ready
        .call_once(|| tracing::info!("page ready: the UI asked for the catalogue"));
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

#[tauri::command]
pub fn redirect_advice(
    state: State<'_, AppState>,
    redirect_uri: Option<String>,
    confidential: bool,
) -> Result<RedirectAdvice, ErrorInfo> {
    state
        .core
        .redirect_advice(redirect_uri.as_deref(), confidential)
}

#[tauri::command]
pub fn list_connections(state: State<'_, AppState>) -> Result<Vec<ConnectionSummary>, ErrorInfo> {
    state.core.list()
}

#[tauri::command]
pub fn rename_connection<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    id: String,
    name: String,
) -> Result<ConnectionSummary, ErrorInfo> {
    let summary = state.core.rename(&id, &name)?;
    crate::connections_changed(&app);
    Ok(summary)
}

#[tauri::command]
pub fn remove_connection<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    id: String,
) -> Result<(), ErrorInfo> {
    state.core.remove(&id)?;
    crate::connections_changed(&app);
    Ok(())
}

/// Start a sign-in. Returns its flow id at once; progress arrives on `on_event`.
#[tauri::command]
pub async fn start_connect<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    mut request: ConnectRequest,
    on_event: Channel<ConnectEvent>,
) -> Result<String, ErrorInfo> {
    if request.environment == EnvironmentId::Sandbox {
        let sandbox = state.sandbox().await?;
        let tenant = request
            .tenant
            .clone()
            .filter(|t| !t.trim().is_empty())
            .unwrap_or_else(|| "organizations".into());
        request.authority = Some(sandbox.authority(&tenant).to_string());
        request.graph_url = Some(sandbox.graph_url().to_string());
    }
    let flow_id = uuid::Uuid::new_v4().to_string();
    let cancel = CancellationToken::new();
    state
        .flows
        .lock()
        .expect("flows")
        .insert(flow_id.clone(), cancel.clone());
    let options = ConnectOptions {
        open_browser: std::env::var("PATCHBAY_NO_BROWSER")
            .map(|v| v != "1")
            .unwrap_or(true),
        ..ConnectOptions::default()
    };
    let core = state.core.clone();
    let id = flow_id.clone();
    tauri::async_runtime::spawn(async move {
        let send = move |event: ConnectEvent| {
            let _ = on_event.send(event);
        };
        let result = core.connect(request, options, &id, &send, cancel).await;
        if let Some(state) = app.try_state::<AppState>() {
            state.flows.lock().expect("flows").remove(&id);
        }
        if result.is_ok() {
            crate::connections_changed(&app);
        }
    });
    Ok(flow_id)
}

#[tauri::command]
pub fn cancel_connect(state: State<'_, AppState>, flow_id: String) {
    if let Some(cancel) = state.flows.lock().expect("flows").get(&flow_id) {
        cancel.cancel();
    }
}

/// The person pasted the error Microsoft's sign-in page shows (it never redirects back for some): the
/// sign-in ends with that error explained, through the flow's channel. Text without an AADSTS code is refused.
#[tauri::command]
pub fn report_sign_in_page_error(
    state: State<'_, AppState>,
    flow_id: String,
    text: String,
) -> Result<ErrorInfo, ErrorInfo> {
    state.core.report_sign_in_page_error(&flow_id, &text)
}

/// Check this computer: the same checks as `patchbay doctor`.
#[tauri::command]
pub async fn diagnose(state: State<'_, AppState>) -> Result<Vec<Check>, ErrorInfo> {
    Ok(state.core.diagnose().await)
}

/// Open a link in the system browser: https (an admin-center page, an admin-consent URL), or http on this
/// computer only (the sandbox's and local providers' sign-in pages).
#[tauri::command]
pub fn open_url(url: String) -> Result<(), ErrorInfo> {
    let parsed = url::Url::parse(&url).map_err(|_| invalid_url(&url))?;
    if !openable(&parsed) {
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

fn openable(url: &url::Url) -> bool {
    match url.scheme() {
        "https" => true,
        "http" => match url.host() {
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
            None => false,
        },
        _ => false,
    }
}

fn invalid_url(url: &str) -> ErrorInfo {
    ErrorInfo::new(
        ErrorCode::InvalidInput,
        "That link cannot be opened.",
        format!("Only https links, or http links on this computer, open from Patchbay: {url}"),
    )
}

#[cfg(test)]
mod tests {
    use super::openable;

    #[test]
    fn only_https_and_loopback_http_links_open() {
        for ok in [
            "https://login.microsoftonline.com/x",
            "http://127.0.0.1:8080/authorize",
            "http://[::1]:9/a",
            "http://localhost:3000/",
        ] {
            assert!(openable(&url::Url::parse(ok).unwrap()), "{ok}");
        }
        for refused in [
            "http://example.com/",
            "http://127.0.0.1.example.com/",
            "file:///etc/passwd",
            "javascript:alert(1)",
            "patchbay://oauth/callback",
        ] {
            assert!(!openable(&url::Url::parse(refused).unwrap()), "{refused}");
        }
    }
}
