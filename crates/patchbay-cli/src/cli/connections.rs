//! Connections: connect, fix, rename, remove, list, check, a token, a new secret, the catalogue.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The connection's id (see `patchbay list`).
    #[arg(conflicts_with = "all", required_unless_present = "all")]
    pub id: Option<String>,
    /// Check every connection.
    #[arg(long)]
    pub all: bool,
    /// Force a refresh-token grant, even when the stored token is still fresh.
    #[arg(long)]
    pub refresh: bool,
    /// Print a JSON array: id, name, status (healthy | needs_reconnect | app_credentials_invalid | unreachable |
    /// at_risk), reason, checked_at, refreshed.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct TokenArgs {
    /// The connection's id (see `patchbay list`).
    pub id: String,
}

#[derive(Debug, Args)]
pub struct FixArgs {
    /// The connection's id (see `patchbay list`).
    pub id: String,
    /// Bring your own app: read a new client secret from stdin (one line).
    #[arg(long)]
    pub client_secret_stdin: bool,
    /// The new secret's expiry date (YYYY-MM-DD), for a reminder 14 days ahead.
    #[arg(long, value_name = "DATE", requires = "client_secret_stdin")]
    pub secret_expires_on: Option<String>,
    /// Do not open a browser: print the sign-in URL alone on one line of stdout and wait.
    #[arg(long)]
    pub no_browser: bool,
    /// Give up waiting for the sign-in after this many seconds.
    #[arg(long, value_name = "SECS", default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..))]
    pub timeout: u64,
    /// Print the fixed connection as a JSON object.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct UpdateSecretArgs {
    /// The connection's id (see `patchbay list`).
    pub id: String,
    /// Read the new client secret from stdin (one line). Secrets are never taken as arguments.
    #[arg(long, required = true)]
    pub client_secret_stdin: bool,
    /// The new secret's expiry date (YYYY-MM-DD), for a reminder 14 days ahead.
    #[arg(long, value_name = "DATE")]
    pub secret_expires_on: Option<String>,
}

#[derive(Debug, Args)]
pub struct ConnectorsArgs {
    /// Print the connectors as a JSON array.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Print the connections as a JSON array.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct RemoveArgs {
    /// The connection's id (see `patchbay list`).
    pub id: String,
}

#[derive(Debug, Args)]
pub struct RenameArgs {
    /// The connection's id (see `patchbay list`).
    pub id: String,
    /// The new name.
    pub name: String,
}

/// `--environment`: the core's environments (Microsoft's clouds, the local sandbox, any OpenID provider), named
/// and described as the core names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EnvironmentArg(pub EnvironmentId);

impl ValueEnum for EnvironmentArg {
    fn value_variants<'a>() -> &'a [Self] {
        static ALL: std::sync::LazyLock<Vec<EnvironmentArg>> =
            std::sync::LazyLock::new(|| EnvironmentId::ALL.map(EnvironmentArg).to_vec());
        &ALL
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        let help = match self.0 {
            EnvironmentId::Sandbox => {
                "A local sandbox started inside this command (offline demo)".to_string()
            }
            EnvironmentId::Custom => "Any authority: give --authority and --graph-url".to_string(),
            id => presets()
                .into_iter()
                .find(|p| p.id == id)
                .map(|p| p.label)
                .unwrap_or_default(),
        };
        Some(clap::builder::PossibleValue::new(self.0.as_str()).help(help))
    }
}

#[derive(Debug, Args)]
pub struct ConnectArgs {
    /// The connector to use (see `patchbay connectors`).
    #[arg(long, value_name = "ID")]
    pub connector: String,

    /// Which cloud to sign in to (default: global; custom when --authority is given).
    #[arg(long, value_enum)]
    pub environment: Option<EnvironmentArg>,

    /// The authority URL, e.g. https://login.microsoftonline.com/TENANT/v2.0 (with --graph-url; needed for custom).
    #[arg(long, value_name = "URL", requires = "graph_url")]
    pub authority: Option<String>,

    /// Graph's root without a version, e.g. https://graph.microsoft.com (with --authority; needed for custom). A URL
    /// ending in /v1.0 or /beta, as Microsoft's documentation gives it, is that root plus the version, never doubled.
    #[arg(long, value_name = "URL", requires = "authority")]
    pub graph_url: Option<String>,

    /// Bring your own app: its Application (client) ID. Without it, Patchbay's built-in app signs in.
    #[arg(long, value_name = "ID")]
    pub client_id: Option<String>,

    /// Bring your own app: read its client secret from stdin (one line). Secrets are never taken as arguments.
    #[arg(long, requires = "client_id")]
    pub client_secret_stdin: bool,

    /// Bring your own app: the client secret's expiry date (YYYY-MM-DD); Patchbay reminds 14 days ahead.
    #[arg(long, value_name = "DATE", requires = "client_secret_stdin")]
    pub secret_expires_on: Option<String>,

    /// organizations (default: work or school accounts), consumers (personal Microsoft accounts: Outlook.com,
    /// Hotmail, Live), common, a tenant ID or a domain such as contoso.onmicrosoft.com.
    #[arg(long, value_name = "T")]
    pub tenant: Option<String>,

    /// Explicit scopes, separated by spaces or commas (overrides --features).
    #[arg(long, value_name = "\"A B C\"")]
    pub scopes: Option<String>,

    /// Bring your own app: the features to ask scopes for, e.g. read_mail,read_calendar (default: the
    /// connector's default features). The built-in app: the choices it asks for only when told, such as Teams'
    /// read_channel_messages (it needs an administrator's approval).
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub features: Option<Vec<String>>,

    /// Bring your own app: the redirect URI registered for it (default http://localhost, any free port).
    #[arg(long, value_name = "URI", requires = "client_id")]
    pub redirect_uri: Option<String>,

    /// The connection's name (default: the account's email).
    #[arg(long)]
    pub name: Option<String>,

    /// Do not open a browser: print the sign-in URL alone on one line of stdout and wait.
    #[arg(long)]
    pub no_browser: bool,

    /// Give up waiting for the sign-in after this many seconds.
    #[arg(long, value_name = "SECS", default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..))]
    pub timeout: u64,

    /// Print the new connection as a JSON object.
    #[arg(long)]
    pub json: bool,
}

use clap::{Args, ValueEnum};
use patchbay_core::environment::{presets, EnvironmentId};
