//! The types that cross the IPC boundary and the CLI's `--json` output. None of them holds a token: a connection
//! is described by a summary, never by its secrets. TypeScript bindings are generated from these (see
//! `tests/bindings.rs`).

use crate::catalogue::AuthType;
use crate::environment::EnvironmentId;
use crate::error::ErrorInfo;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The Microsoft account a connection acts as (taken from the ID token).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Account {
    /// Object ID of the user in their tenant (`oid`).
    pub oid: String,
    /// Tenant ID (`tid`).
    pub tid: String,
    pub name: String,
    /// `email`, or `preferred_username` when there is no email claim.
    pub email: String,
}

/// Where a connection stands, as a person sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ConnectionStatus {
    /// The last check got a token and Graph accepted it.
    Healthy,
    /// A check is under way (the running app only).
    Checking,
    /// Microsoft no longer accepts the sign-in (revoked, expired, password changed, MFA or Conditional Access,
    /// consent withdrawn) or this computer lost it: sign in again as the same account.
    NeedsReconnect,
    /// The bring-your-own app's secret is wrong or expired, or the app is gone.
    AppCredentialsInvalid,
    /// Microsoft could not be reached (offline, throttled, an outage). Never means broken.
    Unreachable,
    /// Working, but about to break: not renewed for 80 days, or the app's secret expires within 14 days.
    AtRisk,
    /// This computer cannot tell: the connection's secrets cannot be opened here (the keychain locked, its
    /// vault key missing or another one, the disk), or there is no record of its last check. Never its last
    /// status instead: every use would fail while it showed healthy.
    CantCheck,
}

impl ConnectionStatus {
    pub const ALL: [ConnectionStatus; 7] = [
        ConnectionStatus::Healthy,
        ConnectionStatus::Checking,
        ConnectionStatus::NeedsReconnect,
        ConnectionStatus::AppCredentialsInvalid,
        ConnectionStatus::CantCheck,
        ConnectionStatus::AtRisk,
        ConnectionStatus::Unreachable,
    ];

    /// Its stable code: what `--json` prints and IPC carries (`needs_reconnect`).
    pub fn code(self) -> &'static str {
        match self {
            ConnectionStatus::Healthy => "healthy",
            ConnectionStatus::Checking => "checking",
            ConnectionStatus::NeedsReconnect => "needs_reconnect",
            ConnectionStatus::AppCredentialsInvalid => "app_credentials_invalid",
            ConnectionStatus::Unreachable => "unreachable",
            ConnectionStatus::AtRisk => "at_risk",
            ConnectionStatus::CantCheck => "cant_check",
        }
    }

    /// In words, inside a sentence: the tray's menu, notifications, the CLI's tables ("needs reconnect").
    pub fn words(self) -> &'static str {
        match self {
            ConnectionStatus::Healthy => "healthy",
            ConnectionStatus::Checking => "checking",
            ConnectionStatus::NeedsReconnect => "needs reconnect",
            ConnectionStatus::AppCredentialsInvalid => "app credentials invalid",
            ConnectionStatus::Unreachable => "unreachable",
            ConnectionStatus::AtRisk => "at risk",
            ConnectionStatus::CantCheck => "can't check",
        }
    }

    /// As a badge on its own ("Needs reconnect").
    pub fn label(self) -> &'static str {
        match self {
            ConnectionStatus::Healthy => "Healthy",
            ConnectionStatus::Checking => "Checking…",
            ConnectionStatus::NeedsReconnect => "Needs reconnect",
            ConnectionStatus::AppCredentialsInvalid => "App credentials invalid",
            ConnectionStatus::Unreachable => "Unreachable",
            ConnectionStatus::AtRisk => "At risk",
            ConnectionStatus::CantCheck => "Can't check",
        }
    }

    /// Broken: only a person can mend it (sign in again, a new client secret, or the keychain unlocked).
    /// Unreachable never is.
    pub fn is_broken(self) -> bool {
        matches!(
            self,
            ConnectionStatus::NeedsReconnect
                | ConnectionStatus::AppCredentialsInvalid
                | ConnectionStatus::CantCheck
        )
    }

    /// Needs the person, now (broken) or soon (at risk): what the tray flags and a notification announces.
    pub fn needs_attention(self) -> bool {
        self.is_broken() || self == ConnectionStatus::AtRisk
    }
}

/// What mends a connection that needs attention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum FixKind {
    /// Sign in again as the same account (Fix).
    Reconnect,
    /// Give the bring-your-own app a new client secret (Update client secret): no new sign-in.
    Secret,
}

