//! [`Patchbay`]: the one object the desktop shell and the CLI hold. Cheap to clone (background tasks hold a
//! clone); the work itself lives in the modules named after it: [`crate::connect`] signs in,
//! [`crate::tokens`] keeps tokens fresh, [`crate::health`] checks and watches, [`crate::diagnose`] checks this
//! computer. Here: the list of connections and what is done to it.

use crate::catalogue::{AuthType, Catalogue};
use crate::clock;
use crate::config::CoreConfig;
use crate::connect::Flows;
/// Where the connect API used to live; kept so callers (and tests) keep their paths.
pub use crate::connect::{ConnectOptions, DEEP_LINK_REDIRECT};
use crate::environment::{presets, Endpoints, EnvironmentPreset};
use crate::error::{ErrorCode, ErrorInfo};
use crate::events::{CoreEvent, EventBus};
use crate::health::monitor::MonitorControl;
use crate::health::record::{effective, HealthRecord, HealthStore};
use crate::health::Registry;
use crate::model::{BuiltInApp, ConnectionSummary, RedirectAdvice};
use crate::oauth::discovery::Discovery;
use crate::sandbox_host::SandboxHost;
use crate::store::{ConnectionRecord, Store};
use crate::tasks::Tasks;
use crate::tokens::lock::ConnectionLocks;
use crate::tokens::RefreshError;
use crate::vault::{KeyStore, Keychain, Vault};
use secrecy::{ExposeSecret, SecretString};
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast;

#[derive(Clone)]
pub struct Patchbay {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub config: CoreConfig,
    pub catalogue: Catalogue,
    pub store: Store,
    pub vault: Vault,
    pub health: HealthStore,
    pub discovery: Discovery,
    pub http: reqwest::Client,
    pub flows: Flows,
    pub tasks: Tasks,
    pub events: EventBus,
    pub locks: ConnectionLocks,
    pub sandbox: SandboxHost,
    pub registry: Registry,
    pub monitor: MonitorControl,
    pub previews: crate::preview::PreviewCache,
}

/// There is no such connection.
pub(crate) fn not_found(id: &str) -> ErrorInfo {
    ErrorInfo::new(
        ErrorCode::NotFound,
        format!("There is no connection {id}."),
        "It may have been removed in another window or by the CLI. Run `patchbay list` to see the connections.",
    )
}

fn invalid(title: impl Into<String>, message: impl Into<String>) -> ErrorInfo {
    ErrorInfo::new(ErrorCode::InvalidInput, title, message)
}

