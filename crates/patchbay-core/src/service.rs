//! [`Patchbay`]: the one object the desktop shell and the CLI hold. It ties the catalogue, the store, the vault
//! and the OAuth flows together.

use crate::catalogue::{AuthType, Catalogue, Connector, ConnectorStatus};
use crate::config::CoreConfig;
use crate::diagnose::Check;
use crate::environment::{presets, Endpoints, EnvironmentId, EnvironmentPreset};
use crate::error::{ErrorCode, ErrorInfo};
use crate::model::{
    BuiltInApp, ConnectEvent, ConnectRequest, ConnectionStatus, ConnectionSummary, RedirectAdvice,
};
use crate::oauth::aad::{explain_provider_error, ErrorContext, ProviderError};
use crate::oauth::callback::{state_matches, CallbackParams, LoopbackListener, LoopbackRedirect};
use crate::oauth::discovery::Discovery;
use crate::oauth::id_token::validate_id_token;
use crate::oauth::token::{new_pkce, new_random_token, AuthorizeParams, TokenClient, TokenError};
use crate::secrets::ConnectionSecrets;
use crate::store::{ConnectionRecord, Store};
use crate::vault::{KeyStore, Keychain, Vault};
use secrecy::ExposeSecret;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;
use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;

/// The deep-link redirect URI (register it under "Mobile and desktop applications").
pub const DEEP_LINK_REDIRECT: &str = "patchbay://oauth/callback";

/// How a sign-in runs.
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    /// Open the system browser (the CLI's `--no-browser` and headless tests turn it off).
    pub open_browser: bool,
    /// Give up waiting for the browser after this long.
    pub timeout: Duration,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        Self {
            open_browser: true,
            timeout: Duration::from_secs(300),
        }
    }
}

struct PendingFlow {
    state: String,
    sender: Option<oneshot::Sender<CallbackParams>>,
    /// What the flow asked for, to explain an error the person copies from the sign-in page.
    ctx: ErrorContext,
    /// Ends the flow with an error the sign-in page showed (Microsoft never redirects back for some).
    abort: Option<oneshot::Sender<ErrorInfo>>,
}

/// The longest text [`Patchbay::report_sign_in_page_error`] looks at.
const MAX_PAGE_ERROR_TEXT: usize = 4000;

pub struct Patchbay {
    config: CoreConfig,
    catalogue: Catalogue,
    store: Store,
    vault: Vault,
    discovery: Discovery,
    http: reqwest::Client,
    pending: Mutex<HashMap<String, PendingFlow>>,
}

fn now_unix() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .expect("UTC time formats")
}

fn invalid(title: impl Into<String>, message: impl Into<String>) -> ErrorInfo {
    ErrorInfo::new(ErrorCode::InvalidInput, title, message)
}

/// `https://graph.microsoft.com/Mail.Read` and `mail.read` are the same scope.
fn scope_key(scope: &str) -> String {
    let short = if scope.contains("://") {
        scope.rsplit('/').next().unwrap_or(scope)
    } else {
        scope
    };
    short.to_ascii_lowercase()
}

/// How a redirect comes back.
enum Redirect {
    Loopback(LoopbackRedirect),
    DeepLink,
}

impl Patchbay {
    /// Patchbay with the OS keychain guarding the vault key.
    pub fn new(config: CoreConfig) -> Self {
        let keys = Box::new(Keychain::new(config.keychain_service.clone()));
        Self::with_key_store(config, keys)
    }

    /// Patchbay with another key store (unit tests use an in-memory one).
    pub fn with_key_store(config: CoreConfig, keys: Box<dyn KeyStore>) -> Self {
        let store = Store::new(config.data_dir.clone());
        let vault = Vault::new(config.data_dir.join("secrets"), keys);
        Self {
            config,
            catalogue: Catalogue::builtin(),
            store,
            vault,
            discovery: Discovery::default(),
            http: crate::oauth::http_client(),
            pending: Mutex::new(HashMap::new()),
        }
    }