/// What is kept about a connection (in `connections.json`): everything but its status and its secrets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ConnectionInfo {
    pub id: String,
    /// Editable; defaults to the account's email.
    pub name: String,
    pub connector_id: String,
    pub environment: EnvironmentId,
    pub authority: String,
    pub graph_url: String,
    pub auth_type: AuthType,
    pub tenant: String,
    pub client_id: String,
    /// Who the connection acts as: anything done through it is done as this user.
    pub account: Account,
    pub scopes_requested: Vec<String>,
    pub scopes_granted: Vec<String>,
    /// Requested scopes Microsoft did not grant.
    pub scopes_missing: Vec<String>,
    /// Labels of the connector's features that cannot work with the granted scopes.
    pub features_unavailable: Vec<String>,
    /// Whether a client secret is sealed for this connection (bring-your-own confidential apps).
    #[serde(default)]
    pub has_client_secret: bool,
    /// `YYYY-MM-DD`: when the app's client secret expires, if the person said (Patchbay reminds 14 days ahead).
    #[serde(default)]
    pub client_secret_expires_on: Option<String>,
    /// RFC 3339.
    pub created_at: String,
}

/// A failure as kept for diagnostics: what happened, the provider's words, and the ids support asks for.
/// Never holds a token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ProblemReport {
    /// RFC 3339.
    pub at: String,
    /// What happened, e.g. `invalid_grant: AADSTS50173: The provided grant has expired…` or "timed out".
    pub summary: String,
    /// The provider's full description, when it gave one.
    #[serde(default)]
    pub detail: Option<String>,
    /// Microsoft's trace ID (token endpoint).
    #[serde(default)]
    pub trace_id: Option<String>,
    /// Microsoft's correlation ID (token endpoint) or Graph's client-request-id.
    #[serde(default)]
    pub correlation_id: Option<String>,
    /// Graph's request-id.
    #[serde(default)]
    pub request_id: Option<String>,
}

/// A connection as the UI and the CLI see it: what is kept about it and where it stands. Holds no secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ConnectionSummary {
    #[serde(flatten)]
    #[ts(flatten)]
    pub info: ConnectionInfo,
    pub status: ConnectionStatus,
    /// Why, in words, when the status is not healthy.
    pub status_reason: Option<String>,
    /// RFC 3339; the last check.
    pub checked_at: Option<String>,
    /// RFC 3339; when a token was last obtained (sign-in or refresh).
    pub last_refreshed_at: String,
    /// RFC 3339; since when Microsoft could not be reached.
    pub unreachable_since: Option<String>,
    /// The last failure, with its ids.
    pub last_error: Option<ProblemReport>,
    /// What follows from the status, worked out here so that no surface works it out again.
    #[serde(flatten)]
    #[ts(flatten)]
    pub facts: StatusFacts,
}

/// What follows from a connection's status (never stored; the window shows these facts, it does not derive them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct StatusFacts {
    /// The status as a badge ("Needs reconnect").
    pub status_label: String,
    /// Only a person can mend it.
    pub broken: bool,
    /// Broken, or about to break.
    pub needs_attention: bool,
    /// What mends it, when something does.
    pub fix: Option<FixKind>,
    /// A bring-your-own app with a sealed client secret: the secret can be replaced without a new sign-in.
    pub app_credentials_updatable: bool,
}

impl StatusFacts {
    pub fn of(info: &ConnectionInfo, status: ConnectionStatus) -> Self {
        let app_credentials_updatable =
            info.auth_type == AuthType::BringYourOwnApp && info.has_client_secret;
        let fix = match status {
            ConnectionStatus::AppCredentialsInvalid if app_credentials_updatable => {
                Some(FixKind::Secret)
            }
            // Nothing about the sign-in is known to be wrong: the reason says what to do on this computer.
            ConnectionStatus::CantCheck => None,
            s if s.is_broken() => Some(FixKind::Reconnect),
            // At risk because the secret expires soon (not because it went unused: Check now mends that).
            ConnectionStatus::AtRisk
                if app_credentials_updatable && info.client_secret_expires_on.is_some() =>
            {
                Some(FixKind::Secret)
            }
            _ => None,
        };
        Self {
            status_label: status.label().to_string(),
            broken: status.is_broken(),
            needs_attention: status.needs_attention(),
            fix,
            app_credentials_updatable,
        }
    }
}

impl std::ops::Deref for ConnectionSummary {
    type Target = ConnectionInfo;
    fn deref(&self) -> &ConnectionInfo {
        &self.info
    }
}

impl ConnectionSummary {
    /// A connection in `status`, with the facts that follow from it.
    pub fn new(
        info: ConnectionInfo,
        status: ConnectionStatus,
        status_reason: Option<String>,
    ) -> Self {
        let facts = StatusFacts::of(&info, status);
        ConnectionSummary {
            last_refreshed_at: info.created_at.clone(),
            info,
            status,
            status_reason,
            checked_at: None,
            unreachable_since: None,
            last_error: None,
            facts,
        }
    }

    /// Move to another status (the facts follow).
    pub fn set_status(&mut self, status: ConnectionStatus, reason: Option<String>) {
        self.status = status;
        self.status_reason = reason;
        self.facts = StatusFacts::of(&self.info, status);
    }