/// A connection as the UI and the CLI see it: what is kept about it, and where it stands.
pub(crate) fn summarize(
    record: ConnectionRecord,
    health: HealthRecord,
    now: i64,
    checking: bool,
) -> ConnectionSummary {
    let (status, status_reason) = effective(&record, &health, now, checking);
    let last_refreshed_at = health
        .refreshed_at
        .clone()
        .unwrap_or_else(|| record.info.created_at.clone());
    ConnectionSummary {
        checked_at: health.checked_at,
        last_refreshed_at,
        unreachable_since: health.unreachable_since,
        last_error: health.last_error,
        ..ConnectionSummary::new(record.info, status, status_reason)
    }
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
        Self {
            inner: Arc::new(Inner {
                catalogue: Catalogue::builtin(),
                store: Store::new(dir.clone()),
                vault: Vault::new(dir.join("secrets"), keys),
                health: HealthStore::new(&dir),
                discovery: Discovery::default(),
                http: crate::oauth::http_client(),
                flows: Flows::default(),
                tasks: Tasks::default(),
                events: EventBus::default(),
                locks: ConnectionLocks::new(&dir),
                sandbox: SandboxHost::new(&dir),
                registry: Registry::default(),
                monitor: MonitorControl::default(),
                previews: Default::default(),
                config,
            }),
        }
    }

    pub fn config(&self) -> &CoreConfig {
        &self.inner.config
    }

    pub fn catalogue(&self) -> &Catalogue {
        &self.inner.catalogue
    }

    pub fn environments(&self) -> Vec<EnvironmentPreset> {
        presets()
    }

    pub fn builtin_app(&self) -> &BuiltInApp {
        &self.inner.config.builtin_app
    }

    /// The in-process sandbox (started on first use of the Sandbox environment).
    pub fn sandbox(&self) -> &SandboxHost {
        &self.inner.sandbox
    }

    /// The core's events: connections added, removed or renamed, statuses changed (see [`CoreEvent`]).
    pub fn subscribe(&self) -> broadcast::Receiver<CoreEvent> {
        self.inner.events.subscribe()
    }

    /// The redirect URI to register for a bring-your-own app, and under which platform.
    pub fn redirect_advice(
        &self,
        redirect_uri: Option<&str>,
        confidential: bool,
    ) -> Result<RedirectAdvice, ErrorInfo> {
        crate::connect::redirect_advice(redirect_uri, confidential)
    }

    /// Every connection, oldest first, with its status.
    pub fn list(&self) -> Result<Vec<ConnectionSummary>, ErrorInfo> {
        self.summaries(&self.inner.registry.checking())
    }

    pub(crate) fn summaries(
        &self,
        checking: &HashSet<String>,
    ) -> Result<Vec<ConnectionSummary>, ErrorInfo> {
        let now = clock::now_unix();
        Ok(self
            .inner
            .store
            .read()?
            .into_iter()
            .map(|r| {
                let health = self.inner.health.read(&r.info.id);
                let busy = checking.contains(&r.info.id);
                summarize(r, health, now, busy)
            })
            .collect())
    }

    pub fn get(&self, id: &str) -> Result<ConnectionSummary, ErrorInfo> {
        let record = self.record(id)?;
        let health = self.inner.health.read(id);
        let busy = self.inner.registry.checking().contains(id);
        Ok(summarize(record, health, clock::now_unix(), busy))
    }

    /// What is kept about a connection.
    pub(crate) fn record(&self, id: &str) -> Result<ConnectionRecord, ErrorInfo> {
        self.inner
            .store
            .read_shared()?
            .iter()
            .find(|r| r.info.id == id)
            .cloned()
            .ok_or_else(|| not_found(id))
    }

    /// Where a connection signs in and where its Graph is. A hosted sandbox connection asks the sandbox, whose
    /// port changes from run to run.
    pub(crate) async fn endpoints_for(
        &self,
        record: &ConnectionRecord,
    ) -> Result<Endpoints, ErrorInfo> {
        if record.hosted_sandbox {
            return self.inner.sandbox.endpoints(&record.info.tenant).await;
        }
        Endpoints::custom(&record.info.authority, &record.info.graph_url).map_err(|e| {
            ErrorInfo::new(
                ErrorCode::Storage,
                "A connection's saved endpoints are not valid.",
                "Remove the connection and add it again.",
            )
            .with_detail(e.to_string())
        })
    }

    pub fn rename(&self, id: &str, name: &str) -> Result<ConnectionSummary, ErrorInfo> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 200 {
            return Err(invalid(
                "A connection needs a name.",
                "Use 1 to 200 characters.",
            ));
        }
        self.inner.store.update(|records| {
            let record = records
                .iter_mut()
                .find(|r| r.info.id == id)
                .ok_or_else(|| not_found(id))?;
            record.info.name = name.to_string();
            Ok(())
        })?;
        self.connections_may_have_changed();
        self.get(id)
    }

    /// The vault key is gone for good (a reset keychain): set the sealed files it opened aside and make a new
    /// key, under the store's lock. Connections stay listed and need Fix. Returns where the old files went.
    /// Only on the person's word (`patchbay reset-vault`): see [`crate::vault::missing_key_with_sealed_files`].
    pub fn reset_vault(&self) -> Result<Option<std::path::PathBuf>, ErrorInfo> {
        let _lock = self.inner.store.lock()?;
        self.inner.vault.start_new_key()
    }

    /// Remove a connection: its metadata, sealed secrets and status go; nothing else is touched.
    pub fn remove(&self, id: &str) -> Result<(), ErrorInfo> {
        // Under the store's lock: should the sealed file not go, the metadata stays and the person can retry.
        self.inner.store.update(|records| {
            let before = records.len();
            records.retain(|r| r.info.id != id);
            if records.len() == before {
                return Err(not_found(id));
            }
            self.inner.vault.remove(id)
        })?;
        let _ = self.inner.health.remove(id);
        self.inner.locks.remove(id);
        self.inner.previews.forget(id);
        self.connections_may_have_changed();
        Ok(())
    }

    /// Replace a bring-your-own connection's client secret without signing in again (its old one expired or was
    /// wrong). The new secret is tried at once with a refresh; when Microsoft rejects it too, the old one is kept
    /// and the error says so. When Microsoft cannot be reached, the new secret is kept and checked later.
    pub async fn update_client_secret(
        &self,
        id: &str,
        secret: SecretString,
        expires_on: Option<String>,
    ) -> Result<ConnectionSummary, ErrorInfo> {
        let record = self.record(id)?;
        if record.info.auth_type != AuthType::BringYourOwnApp {
            return Err(invalid(
                "This connection signs in with Patchbay's built-in app, which has no client secret.",
                "Choose Fix to sign in again instead.",
            ));
        }
        let secret = SecretString::from(secret.expose_secret().trim().to_string());
        if secret.expose_secret().is_empty() {
            return Err(invalid(
                "The client secret is empty.",
                "Paste the secret's Value from App registrations → your app → Certificates & secrets.",
            ));
        }
        let expires_on = match expires_on
            .as_deref()
            .map(str::trim)
            .filter(|d| !d.is_empty())
        {
            Some(day) => Some(crate::connect::plan::parse_day(day)?),
            None => None,
        };
        let result = {
            let _guard = self.inner.locks.acquire(id).await?;
            let mut secrets = self.open_secrets(id).map_err(|e| match e {
                RefreshError::Local(info) => info,
                _ => ErrorInfo::new(
                    ErrorCode::RefreshTokenRevoked,
                    "This connection's sign-in is missing on this computer, so a new secret alone cannot fix it.",
                    "Choose Fix and sign in again (you can enter the new secret there).",
                ),
            })?;
            secrets.client_secret = Some(secret);
            let result = self.refresh_with(&record, secrets.clone()).await;
            if matches!(result, Err(RefreshError::Unreachable(_))) {
                // Keep the secret the person gave; the next check tries it.
                self.reseal(id, &secrets).await?;
            }
            result
        };
        match result {
            Ok(_) | Err(RefreshError::Unreachable(_)) => {
                self.inner.store.update(|records| {
                    if let Some(r) = records.iter_mut().find(|r| r.info.id == id) {
                        r.info.has_client_secret = true;
                        r.info.client_secret_expires_on = expires_on.clone();
                    }
                    Ok(())
                })?;
                self.connections_may_have_changed();
                self.status_may_have_changed(id);
                self.get(id)
            }
            Err(e @ RefreshError::AppCredentialsInvalid { .. }) => {
                let info = e.to_error_info();
                Err(ErrorInfo {
                    title: "Microsoft rejected the new client secret; the old one is kept.".into(),
                    ..info
                })
            }
            // Not about the secret (a revoked sign-in, the keychain, a removal): say what it was.
            Err(e) => Err(e.to_error_info()),
        }
    }

    /// Force a refresh with these secrets (under the connection's lock, which the caller holds), recording the
    /// outcome in the connection's status.
    async fn refresh_with(
        &self,
        record: &ConnectionRecord,
        secrets: crate::secrets::ConnectionSecrets,
    ) -> Result<crate::tokens::AccessToken, RefreshError> {
        let result = self.refresh_locked(record, secrets).await;
        self.note_refresh(&record.info.id, &result);
        result
    }

    /// Something about this connection may have changed: the running app publishes it.
    pub(crate) fn status_may_have_changed(&self, id: &str) {
        self.inner.registry.refresh_one(self, id);
    }

    /// The list may have changed: the running app publishes it.
    pub(crate) fn connections_may_have_changed(&self) {
        self.inner.registry.refresh(self);
    }

    /// Run `work` as one of the core's tasks: it gets a cancellation token, and [`Patchbay::shutdown`] stops it
    /// and waits for it with the rest (the shell forwards events this way).
    pub fn spawn<F, Fut>(&self, work: F)
    where
        F: FnOnce(tokio_util::sync::CancellationToken) -> Fut,
        Fut: std::future::Future<Output = ()> + Send + 'static,
    {
        self.inner.tasks.run(work);
    }

    /// Stop everything this core runs (sign-ins, monitor, watcher, sandbox) and wait up to `limit` for it.
    /// True when all of it ended in time.
    pub async fn shutdown(&self, limit: Duration) -> bool {
        self.inner.flows.cancel_all();
        let ended = self.inner.tasks.shutdown(limit).await;
        self.inner.sandbox.shutdown().await;
        ended
    }
}