    pub fn config(&self) -> &CoreConfig {
        &self.config
    }

    pub fn catalogue(&self) -> &Catalogue {
        &self.catalogue
    }

    pub fn environments(&self) -> Vec<EnvironmentPreset> {
        presets()
    }

    pub fn builtin_app(&self) -> &BuiltInApp {
        &self.config.builtin_app
    }

    /// The redirect URI to register for a bring-your-own app, and under which platform.
    pub fn redirect_advice(
        &self,
        redirect_uri: Option<&str>,
        confidential: bool,
    ) -> Result<RedirectAdvice, ErrorInfo> {
        let uri = redirect_uri
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .unwrap_or("http://localhost");
        if uri == DEEP_LINK_REDIRECT {
            return Ok(RedirectAdvice {
                redirect_uri: uri.into(),
                platform: "Mobile and desktop applications".into(),
                explanation: "The browser hands the sign-in back to Patchbay through its patchbay:// link. Public clients only (no secret).".into(),
            });
        }
        let redirect = LoopbackRedirect::parse(uri)?;
        let (platform, explanation) = if confidential {
            (
                "Web",
                "With a client secret, register it under Web. Microsoft ignores the port of http://localhost, so Patchbay can pick a free one each time.",
            )
        } else {
            (
                "Mobile and desktop applications",
                "Without a secret (a public client), register it under Mobile and desktop applications. Any port works for http://localhost.",
            )
        };
        Ok(RedirectAdvice {
            redirect_uri: redirect.to_register(),
            platform: platform.into(),
            explanation: explanation.into(),
        })
    }

    /// Every connection, newest last.
    pub fn list(&self) -> Result<Vec<ConnectionSummary>, ErrorInfo> {
        Ok(self.store.read()?.into_iter().map(|r| r.summary).collect())
    }

    pub fn get(&self, id: &str) -> Result<ConnectionSummary, ErrorInfo> {
        self.store
            .read()?
            .into_iter()
            .find(|r| r.summary.id == id)
            .map(|r| r.summary)
            .ok_or_else(|| not_found(id))
    }

