//! Tauri commands: take state, call the core, map the error. Nothing here holds a token: connections travel as
//! summaries, sign-in progress as events that carry no secret, and a client secret only ever travels in.

use crate::state::AppState;
use patchbay_core::about::About;
use patchbay_core::agents::log::WriteRecord;
use patchbay_core::agents::setup::AssistantSetup;
use patchbay_core::automations::manage::{self, NewAutomation, TestOutcome};
use patchbay_core::automations::queue::Attempt;
use patchbay_core::automations::AutomationView;
use patchbay_core::catalogue::Connector;
use patchbay_core::connect::ConnectOptions;
use patchbay_core::diagnose::Check;
use patchbay_core::environment::EnvironmentPreset;
use patchbay_core::error::{ErrorCode, ErrorInfo, Surface};
use patchbay_core::model::{
    BuiltInApp, ConnectEvent, ConnectRequest, ConnectionSummary, FixRequest, RedirectAdvice,
};
use patchbay_core::preview::{
    ChannelItem, ChatItem, ChatPage, FileList, Library, Preview, PreviewOptions, SectionContent,
    TeamItem,
};
use secrecy::SecretString;
use serde::Serialize;
use tauri::ipc::Channel;
use tauri::{AppHandle, Runtime, State};

/// An error as the window shows it: the core's words, with what to do named in the window's own terms (a
/// button, a screen), never a command line.
#[derive(Debug)]
pub struct WindowError(ErrorInfo);

impl From<ErrorInfo> for WindowError {
    fn from(e: ErrorInfo) -> Self {
        Self(e.for_surface(Surface::Window))
    }
}

impl Serialize for WindowError {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

/// What a command answers: a value, or an error in the window's words.
type Answer<T> = Result<T, WindowError>;

/// A sign-in's progress as the window shows it (a failure in the window's words).
fn for_window(event: ConnectEvent) -> ConnectEvent {
    match event {
        ConnectEvent::Failed { flow_id, error } => ConnectEvent::Failed {
            flow_id,
            error: error.for_surface(Surface::Window),
        },
        other => other,
    }
}

#[tauri::command]
pub fn list_connectors(
    state: State<'_, AppState>,
    shell: State<'_, crate::ShellState>,
) -> Vec<Connector> {
    // Each time a window's page loads (scripts/measure times start-up and re-opening by this line).
    tracing::info!("page ready: the UI asked for the catalogue");
    shell.page_ready.set();
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
) -> Answer<RedirectAdvice> {
    Ok(state
        .core
        .redirect_advice(redirect_uri.as_deref(), confidential)?)
}

#[tauri::command]
pub fn list_connections(state: State<'_, AppState>) -> Answer<Vec<ConnectionSummary>> {
    Ok(state.core.list()?)
}

/// Async, and the work on a blocking thread: the store's cross-process lock may wait (up to
/// `store::LOCK_WAIT`) for another process, and the UI's main thread must never wait with it.
#[tauri::command]
pub async fn rename_connection(
    state: State<'_, AppState>,
    id: String,
    name: String,
) -> Answer<ConnectionSummary> {
    let core = state.core.clone();
    blocking(move || core.rename(&id, &name)).await
}

#[tauri::command]
pub async fn remove_connection(state: State<'_, AppState>, id: String) -> Answer<()> {
    let core = state.core.clone();
    blocking(move || core.remove(&id)).await
}

/// Run blocking core work (file locks, the keychain) off the async workers and the main thread.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ErrorInfo> + Send + 'static,
) -> Answer<T> {
    let result = tauri::async_runtime::spawn_blocking(f).await.map_err(|e| {
        ErrorInfo::new(
            ErrorCode::Internal,
            "Patchbay could not finish that.",
            "Try again; if it keeps happening, restart Patchbay.",
        )
        .with_detail(e.to_string())
    })?;
    Ok(result?)
}

fn connect_options() -> ConnectOptions {
    ConnectOptions {
        open_browser: std::env::var("PATCHBAY_NO_BROWSER")
            .map(|v| v != "1")
            .unwrap_or(true),
        ..ConnectOptions::default()
    }
}

/// Start a sign-in. Returns its flow id at once; progress arrives on `on_event`. (Async: the core runs the flow
/// on Tauri's Tokio runtime.)
#[tauri::command]
pub async fn start_connect(
    state: State<'_, AppState>,
    request: ConnectRequest,
    on_event: Channel<ConnectEvent>,
) -> Answer<String> {
    Ok(state
        .core
        .start_connect(request, connect_options(), move |event| {
            let _ = on_event.send(for_window(event));
        }))
}

/// The link an administrator opens to approve what `request` would ask for (an opt-in feature that needs an
/// administrator), before any sign-in.
#[tauri::command]
pub async fn admin_consent_link(
    state: State<'_, AppState>,
    request: ConnectRequest,
) -> Answer<String> {
    Ok(state.core.admin_consent_link(request).await?)
}

