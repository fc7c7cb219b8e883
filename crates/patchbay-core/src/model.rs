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

/// Where a connection stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ConnectionStatus {
    /// Signed in; tokens are stored.
    Connected,
    /// Microsoft no longer accepts its refresh token, its secret expired, or its secrets are gone: it must be
    /// fixed by signing in again (as the same account).
    NeedsRepair,
}

/// A connection as the UI and the CLI see it. Holds no secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ConnectionSummary {
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
    pub account: Account,
    pub scopes_requested: Vec<String>,
    pub scopes_granted: Vec<String>,
    /// Requested scopes Microsoft did not grant.
    pub scopes_missing: Vec<String>,
    /// Labels of the connector's features that cannot work with the granted scopes.
    pub features_unavailable: Vec<String>,
    pub status: ConnectionStatus,
    /// Why the connection needs repair, in words; absent when connected.
    pub status_reason: Option<String>,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339; when a token was last obtained.
    pub last_refreshed_at: String,
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
    /// `organizations` (default), `common`, a tenant ID or a domain.
    #[serde(default)]
    #[ts(optional)]
    pub tenant: Option<String>,
    /// Bring your own app: the features to ask scopes for (connector feature ids).
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