    pub fn rename(&self, id: &str, name: &str) -> Result<ConnectionSummary, ErrorInfo> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 200 {
            return Err(invalid(
                "A connection needs a name.",
                "Use 1 to 200 characters.",
            ));
        }
        self.store.update(|records| {
            let record = records
                .iter_mut()
                .find(|r| r.summary.id == id)
                .ok_or_else(|| not_found(id))?;
            record.summary.name = name.to_string();
            Ok(record.summary.clone())
        })
    }

    /// Remove a connection: its metadata and its sealed secrets go; nothing else is touched.
    pub fn remove(&self, id: &str) -> Result<(), ErrorInfo> {
        // Both under the store's lock: should the sealed file not go, the metadata stays and the person can retry.
        self.store.update(|records| {
            let before = records.len();
            records.retain(|r| r.summary.id != id);
            if records.len() == before {
                return Err(not_found(id));
            }
            self.vault.remove(id)
        })
    }

    /// Check this computer: keychain, data folder, every connection's sealed secrets, the loopback listener, the
    /// browser and `patchbay://` links. Read-only, apart from creating the data folder when there is none.
    pub async fn diagnose(&self) -> Vec<Check> {
        const KEYCHAIN: &str = "Keychain";
        const DATA: &str = "Data folder";
        const SECRETS: &str = "Connections' secrets";
        let key = self.vault.key_present();
        let mut checks = vec![match &key {
            Ok(true) => Check::ok(
                "keychain",
                KEYCHAIN,
                "Your keychain works and holds Patchbay's vault key.",
            ),
            Ok(false) => Check::ok(
                "keychain",
                KEYCHAIN,
                "Your keychain works. Patchbay puts its vault key there at the first connection.",
            ),
            Err(e) => Check::from_error("keychain", KEYCHAIN, e),
        }];
        let dir = self.config.data_dir.display().to_string();
        let records = self.store.lock().and_then(|_lock| self.store.read());
        checks.push(match &records {
            Ok(records) => Check::ok(
                "data_dir",
                DATA,
                format!(
                    "Connections are kept in {dir} ({} connection{}).",
                    records.len(),
                    if records.len() == 1 { "" } else { "s" }
                ),
            ),
            Err(e) => Check::from_error("data_dir", DATA, e),
        });
        checks.push(match (&records, &key) {
            (Ok(records), _) if records.is_empty() => {
                Check::ok("secrets", SECRETS, "No connections yet.")
            }
            (Err(_), _) => Check::failed(
                "secrets",
                SECRETS,
                "Not checked: the list of connections cannot be read.",
                "Fix the data folder first (above).",
            ),
            (Ok(_), Err(_)) => Check::failed(
                "secrets",
                SECRETS,
                "Not checked: the keychain cannot be used, so no connection can refresh.",
                "Fix the keychain first (above).",
            ),
            (Ok(records), Ok(false)) => Check::failed(
                "secrets",
                SECRETS,
                format!(
                    "Patchbay's vault key is missing from the keychain, so none of the {} connections can be opened.",
                    records.len()
                ),
                "The keychain was reset or is a different one. Fix each connection by signing in again.",
            ),
            (Ok(records), Ok(true)) => self.check_sealed(records),
        });
        checks.push(crate::diagnose::check_loopback().await);
        checks.push(crate::diagnose::check_browser());
        checks.push(crate::diagnose::check_deep_link());
        checks
    }

    /// Open every connection's sealed secrets (nothing is shown or kept) and name those that do not open.
    fn check_sealed(&self, records: &[ConnectionRecord]) -> Check {
        let broken: Vec<String> = records
            .iter()
            .filter_map(|r| {
                let problem = match self.vault.open(&r.summary.id) {
                    Ok(Some(bytes)) => ConnectionSecrets::from_bytes(&bytes)
                        .err()
                        .map(|_| "damaged"),
                    Ok(None) => Some("missing"),
                    Err(_) => Some("cannot be opened"),
                };
                problem.map(|p| format!("\"{}\" ({p})", r.summary.name))
            })
            .collect();
        if broken.is_empty() {
            Check::ok(
                "secrets",
                "Connections' secrets",
                format!(
                    "All {} connection{} open with the vault key.",
                    records.len(),
                    if records.len() == 1 {
                        "'s secrets"
                    } else {
                        "s' secrets"
                    }
                ),
            )
        } else {
            Check::failed(
                "secrets",
                "Connections' secrets",
                format!(
                    "The secrets of {} of {} connections cannot be used: {}.",
                    broken.len(),
                    records.len(),
                    broken.join(", ")
                ),
                "Fix those connections by signing in again (as the same account), or remove them.",
            )
        }
    }

    /// Hand a `patchbay://oauth/callback?...` deep link to the sign-in waiting for it. A link whose state matches
    /// no pending sign-in is refused.
    pub fn deliver_callback(&self, url: &str) -> Result<(), ErrorInfo> {
        let refused = || {
            ErrorInfo::new(
                ErrorCode::StateMismatch,
                "This sign-in link does not belong to a sign-in Patchbay started.",
                "Patchbay ignored it. Start the connection again from Patchbay.",
            )
        };
        let parsed = url::Url::parse(url).map_err(|_| refused())?;
        let params = CallbackParams::from_url(&parsed).ok_or_else(refused)?;
        let mut pending = self.pending.lock().expect("pending flows");
        let flow = pending
            .values_mut()
            .find(|f| state_matches(&f.state, &params.state) && f.sender.is_some())
            .ok_or_else(refused)?;
        let _ = flow.sender.take().expect("checked above").send(params);
        Ok(())
    }

    /// Microsoft shows some errors on its own page and never redirects back (AADSTS50011 redirect URI mismatch,
    /// AADSTS700016 unknown app, …). The person pastes that page's text here: the sign-in `flow_id` ends with
    /// the error explained for exactly what it asked for, which is also returned. Text without an AADSTS code
    /// is refused and the sign-in keeps waiting.
    pub fn report_sign_in_page_error(
        &self,
        flow_id: &str,
        text: &str,
    ) -> Result<ErrorInfo, ErrorInfo> {
        let mut text = text.trim();
        if text.len() > MAX_PAGE_ERROR_TEXT {
            let mut end = MAX_PAGE_ERROR_TEXT;
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            text = &text[..end];
        }
        let mut pending = self.pending.lock().expect("pending flows");
        let flow = pending.get_mut(flow_id).ok_or_else(|| {
            ErrorInfo::new(
                ErrorCode::InvalidInput,
                "No sign-in is in progress.",
                "Start the connection again; if the browser shows an error, paste it while Patchbay waits.",
            )
        })?;
        let provider = ProviderError::new("sign_in_page", Some(text));
        let Some(code) = provider.aadsts() else {
            return Err(ErrorInfo::new(
                ErrorCode::InvalidInput,
                "There is no Microsoft error code in that text.",
                "Copy the line from the browser page that starts with AADSTS (for example \"AADSTS50011: The redirect URI …\") and paste it again.",
            ));
        };
        let first_line = text
            .lines()
            .find(|l| l.contains("AADSTS"))
            .unwrap_or(text)
            .trim();
        let error = explain_provider_error(&provider, &flow.ctx).with_detail(format!(
            "shown on the sign-in page: {}",
            clip(first_line, 300)
        ));
        tracing::info!(flow_id, code, "sign-in page error reported");
        if let Some(abort) = flow.abort.take() {
            let _ = abort.send(error.clone());
        }
        Ok(error)
    }

    fn resolve_endpoints(
        &self,
        req: &ConnectRequest,
        tenant: &str,
    ) -> Result<Endpoints, ErrorInfo> {
        let to_info = |e: crate::environment::EnvironmentError| {
            invalid("The environment is not complete.", e.to_string())
        };
        match (
            req.environment,
            req.authority.as_deref(),
            req.graph_url.as_deref(),
        ) {
            (_, Some(authority), Some(graph)) => {
                Endpoints::custom(authority, graph).map_err(to_info)
            }
            (EnvironmentId::Sandbox | EnvironmentId::Custom, _, _) => Err(invalid(
                "The environment is not complete.",
                "Give both the authority URL and the Graph base URL (in the app: Advanced; in the CLI: --authority and --graph-url).",
            )),
            (preset, _, _) => Endpoints::for_preset(preset, tenant).map_err(to_info),
        }
    }

    fn scopes_for(
        &self,
        connector: &Connector,
        req: &ConnectRequest,
    ) -> Result<Vec<String>, ErrorInfo> {
        if let Some(scopes) = req.scopes.as_ref().filter(|s| !s.is_empty()) {
            let mut all: Vec<String> = connector.base_scopes.clone();
            for s in scopes {
                if s.contains(char::is_whitespace) || s.is_empty() {
                    return Err(invalid(
                        "A scope is not valid.",
                        format!("{s:?} must be one word such as Mail.Read."),
                    ));
                }
                if !all.iter().any(|a| scope_key(a) == scope_key(s)) {
                    all.push(s.clone());
                }
            }
            return Ok(all);
        }
        match req.auth_type {
            AuthType::BuiltInApp => Ok(connector.default_scopes.clone()),
            AuthType::BringYourOwnApp => {
                let features: Vec<String> = match &req.features {
                    Some(f) => f.clone(),
                    None => connector
                        .features
                        .iter()
                        .filter(|f| f.default)
                        .map(|f| f.id.clone())
                        .collect(),
                };
                connector
                    .scopes_for_features(&features)
                    .map_err(|e| invalid("A feature is not known.", sentence(&e.to_string())))
            }
        }
    }

    /// Sign in and create a connection. Progress goes to `events`; `cancel` stops waiting at any point.
    pub async fn connect(
        &self,
        req: ConnectRequest,
        options: ConnectOptions,
        flow_id: &str,
        events: &(dyn Fn(ConnectEvent) + Send + Sync),
        cancel: CancellationToken,
    ) -> Result<ConnectionSummary, ErrorInfo> {
        // Cancel stops every step (discovery, waiting, the code exchange), not only the wait for the browser.
        let stop = cancel.clone();
        let result = tokio::select! {
            result = self.connect_inner(req, options, flow_id, events, cancel) => result,
            _ = stop.cancelled() => Err(cancelled()),
        };
        self.pending.lock().expect("pending flows").remove(flow_id);
        match &result {
            Ok(summary) => events(ConnectEvent::Connected {
                flow_id: flow_id.into(),
                connection: summary.clone(),
            }),
            Err(error) => events(ConnectEvent::Failed {
                flow_id: flow_id.into(),
                error: error.clone(),
            }),
        }
        result
    }

    async fn connect_inner(
        &self,
        req: ConnectRequest,
        options: ConnectOptions,
        flow_id: &str,
        events: &(dyn Fn(ConnectEvent) + Send + Sync),
        cancel: CancellationToken,
    ) -> Result<ConnectionSummary, ErrorInfo> {
        let connector = self
            .catalogue
            .get(&req.connector_id)
            .map_err(|e| invalid("Unknown connector.", sentence(&e.to_string())))?;
        if connector.status != ConnectorStatus::Available {
            return Err(invalid(
                format!("{} is coming soon.", connector.name),
                "Choose Microsoft Outlook 365 for now.",
            ));
        }
        let built_in = req.auth_type == AuthType::BuiltInApp;
        let client_id = if built_in {
            self.config.builtin_app.client_id.clone()
        } else {
            let id = req.client_id.as_deref().map(str::trim).unwrap_or_default();
            if id.is_empty() || id.contains(char::is_whitespace) || id.len() > 200 {
                return Err(invalid(
                    "Enter your app's client ID.",
                    "Copy the Application (client) ID from App registrations → your app → Overview.",
                ));
            }
            id.to_string()
        };
        let client_secret = if built_in {
            None
        } else {
            req.client_secret
                .clone()
                .filter(|s| !s.expose_secret().trim().is_empty())
        };
        let tenant = req
            .tenant
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .unwrap_or("organizations")
            .to_string();
        crate::environment::check_tenant(&tenant)
            .map_err(|e| invalid("The tenant is not valid.", e.to_string()))?;
        let endpoints = self.resolve_endpoints(&req, &tenant)?;
        let scopes = self.scopes_for(connector, &req)?;

        let redirect_text = if built_in {
            self.config.builtin_app.redirect_uri.clone()
        } else {
            req.redirect_uri
                .clone()
                .filter(|r| !r.trim().is_empty())
                .unwrap_or_else(|| "http://localhost".into())
        };
        let redirect = if redirect_text.trim() == DEEP_LINK_REDIRECT {
            Redirect::DeepLink
        } else {
            Redirect::Loopback(LoopbackRedirect::parse(&redirect_text)?)
        };
        let advice = self.redirect_advice(Some(&redirect_text), client_secret.is_some())?;
        let ctx = ErrorContext {
            authority: endpoints.authority.clone(),
            tenant: tenant.clone(),
            client_id: client_id.clone(),
            redirect_uri_to_register: advice.redirect_uri.clone(),
            redirect_platform: advice.platform.clone(),
            scopes: scopes.clone(),
            graph_url: endpoints.graph_url.clone(),
            built_in_app: built_in,
        };

        let metadata = self.discovery.get(&self.http, &endpoints.authority).await?;
        // Make sure the keychain works before the person signs in, not after.
        {
            let _lock = self.store.lock()?;
            self.vault.ensure_key()?;
        }
        let state = new_random_token();
        let nonce = new_random_token();
        let (challenge, verifier) = new_pkce();

        let (mut listener, redirect_uri) = match &redirect {
            Redirect::Loopback(loopback) => {
                let listener = LoopbackListener::bind(loopback, state.clone()).await?;
                let uri = listener.redirect_uri().to_string();
                (Some(listener), uri)
            }
            Redirect::DeepLink => (None, DEEP_LINK_REDIRECT.to_string()),
        };
        let (deep_tx, deep_rx) = oneshot::channel();
        let (abort_tx, abort_rx) = oneshot::channel();
        self.pending.lock().expect("pending flows").insert(
            flow_id.to_string(),
            PendingFlow {
                state: state.clone(),
                sender: Some(deep_tx),
                ctx: ctx.clone(),
                abort: Some(abort_tx),
            },
        );

        let client = TokenClient::new(
            &metadata,
            &client_id,
            client_secret.as_ref(),
            Some(&redirect_uri),
            self.http.clone(),
        )?;
        let auth_url = client.authorize_url(AuthorizeParams {
            scopes: &scopes,
            state: &state,
            nonce: &nonce,
            pkce_challenge: challenge,
            // Always let the person pick the account, so the browser's current one is never bound silently —
            // where the provider supports it (Microsoft and the sandbox do without saying so).
            prompt: supports_select_account(&metadata, req.environment).then_some("select_account"),
            login_hint: None,
        });
        let opened = options.open_browser && open_browser(auth_url.as_str());
        if options.open_browser && !opened {
            tracing::warn!("the system browser could not be opened; the person can copy the link");
        }
        events(ConnectEvent::WaitingForBrowser {
            flow_id: flow_id.into(),
            auth_url: auth_url.to_string(),
            redirect_uri: redirect_uri.clone(),
            opened,
        });

        let from_loopback = async {
            match listener.as_mut() {
                Some(l) => l.wait().await,
                None => std::future::pending().await,
            }
        };
        let params = tokio::select! {
            Some(params) = from_loopback => params,
            Ok(params) = deep_rx => params,
            Ok(error) = abort_rx => return Err(error),
            _ = cancel.cancelled() => {
                return Err(cancelled());
            }
            _ = tokio::time::sleep(options.timeout) => {
                return Err(timed_out(options.timeout, &ctx));
            }
        };
        drop(listener);

        if let Some(error) = &params.error {
            let provider = ProviderError::new(error, params.error_description.as_deref());
            return Err(explain_provider_error(&provider, &ctx));
        }
        // RFC 9207: a provider that announces `iss` must send its own; any `iss` must be this provider's.
        match &params.iss {
            Some(iss) if !metadata.matches_issuer(iss) => {
                return Err(ErrorInfo::new(
                    ErrorCode::StateMismatch,
                    "The sign-in came back from a different sign-in service.",
                    "Patchbay refused it to protect your account. Start again.",
                )
                .with_detail(format!("iss {iss:?} is not {:?}", metadata.issuer)));
            }
            None if metadata.authorization_response_iss_parameter_supported => {
                return Err(ErrorInfo::new(
                    ErrorCode::StateMismatch,
                    "The sign-in response is missing its issuer.",
                    "Patchbay refused it to protect your account. Start again.",
                ));
            }
            _ => {}
        }
        let code = params.code.clone().ok_or_else(|| {
            ErrorInfo::new(
                ErrorCode::ProviderError,
                "The sign-in came back without a code.",
                "Start again.",
            )
        })?;

        events(ConnectEvent::Exchanging {
            flow_id: flow_id.into(),
        });
        let tokens = client
            .exchange_code(code, verifier)
            .await
            .map_err(|e| match e {
                TokenError::Provider(p) => explain_provider_error(&p, &ctx),
                TokenError::Other(info) => info,
            })?;
        let id_token = tokens.id_token.as_ref().ok_or_else(|| {
            ErrorInfo::new(
                ErrorCode::ProviderError,
                "The sign-in service did not say who signed in (no ID token).",
                "Make sure the openid scope is allowed for the app.",
            )
        })?;
        let claims = validate_id_token(
            id_token.expose_secret(),
            &metadata,
            &client_id,
            &nonce,
            now_unix(),
        )?;
        if let Some(iss) = &params.iss {
            if iss != &claims.iss {
                return Err(ErrorInfo::new(
                    ErrorCode::StateMismatch,
                    "The sign-in's issuer changed between the browser and the token.",
                    "Patchbay refused it to protect your account. Start again.",
                ));
            }
        }
        let Some(refresh_token) = tokens.refresh_token else {
            return Err(ErrorInfo::new(
                ErrorCode::InvalidScope,
                "The sign-in service gave no refresh token, so the connection would stop within the hour.",
                "Make sure the offline_access permission is allowed for the app (an administrator may need to approve it), then connect again.",
            ));
        };

        // Requested versus granted (no `scope` in the answer means all were granted, RFC 6749 §5.1).
        let granted_raw = tokens.scopes.clone().unwrap_or_else(|| scopes.clone());
        let granted_keys: Vec<String> = granted_raw.iter().map(|s| scope_key(s)).collect();
        let is_granted = |s: &String| {
            let key = scope_key(s);
            granted_keys.contains(&key)
                || (key == "offline_access")
                || matches!(key.as_str(), "openid" | "profile" | "email")
        };
        let scopes_granted: Vec<String> =
            scopes.iter().filter(|s| is_granted(s)).cloned().collect();
        let scopes_missing: Vec<String> =
            scopes.iter().filter(|s| !is_granted(s)).cloned().collect();
        let missing_keys: Vec<String> = scopes_missing.iter().map(|s| scope_key(s)).collect();
        let features_unavailable: Vec<String> = connector
            .features
            .iter()
            .filter(|f| {
                f.scopes
                    .iter()
                    .any(|s| missing_keys.contains(&scope_key(s)))
            })
            .map(|f| f.label.clone())
            .collect();

        let account = claims.account();
        let named = req.name.as_deref().is_some_and(|n| !n.trim().is_empty());
        let id = uuid::Uuid::new_v4().to_string();
        let now = now_rfc3339();
        let summary = ConnectionSummary {
            id: id.clone(),
            name: req
                .name
                .clone()
                .map(|n| n.trim().to_string())
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| {
                    if account.email.is_empty() {
                        account.name.clone()
                    } else {
                        account.email.clone()
                    }
                }),
            connector_id: connector.id.clone(),
            environment: req.environment,
            authority: endpoints.authority.to_string(),
            graph_url: endpoints.graph_url.to_string(),
            auth_type: req.auth_type,
            tenant,
            client_id,
            account,
            scopes_requested: scopes,
            scopes_granted,
            scopes_missing,
            features_unavailable,
            status: ConnectionStatus::Connected,
            status_reason: None,
            created_at: now.clone(),
            last_refreshed_at: now,
        };
        let secrets = ConnectionSecrets {
            refresh_token: Some(refresh_token),
            client_secret,
            access_token: Some(tokens.access_token),
            access_expires_at: Some(tokens.expires_at),
        };
        let record = ConnectionRecord {
            summary,
            redirect_uri: redirect_text,
            has_client_secret: secrets.client_secret.is_some(),
        };
        // Seal first, then record: a crash in between leaves an orphan sealed file, never a connection without
        // its secrets. Both happen under the store lock, which also guards creating the vault key.
        let summary = self.store.update(|records| {
            let mut record = record;
            // A second connection for the same account gets "email (2)", unless the person named it.
            if !named {
                record.summary.name = unique_name(&record.summary.name, records);
            }
            self.vault.seal(&id, &secrets.seal_bytes())?;
            let summary = record.summary.clone();
            records.push(record);
            Ok(summary)
        })?;
        tracing::info!(connection = %id, "connected");
        Ok(summary)
    }
}

