//! [`Patchbay`]: the one object the desktop shell, the service and the CLI hold. It only assembles the
//! components, each built with what it needs and nothing more — [`Connections`] (the list as kept),
//! [`TokenManager`] (tokens), [`Health`] (checks and the monitor), [`SignIns`] (connect and fix), [`Previews`]
//! (Graph for a person), [`Doctor`] (this computer) — and hands each call to the one that does it. Cheap to
//! clone.

use crate::catalogue::Catalogue;
use crate::config::CoreConfig;
use crate::connect::{ConnectOptions, Events, SignIns};
use crate::connections::{not_found, Connections};
use crate::diagnose::{Check, Doctor};
use crate::environment::{presets, EnvironmentPreset};
use crate::error::{ErrorCode, ErrorInfo};
use crate::events::{CoreEvent, EventBus};
use crate::graph::ConnectionGraph;
use crate::health::{CheckOptions, CheckOutcome, Health, HealthStore, MonitorConfig, Registry};
use crate::model::{
    BuiltInApp, ConnectEvent, ConnectRequest, ConnectionSummary, FixRequest, RedirectAdvice,
};
use crate::oauth::discovery::Discovery;
use crate::preview::{
    AgendaEvent, ChannelItem, ChatItem, ChatPage, FileList, InboxMessage, Library, Preview,
    PreviewOptions, PreviewPage, Previews, SectionContent, TeamItem,
};
use crate::sandbox_host::SandboxProvider;
use crate::store::Store;
use crate::tasks::Tasks;
use crate::tokens::lock::ConnectionLocks;
use crate::tokens::{AccessToken, RefreshError, TokenManager, TokenPolicy};
use crate::vault::{KeyStore, Keychain, Vault};
use secrecy::SecretString;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

#[derive(Clone)]
pub struct Patchbay {
    parts: Arc<Parts>,
}

struct Parts {
    config: CoreConfig,
    catalogue: Arc<Catalogue>,
    connections: Arc<Connections>,
    vault: Arc<Vault>,
    locks: Arc<ConnectionLocks>,
    sandbox: Arc<dyn SandboxProvider>,
    events: EventBus,
    tasks: Tasks,
    registry: Arc<Registry>,
    tokens: Arc<TokenManager>,
    health: Arc<Health>,
    sign_ins: Arc<SignIns>,
    previews: Previews,
    doctor: Doctor,
}

fn invalid(title: impl Into<String>, message: impl Into<String>) -> ErrorInfo {
    ErrorInfo::new(ErrorCode::InvalidInput, title, message)
}

impl Patchbay {
    /// Patchbay with the OS keychain guarding the vault key.
    pub fn new(config: CoreConfig) -> Self {
        let keys = Box::new(Keychain::new(config.keychain_service.clone()));
        Self::with_key_store(config, keys)
    }

    /// Patchbay with another key store (unit tests use an in-memory one).
    pub fn with_key_store(config: CoreConfig, keys: Box<dyn KeyStore>) -> Self {
        let dir = config.data_dir.clone();
        let store = Arc::new(Store::new(dir.clone()));
        let vault = Arc::new(Vault::new(dir.join("secrets"), keys));
        let sandbox = crate::sandbox_host::for_data_dir(&dir, config.sandbox);
        let connections = Arc::new(Connections::new(
            store.clone(),
            Arc::new(HealthStore::new(&dir)),
            sandbox.clone(),
        ));
        let locks = Arc::new(ConnectionLocks::new(&dir));
        let discovery = Arc::new(Discovery::default());
        let http = crate::oauth::http_client();
        let events = EventBus::default();
        let tasks = Tasks::default();
        let catalogue = Arc::new(Catalogue::builtin().with_early_access(&config.early_connectors));
        let registry = Arc::new(Registry::new(connections.clone(), events.clone()));
        let tokens = Arc::new(TokenManager::new(
            connections.clone(),
            vault.clone(),
            locks.clone(),
            discovery.clone(),
            http.clone(),
            config.retry,
            registry.clone(),
        ));
        let health = Arc::new(Health::new(
            tokens.clone(),
            connections.clone(),
            registry.clone(),
            tasks.clone(),
        ));
        let sign_ins = Arc::new(SignIns::new(
            config.clone(),
            catalogue.clone(),
            connections.clone(),
            vault.clone(),
            discovery,
            http,
            sandbox.clone(),
            tokens.clone(),
            registry.clone(),
            tasks.clone(),
        ));
        let previews = Previews::new(tokens.clone(), connections.clone(), catalogue.clone());
        let doctor = Doctor::new(vault.clone(), store, dir);
        Self {
            parts: Arc::new(Parts {
                config,
                catalogue,
                connections,
                vault,
                locks,
                sandbox,
                events,
                tasks,
                registry,
                tokens,
                health,
                sign_ins,
                previews,
                doctor,
            }),
        }
    }