/// Start fixing a connection: sign in again as its account. Progress arrives on `on_event`.
#[tauri::command]
pub async fn start_fix(
    state: State<'_, AppState>,
    request: FixRequest,
    on_event: Channel<ConnectEvent>,
) -> Answer<String> {
    Ok(state
        .core
        .start_fix(request, connect_options(), move |event| {
            let _ = on_event.send(for_window(event));
        }))
}

#[tauri::command]
pub fn cancel_connect(state: State<'_, AppState>, flow_id: String) {
    state.core.cancel_connect(&flow_id);
}

/// The person pasted the error Microsoft's sign-in page shows (it never redirects back for some): the
/// sign-in ends with that error explained, through the flow's channel. Text without an AADSTS code is refused.
#[tauri::command]
pub fn report_sign_in_page_error(
    state: State<'_, AppState>,
    flow_id: String,
    text: String,
) -> Answer<ErrorInfo> {
    let explained = state.core.report_sign_in_page_error(&flow_id, &text)?;
    Ok(explained.for_surface(Surface::Window))
}

/// Check connections now (`ids`, or all), in this process (the window runs no monitor of its own): they show as
/// checking, and their statuses arrive as events — and, through the data folder, in the service's tray.
/// (Async: the checks run on Tauri's Tokio runtime.)
#[tauri::command]
pub async fn check_connections(state: State<'_, AppState>, ids: Option<Vec<String>>) -> Answer<()> {
    match ids {
        Some(ids) => state.core.check_now(ids),
        None => state.core.check_all_now(),
    }
    Ok(())
}

/// Replace a bring-your-own app connection's client secret; it is tried at once.
#[tauri::command]
pub async fn update_client_secret(
    state: State<'_, AppState>,
    id: String,
    secret: SecretString,
    expires_on: Option<String>,
) -> Answer<ConnectionSummary> {
    Ok(state
        .core
        .update_client_secret(&id, secret, expires_on)
        .await?)
}

/// Check this computer: the same checks as `patchbay doctor`.
#[tauri::command]
pub async fn diagnose(state: State<'_, AppState>) -> Answer<Vec<Check>> {
    Ok(state
        .core
        .diagnose()
        .await
        .into_iter()
        .map(|c| c.for_surface(Surface::Window))
        .collect())
}

/// *Copy diagnostics*: versions, checks, statuses and recent errors with their ids. Never a token.
#[tauri::command]
pub async fn diagnostics_report<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
) -> Answer<String> {
    Ok(state
        .core
        .diagnostics_report(&crate::about(&app).line)
        .await)
}

/// This build's version and commit (the About line), the same words as `patchbay --version`.
#[tauri::command]
pub fn about<R: Runtime>(app: AppHandle<R>) -> About {
    crate::about(&app)
}

/// The vault key is gone from the keychain for good: set the sealed secrets aside (nothing is deleted) and make
/// a new key, as `patchbay reset-vault` does. The window asks first. Returns the folder the old files went to.
#[tauri::command]
pub async fn reset_vault(state: State<'_, AppState>) -> Answer<Option<String>> {
    let core = state.core.clone();
    let aside = blocking(move || core.reset_vault()).await?;
    tracing::info!(aside = ?aside, "made a new vault key");
    Ok(aside.map(|folder| folder.display().to_string()))
}

/// Open a link in the system browser: https, or http on this computer only.
#[tauri::command]
pub fn open_url(url: String) -> Answer<()> {
    Ok(patchbay_core::browser::open_link(&url)?)
}

/// Whether Patchbay (its resident service) starts at login.
#[tauri::command]
pub fn autostart() -> bool {
    crate::events::autostart_enabled()
}

#[tauri::command]
pub fn set_autostart(enabled: bool) -> Answer<bool> {
    Ok(crate::events::set_autostart(enabled)?)
}

/// The Fix asked for (`--fix`, from the tray or a notification) before the page could hear it (taken once).
#[tauri::command]
pub fn take_pending_fix(shell: State<'_, crate::ShellState>) -> Option<String> {
    shell.take_pending_fix()
}

/// A connection's preview (the sections its connector names: an inbox and agenda, files…), fetched now in one
/// Graph round trip. Its content crosses to the window and stays in memory; no token does.
#[tauri::command]
pub async fn preview_connection(state: State<'_, AppState>, id: String) -> Answer<Preview> {
    Ok(state.core.preview(&id, PreviewOptions::default()).await?)
}

/// "Use with an AI assistant": the tools a connection would offer under each choice, and what to paste.
#[tauri::command]
pub async fn assistant_setup(state: State<'_, AppState>, id: String) -> Answer<AssistantSetup> {
    let core = state.core.clone();
    blocking(move || core.assistant_setup(&id)).await
}

/// What assistants wrote and sent through a connection (`patchbay mcp`'s log), newest first.
#[tauri::command]
pub async fn assistant_writes(state: State<'_, AppState>, id: String) -> Answer<Vec<WriteRecord>> {
    let core = state.core.clone();
    blocking(move || core.assistant_writes(&id, 50)).await
}

/// The last preview of a connection this run fetched, to show at once while a new one loads.
#[tauri::command]
pub fn cached_preview(state: State<'_, AppState>, id: String) -> Option<Preview> {
    state.core.cached_preview(&id)
}