    /// A healthy built-in-app connection with made-up values, for tests of what shows a connection.
    pub fn example(id: &str) -> Self {
        Self::new(
            ConnectionInfo {
                id: id.into(),
                name: format!("name {id}"),
                connector_id: "outlook365".into(),
                environment: EnvironmentId::Global,
                authority: "https://login.microsoftonline.com/organizations/v2.0".into(),
                graph_url: "https://graph.microsoft.com/".into(),
                auth_type: AuthType::BuiltInApp,
                tenant: "organizations".into(),
                client_id: "c".into(),
                account: Account {
                    oid: "o".into(),
                    tid: "t".into(),
                    name: "n".into(),
                    email: "e@x".into(),
                },
                scopes_requested: vec!["openid".into()],
                scopes_granted: vec!["openid".into()],
                scopes_missing: vec![],
                features_unavailable: vec![],
                has_client_secret: false,
                client_secret_expires_on: None,
                created_at: "2026-11-26T00:00:00Z".into(),
            },
            ConnectionStatus::Healthy,
            None,
        )
    }
}

/// What the wizard (or `patchbay connect`) asks for.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct ConnectRequest {
    pub connector_id: String,
    pub environment: EnvironmentId,
    /// For `custom` (and to override a preset): the authority, e.g. `https://login.microsoftonline.com/{tenant}/v2.0`.
    #[serde(default)]
    #[ts(optional)]
    pub authority: Option<String>,
    /// For `custom` (and to override a preset): the Graph base URL.
    #[serde(default)]
    #[ts(optional)]
    pub graph_url: Option<String>,
    pub auth_type: AuthType,
    /// Bring your own app: the application (client) ID.
    #[serde(default)]
    #[ts(optional)]
    pub client_id: Option<String>,
    /// Bring your own app: the client secret, if the registration is confidential. Travels into the Rust process
    /// once (the person types it in the webview) and is sealed at once; it never travels back.
    #[serde(default)]
    #[ts(optional, type = "string")]
    pub client_secret: Option<SecretString>,
    /// Bring your own app with a secret: the day it expires (`YYYY-MM-DD`), for a reminder 14 days ahead.
    #[serde(default)]
    #[ts(optional)]
    pub client_secret_expires_on: Option<String>,
    /// `organizations` (default), `common`, a tenant ID or a domain.
    #[serde(default)]
    #[ts(optional)]
    pub tenant: Option<String>,
    /// Bring your own app: the features to ask scopes for (connector feature ids); the built-in app: its opt-in
    /// features chosen (those the catalogue marks `opt_in`).
    #[serde(default)]
    #[ts(optional)]
    pub features: Option<Vec<String>>,
    /// Explicit scopes (CLI `--scopes`); overrides the features.
    #[serde(default)]
    #[ts(optional)]
    pub scopes: Option<Vec<String>>,
    /// Bring your own app: the redirect URI registered for the app. Without a port, an ephemeral port is used.
    #[serde(default)]
    #[ts(optional)]
    pub redirect_uri: Option<String>,
    /// The connection's name; defaults to the account's email.
    #[serde(default)]
    #[ts(optional)]
    pub name: Option<String>,
}

/// Fix a connection: sign in again as the same account.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct FixRequest {
    pub id: String,
    /// Bring your own app: a new client secret (when the old one is gone or expired). Travels in once, is sealed.
    #[serde(default)]
    #[ts(optional, type = "string")]
    pub client_secret: Option<SecretString>,
    #[serde(default)]
    #[ts(optional)]
    pub client_secret_expires_on: Option<String>,
}

impl FixRequest {
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            client_secret: None,
            client_secret_expires_on: None,
        }
    }
}

/// Progress of one sign-in, streamed to the wizard (a Tauri channel) or the CLI.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[allow(clippy::large_enum_variant)] // four events per sign-in: size does not matter
pub enum ConnectEvent {
    /// The authorization URL is ready and the browser was asked to open it (`opened` false when that failed:
    /// the person can copy the link instead). Neither URL holds a secret.
    WaitingForBrowser {
        flow_id: String,
        auth_url: String,
        redirect_uri: String,
        opened: bool,
    },
    /// The browser came back with a code; Patchbay is exchanging it for tokens.
    Exchanging {
        flow_id: String,
    },
    Connected {
        flow_id: String,
        connection: ConnectionSummary,
    },
    Failed {
        flow_id: String,
        error: ErrorInfo,
    },
}

/// The app Patchbay signs in with when the person does not bring their own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct BuiltInApp {
    pub client_id: String,
    pub name: String,
    /// The redirect URI shape it uses (`http://localhost`, any port).
    pub redirect_uri: String,
}

/// The redirect URI to register for a bring-your-own app, and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct RedirectAdvice {
    pub redirect_uri: String,
    /// The Entra "Authentication" platform to add it under.
    pub platform: String,
    pub explanation: String,
}