    pub fn config(&self) -> &CoreConfig {
        &self.parts.config
    }

    pub fn catalogue(&self) -> &Catalogue {
        &self.parts.catalogue
    }

    /// The environments this Patchbay offers (the Sandbox only when it can serve one).
    pub fn environments(&self) -> Vec<EnvironmentPreset> {
        let sandbox = self.parts.sandbox.available();
        presets()
            .into_iter()
            .filter(|e| e.id != crate::environment::EnvironmentId::Sandbox || sandbox)
            .collect()
    }

    pub fn builtin_app(&self) -> &BuiltInApp {
        &self.parts.config.builtin_app
    }

    /// The Sandbox environment (served in-process, started on first use; absent from a build without it).
    pub fn sandbox(&self) -> &dyn SandboxProvider {
        self.parts.sandbox.as_ref()
    }

    /// The token manager: access tokens for connections.
    pub fn tokens(&self) -> &Arc<TokenManager> {
        &self.parts.tokens
    }

    /// The core's events: connections added, removed or renamed, statuses changed (see [`CoreEvent`]).
    pub fn subscribe(&self) -> broadcast::Receiver<CoreEvent> {
        self.parts.events.subscribe()
    }

    /// The admin-consent link for what `req` would ask for, before any sign-in (an opt-in feature that needs an
    /// administrator's approval).
    pub async fn admin_consent_link(&self, req: ConnectRequest) -> Result<String, ErrorInfo> {
        self.parts.sign_ins.admin_consent_link(req).await
    }

    /// The redirect URI to register for a bring-your-own app, and under which platform.
    pub fn redirect_advice(
        &self,
        redirect_uri: Option<&str>,
        confidential: bool,
    ) -> Result<RedirectAdvice, ErrorInfo> {
        crate::connect::redirect_advice(redirect_uri, confidential)
    }

    // ---- the list ------------------------------------------------------------------------------------------

    /// Every connection, oldest first, with its status.
    pub fn list(&self) -> Result<Vec<ConnectionSummary>, ErrorInfo> {
        self.parts.registry.list()
    }

    pub fn get(&self, id: &str) -> Result<ConnectionSummary, ErrorInfo> {
        self.parts.registry.get(id)
    }