/// `name`, or `name (2)`, `name (3)`… whichever no connection has yet.
fn unique_name(name: &str, records: &[ConnectionRecord]) -> String {
    let taken = |candidate: &str| records.iter().any(|r| r.summary.name == candidate);
    if !taken(name) {
        return name.to_string();
    }
    (2..)
        .map(|n| format!("{name} ({n})"))
        .find(|candidate| !taken(candidate))
        .expect("an unused name")
}

/// Whether to send `prompt=select_account`: when discovery lists it, or for Microsoft's clouds and the sandbox
/// (whose discovery documents do not list prompt values).
fn supports_select_account(
    metadata: &crate::oauth::ProviderMetadata,
    environment: EnvironmentId,
) -> bool {
    match &metadata.prompt_values_supported {
        Some(values) => values.iter().any(|v| v == "select_account"),
        None => {
            let microsoft_host = metadata.authorization_endpoint.host_str().is_some_and(|h| {
                [
                    "login.microsoftonline.com",
                    "login.microsoftonline.us",
                    "login.chinacloudapi.cn",
                    "login.partner.microsoftonline.cn",
                ]
                .contains(&h)
            });
            environment != EnvironmentId::Custom || microsoft_host
        }
    }
}

/// Open the system browser. `$BROWSER` (the usual Unix convention, first entry of a `:` list) wins over the
/// platform's default handler.
fn open_browser(url: &str) -> bool {
    match browser_override() {
        Some(command) => std::process::Command::new(command)
            .arg(url)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            // Reap it when it exits, so no zombie is left behind.
            .map(|mut child| std::thread::spawn(move || child.wait()))
            .is_ok(),
        None => open::that_detached(url).is_ok(),
    }
}