/// A section's next page ("Load more"), from Graph's link as given: the section's content with that page's items.
#[tauri::command]
pub async fn more_preview(
    state: State<'_, AppState>,
    id: String,
    section: String,
    next_link: String,
) -> Answer<SectionContent> {
    Ok(state
        .core
        .more_preview(&id, &section, &next_link, PreviewOptions::default().days)
        .await?)
}

/// A folder of the person's OneDrive or of a document library (`drive`: its id), from a files preview: its first
/// page of items and the way back up. The next pages come through `more_preview`.
#[tauri::command]
pub async fn browse_files(
    state: State<'_, AppState>,
    id: String,
    drive: Option<String>,
    path: String,
) -> Answer<FileList> {
    Ok(state
        .core
        .browse_files(&id, drive.as_deref(), &path)
        .await?)
}

/// A browsed folder's next page ("Load more"), from Graph's link as given.
#[tauri::command]
pub async fn more_files(
    state: State<'_, AppState>,
    id: String,
    next_link: String,
) -> Answer<FileList> {
    Ok(state.core.more_files(&id, &next_link).await?)
}

/// The document libraries of a SharePoint site the person follows.
#[tauri::command]
pub async fn site_libraries(
    state: State<'_, AppState>,
    id: String,
    site_id: String,
) -> Answer<Vec<Library>> {
    Ok(state.core.site_libraries(&id, &site_id).await?)
}

/// A Teams chat's newest messages, from a Teams preview.
#[tauri::command]
pub async fn open_chat(
    state: State<'_, AppState>,
    id: String,
    chat_id: String,
) -> Answer<ChatPage> {
    Ok(state.core.open_chat(&id, &chat_id).await?)
}

/// An opened chat's older messages ("Load more"), from Graph's link as given.
#[tauri::command]
pub async fn more_chat(
    state: State<'_, AppState>,
    id: String,
    chat_id: String,
    next_link: String,
) -> Answer<ChatPage> {
    Ok(state.core.more_chat(&id, &chat_id, &next_link).await?)
}

/// The channels of a team the person is in.
#[tauri::command]
pub async fn team_channels(
    state: State<'_, AppState>,
    id: String,
    team_id: String,
) -> Answer<Vec<ChannelItem>> {
    Ok(state.core.team_channels(&id, &team_id).await?)
}

/// The person's latest chats, to pick one for an automation.
#[tauri::command]
pub async fn chat_choices(state: State<'_, AppState>, id: String) -> Answer<Vec<ChatItem>> {
    Ok(state.core.chat_choices(&id).await?)
}

/// The teams the person is in, to pick one for an automation.
#[tauri::command]
pub async fn team_choices(state: State<'_, AppState>, id: String) -> Answer<Vec<TeamItem>> {
    Ok(state.core.team_choices(&id).await?)
}

/// Every automation with where it stands (active, paused, stopped by its connection, failing).
#[tauri::command]
pub async fn list_automations(state: State<'_, AppState>) -> Answer<Vec<AutomationView>> {
    let core = state.core.clone();
    blocking(move || manage::list(&core)).await
}

/// An automation's attempts, oldest first.
#[tauri::command]
pub async fn automation_history(state: State<'_, AppState>, id: String) -> Answer<Vec<Attempt>> {
    let core = state.core.clone();
    blocking(move || manage::history(&core, &id)).await
}

/// Add an automation: checked, saved, and its folder (or calendar) read to the end so that nothing there now
/// fires.
#[tauri::command]
pub async fn add_automation(
    state: State<'_, AppState>,
    automation: NewAutomation,
) -> Answer<AutomationView> {
    Ok(manage::add(&state.core, automation).await?)
}

/// Test with the newest item: the action run once on it, nothing recorded.
#[tauri::command]
pub async fn test_automation(
    state: State<'_, AppState>,
    automation: NewAutomation,
) -> Answer<TestOutcome> {
    Ok(manage::test(&state.core, automation).await?)
}

#[tauri::command]
pub async fn set_automation_paused(
    state: State<'_, AppState>,
    id: String,
    paused: bool,
) -> Answer<AutomationView> {
    let core = state.core.clone();
    blocking(move || manage::set_paused(&core, &id, paused)).await
}

#[tauri::command]
pub async fn remove_automation(state: State<'_, AppState>, id: String) -> Answer<()> {
    let core = state.core.clone();
    blocking(move || manage::remove(&core, &id).map(|_| ())).await
}

/// Retry: the items that failed go back in line (with Run now, they are tried at once).
#[tauri::command]
pub async fn retry_automation(state: State<'_, AppState>, id: String) -> Answer<usize> {
    let core = state.core.clone();
    blocking(move || manage::retry(&core, &id)).await
}

/// Run now: the service takes it at once (or, with none running, a round here).
#[tauri::command]
pub async fn run_automation_now(state: State<'_, AppState>, id: String) -> Answer<AutomationView> {
    Ok(manage::run_now(&state.core, &id).await?)
}