    /// The connection `named` names: its id, or its name in any case (the one rule every surface that takes
    /// "an id or a name" follows). Two connections of one name: refused, asking for the id.
    pub fn find(&self, named: &str) -> Result<ConnectionSummary, ErrorInfo> {
        let named = named.trim();
        let all = self.list()?;
        if let Some(c) = all.iter().find(|c| c.info.id == named) {
            return Ok(c.clone());
        }
        let same: Vec<&ConnectionSummary> = all
            .iter()
            .filter(|c| c.info.name.eq_ignore_ascii_case(named))
            .collect();
        match same.as_slice() {
            [one] => Ok((*one).clone()),
            [] => Err(ErrorInfo::new(
                crate::error::ErrorCode::NotFound,
                format!("There is no connection {named:?}."),
                "Give a connection's id or its name.",
            )
            .with_remedy(crate::error::Remedy::ListConnections)),
            many => Err(invalid(
                format!("{} connections are called {named:?}.", many.len()),
                format!(
                    "Give the id of the one you mean: {}.",
                    many.iter()
                        .map(|c| c.info.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )),
        }
    }

    pub fn rename(&self, id: &str, name: &str) -> Result<ConnectionSummary, ErrorInfo> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 200 {
            return Err(invalid(
                "A connection needs a name.",
                "Use 1 to 200 characters.",
            ));
        }
        self.parts.connections.store.update(|records| {
            let record = records
                .iter_mut()
                .find(|r| r.info.id == id)
                .ok_or_else(|| not_found(id))?;
            record.info.name = name.to_string();
            Ok(())
        })?;
        self.parts.registry.refresh();
        self.get(id)
    }

    /// Remove a connection: its metadata, sealed secrets and status go; nothing else is touched.
    pub fn remove(&self, id: &str) -> Result<(), ErrorInfo> {
        let parts = &self.parts;
        // Under the store's lock: should the sealed file not go, the metadata stays and the person can retry.
        parts.connections.store.update(|records| {
            let before = records.len();
            records.retain(|r| r.info.id != id);
            if records.len() == before {
                return Err(not_found(id));
            }
            Ok(parts.vault.remove(id)?)
        })?;
        let _ = parts.connections.health.remove(id);
        parts.locks.remove(id);
        parts.previews.forget(id);
        parts.registry.refresh();
        Ok(())
    }

    /// The vault key is gone for good (a reset keychain): set the sealed files it opened aside and make a new
    /// key, under the store's lock. Connections stay listed and need Fix. Returns where the old files went.
    /// Only on the person's word (`patchbay reset-vault`): see [`crate::vault::missing_key_with_sealed_files`].
    pub fn reset_vault(&self) -> Result<Option<std::path::PathBuf>, ErrorInfo> {
        let _lock = self.parts.connections.store.lock()?;
        Ok(self.parts.vault.start_new_key()?)
    }

    // ---- tokens --------------------------------------------------------------------------------------------

    /// An access token for connection `id`, valid for at least five more minutes.
    pub async fn access_token(&self, id: &str) -> Result<AccessToken, RefreshError> {
        self.parts.tokens.access_token(id).await
    }

    /// An access token under `policy` (see [`TokenManager::token_with`]).
    pub async fn token_with(
        &self,
        id: &str,
        policy: TokenPolicy,
    ) -> Result<AccessToken, RefreshError> {
        self.parts.tokens.token_with(id, policy).await
    }

    /// Replace a bring-your-own connection's client secret without signing in again; it is tried at once.
    pub async fn update_client_secret(
        &self,
        id: &str,
        secret: SecretString,
        expires_on: Option<String>,
    ) -> Result<ConnectionSummary, ErrorInfo> {
        self.parts
            .tokens
            .update_client_secret(id, secret, expires_on)
            .await
    }

    // ---- health --------------------------------------------------------------------------------------------

    /// Check one connection now. `Err` only when it does not exist or its status cannot be read.
    pub async fn check_connection(
        &self,
        id: &str,
        options: CheckOptions,
    ) -> Result<CheckOutcome, ErrorInfo> {
        self.parts.health.check_connection(id, options).await
    }

    /// Check many connections, at most `concurrency` at once. Unknown ids come back as errors in place.
    pub async fn check_connections(
        &self,
        ids: &[String],
        options: CheckOptions,
        concurrency: usize,
    ) -> Vec<Result<CheckOutcome, ErrorInfo>> {
        self.parts
            .health
            .check_connections(ids, options, concurrency)
            .await
    }

    /// Keep this process's view current with every change, here or in another process, and publish an event per
    /// change ([`Patchbay::subscribe`]): a window that runs no checks of its own. A second call does nothing.
    pub fn start_watching(&self) {
        self.parts.health.start_watching()
    }

    /// Start the background work of a long-running process: the watcher of the data folder and the health
    /// monitor. Both stop with [`Patchbay::shutdown`]. A second call does nothing.
    pub fn start_background(&self, config: MonitorConfig) {
        self.parts.health.start_background(config)
    }

    /// Check every connection now, in the background, shown as checking until done (by the monitor when this
    /// process runs one).
    pub fn check_all_now(&self) {
        self.parts.health.check_all_now()
    }

    /// Check these connections now (see [`Patchbay::check_all_now`]).
    pub fn check_now(&self, ids: Vec<String>) {
        self.parts.health.check_now(ids)
    }

    // ---- sign-in -------------------------------------------------------------------------------------------

    /// Check a request by the rules a sign-in applies, before anything happens (see
    /// [`crate::connect::check_request`]).
    pub fn check_request(&self, req: &ConnectRequest) -> Result<(), ErrorInfo> {
        crate::connect::check_request(&self.parts.config, &self.parts.catalogue, req)
    }

    /// Sign in and create a connection. Progress goes to `events`; `cancel` stops it at any point.
    pub async fn connect(
        &self,
        req: ConnectRequest,
        options: ConnectOptions,
        flow_id: &str,
        events: &Events,
        cancel: CancellationToken,
    ) -> Result<ConnectionSummary, ErrorInfo> {
        self.parts
            .sign_ins
            .connect(req, options, flow_id, events, cancel)
            .await
    }

    /// Sign in again for an existing connection, as the same account.
    pub async fn fix(
        &self,
        req: FixRequest,
        options: ConnectOptions,
        flow_id: &str,
        events: &Events,
        cancel: CancellationToken,
    ) -> Result<ConnectionSummary, ErrorInfo> {
        self.parts
            .sign_ins
            .fix(req, options, flow_id, events, cancel)
            .await
    }

    /// Start a sign-in in the background (the app); returns its flow id at once.
    pub fn start_connect(
        &self,
        req: ConnectRequest,
        options: ConnectOptions,
        events: impl Fn(ConnectEvent) + Send + Sync + 'static,
    ) -> String {
        self.parts.sign_ins.start_connect(req, options, events)
    }

    /// Start the fix of a connection in the background; returns its flow id at once.
    pub fn start_fix(
        &self,
        req: FixRequest,
        options: ConnectOptions,
        events: impl Fn(ConnectEvent) + Send + Sync + 'static,
    ) -> String {
        self.parts.sign_ins.start_fix(req, options, events)
    }

    /// Cancel a sign-in in progress (unknown or finished ids are fine).
    pub fn cancel_connect(&self, flow_id: &str) {
        self.parts.sign_ins.cancel_connect(flow_id)
    }

    /// Hand a `patchbay://oauth/callback?...` deep link to the sign-in waiting for it.
    pub fn deliver_callback(&self, url: &str) -> Result<(), ErrorInfo> {
        self.parts.sign_ins.deliver_callback(url)
    }

    /// End sign-in `flow_id` with the error Microsoft showed on its own page (pasted by the person).
    pub fn report_sign_in_page_error(
        &self,
        flow_id: &str,
        text: &str,
    ) -> Result<ErrorInfo, ErrorInfo> {
        self.parts.sign_ins.report_sign_in_page_error(flow_id, text)
    }

    // ---- Graph for a person --------------------------------------------------------------------------------

    /// Graph as connection `id` (see [`ConnectionGraph`]): what `patchbay graph`, the checks and preview use.
    pub async fn graph(&self, id: &str) -> Result<ConnectionGraph, ErrorInfo> {
        self.parts.tokens.graph(id).await
    }

    // ---- AI assistants (`patchbay mcp`) ------------------------------------------------------------------

    /// What connection `id` would offer an AI assistant under each choice, and the configuration to paste.
    pub fn assistant_setup(
        &self,
        id: &str,
    ) -> Result<crate::agents::setup::AssistantSetup, ErrorInfo> {
        let connection = self.get(id)?;
        Ok(crate::agents::setup::assistant_setup(
            self.catalogue().get(&connection.connector_id).ok(),
            &connection,
            &crate::agents::setup::patchbay_command(),
            crate::agents::files::local::FilesDir::default_path().as_deref(),
        ))
    }

    /// What assistants wrote and sent through connection `id`, newest first.
    pub fn assistant_writes(
        &self,
        id: &str,
        limit: usize,
    ) -> Result<Vec<crate::agents::log::WriteRecord>, ErrorInfo> {
        crate::agents::log::WriteLog::new(&self.config().data_dir).recent(Some(id), limit)
    }

    /// The last preview of `id` fetched by this process, if any.
    pub fn cached_preview(&self, id: &str) -> Option<Preview> {
        self.parts.previews.cached_preview(id)
    }

    /// Fetch `id`'s preview: one `$batch` (one more only for a throttled or refused part).
    pub async fn preview(&self, id: &str, options: PreviewOptions) -> Result<Preview, ErrorInfo> {
        self.parts.previews.preview(id, options).await
    }

    /// The next page of section `section` of `id`'s preview (the catalogue's id), from Graph's `@odata.nextLink`
    /// as given: the section's content with that page's items. `days` is the agenda's.
    pub async fn more_preview(
        &self,
        id: &str,
        section: &str,
        next_link: &str,
        days: u32,
    ) -> Result<SectionContent, ErrorInfo> {
        self.parts.previews.more(id, section, next_link, days).await
    }

    /// The folder at `path` of `drive` (a library's id; `None`: the person's own OneDrive), from a files preview.
    pub async fn browse_files(
        &self,
        id: &str,
        drive: Option<&str>,
        path: &str,
    ) -> Result<FileList, ErrorInfo> {
        self.parts.previews.browse_files(id, drive, path).await
    }

    /// The next page of a folder shown by [`Patchbay::browse_files`], from Graph's `@odata.nextLink` as given.
    pub async fn more_files(&self, id: &str, next_link: &str) -> Result<FileList, ErrorInfo> {
        self.parts.previews.more_files(id, next_link).await
    }

    /// The document libraries of a SharePoint site the person follows, from a files preview.
    pub async fn site_libraries(&self, id: &str, site_id: &str) -> Result<Vec<Library>, ErrorInfo> {
        self.parts.previews.site_libraries(id, site_id).await
    }

    /// Chat `chat_id`'s newest messages, from a Teams preview (one `$batch` with the chat's members).
    pub async fn open_chat(&self, id: &str, chat_id: &str) -> Result<ChatPage, ErrorInfo> {
        self.parts.previews.open_chat(id, chat_id).await
    }

    /// The next (older) page of a chat shown by [`Patchbay::open_chat`], from Graph's `@odata.nextLink` as given.
    pub async fn more_chat(
        &self,
        id: &str,
        chat_id: &str,
        next_link: &str,
    ) -> Result<ChatPage, ErrorInfo> {
        self.parts.previews.more_chat(id, chat_id, next_link).await
    }

    /// The channels of a team the person is in, from a Teams preview.
    pub async fn team_channels(
        &self,
        id: &str,
        team_id: &str,
    ) -> Result<Vec<ChannelItem>, ErrorInfo> {
        self.parts.previews.team_channels(id, team_id).await
    }

    /// The person's latest chats, to pick one from (an automation's form).
    pub async fn chat_choices(&self, id: &str) -> Result<Vec<ChatItem>, ErrorInfo> {
        self.parts.previews.chat_choices(id).await
    }

    /// The teams the person is in, to pick one from (an automation's form).
    pub async fn team_choices(&self, id: &str) -> Result<Vec<TeamItem>, ErrorInfo> {
        self.parts.previews.team_choices(id).await
    }

    /// The next page of the inbox, from Graph's `@odata.nextLink` as given.
    pub async fn more_inbox(
        &self,
        id: &str,
        next_link: &str,
    ) -> Result<PreviewPage<InboxMessage>, ErrorInfo> {
        self.parts.previews.more_inbox(id, next_link).await
    }

    /// The next page of the agenda, from Graph's `@odata.nextLink` as given.
    pub async fn more_agenda(
        &self,
        id: &str,
        next_link: &str,
        days: u32,
    ) -> Result<PreviewPage<AgendaEvent>, ErrorInfo> {
        self.parts.previews.more_agenda(id, next_link, days).await
    }

    // ---- this computer -------------------------------------------------------------------------------------

    /// Check this computer (see [`Doctor::diagnose`]).
    pub async fn diagnose(&self) -> Vec<Check> {
        self.parts.doctor.diagnose().await
    }

    /// *Copy diagnostics*: what support needs, as plain text. Never a token or a secret: it is built from the
    /// summaries and checks, which hold none.
    pub async fn diagnostics_report(&self, app_version: &str) -> String {
        let checks = self.diagnose().await;
        crate::diagnose::report_text(app_version, &checks, self.list())
    }

    // ---- lifetime ------------------------------------------------------------------------------------------

    /// Run `work` as one of the core's tasks: it gets a cancellation token, and [`Patchbay::shutdown`] stops it
    /// and waits for it with the rest (the shell forwards events this way).
    pub fn spawn<F, Fut>(&self, work: F)
    where
        F: FnOnce(CancellationToken) -> Fut,
        Fut: std::future::Future<Output = ()> + Send + 'static,
    {
        self.parts.tasks.run(work);
    }

    /// Stop everything this core runs (sign-ins, monitor, watcher, sandbox) and wait up to `limit` for it.
    /// True when all of it ended in time.
    pub async fn shutdown(&self, limit: Duration) -> bool {
        self.parts.sign_ins.flows().cancel_all();
        let ended = self.parts.tasks.shutdown(limit).await;
        self.parts.sandbox.shutdown().await;
        ended
    }
}