/// The command `$BROWSER` names (its first non-empty `:`-separated entry), if any.
pub(crate) fn browser_override() -> Option<String> {
    std::env::var("BROWSER")
        .ok()?
        .split(':')
        .map(str::trim)
        .find(|c| !c.is_empty())
        .map(String::from)
}

/// Library errors start in lower case; a message to a person starts with a capital.
fn sentence(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// No sign-in came back in time. Microsoft shows some errors on its own page without redirecting back, so
/// the message names the fix for the two a person most likely saw there.
fn timed_out(timeout: Duration, ctx: &ErrorContext) -> ErrorInfo {
    ErrorInfo::new(
        ErrorCode::Timeout,
        format!("No sign-in arrived within {}.", minutes(timeout)),
        format!(
            "Start again and finish signing in in the browser (or copy the link into your browser). If the browser showed AADSTS50011, \
             add the redirect URI {} under the platform \"{}\" of the app registration; if it showed AADSTS700016, check the client ID {} \
             and the tenant \"{}\".",
            ctx.redirect_uri_to_register, ctx.redirect_platform, ctx.client_id, ctx.tenant
        ),
    )
}

fn clip(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_string(),
    }
}

fn cancelled() -> ErrorInfo {
    ErrorInfo::new(
        ErrorCode::Cancelled,
        "Sign-in was cancelled.",
        "Nothing was changed.",
    )
}

fn minutes(duration: Duration) -> String {
    match duration.as_secs().div_ceil(60) {
        1 => "1 minute".to_string(),
        n => format!("{n} minutes"),
    }
}

fn not_found(id: &str) -> ErrorInfo {
    ErrorInfo::new(
        ErrorCode::NotFound,
        format!("There is no connection {id}."),
        "It may have been removed in another window or by the CLI. Run `patchbay list` to see the connections.",
    )
}
