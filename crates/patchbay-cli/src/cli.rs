//! The command line, as clap sees it.

use clap::{Args, Parser, Subcommand, ValueEnum};
use patchbay_core::environment::EnvironmentId;

/// Connect Patchbay to Microsoft Outlook 365 and manage the connections, from a terminal.
///
/// Uses the same connections as the desktop app. Files live in PATCHBAY_DATA_DIR (default: the platform's data
/// directory); PATCHBAY_LOG=debug (or any tracing filter) logs to stderr.
#[derive(Debug, Parser)]
#[command(name = "patchbay", version, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the services Patchbay can connect to.
    Connectors(ConnectorsArgs),
    /// Sign in to a service and save the connection.
    Connect(Box<ConnectArgs>),
    /// List the saved connections.
    List(ListArgs),
    /// Remove a connection and its stored secrets.
    Remove(RemoveArgs),
    /// Rename a connection.
    Rename(RenameArgs),
    /// Check this computer: keychain, data folder, connections' secrets, sign-in listener, browser, links.
    Doctor(DoctorArgs),
}

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Print the checks as a JSON array.
    #[arg(long)]
    pub json: bool,
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

/// Microsoft's clouds, the local sandbox, or any OpenID provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Environment {
    /// Microsoft global (commercial) cloud.
    Global,
    /// US Government (GCC High).
    Usgov,
    /// US Government DoD.
    UsgovDod,
    /// China, operated by 21Vianet.
    China,
    /// A local sandbox started inside this command (offline demo).
    Sandbox,
    /// Any authority: give --authority and --graph-url.
    Custom,
}

impl From<Environment> for EnvironmentId {
    fn from(e: Environment) -> Self {
        match e {
            Environment::Global => EnvironmentId::Global,
            Environment::Usgov => EnvironmentId::Usgov,
            Environment::UsgovDod => EnvironmentId::UsgovDod,
            Environment::China => EnvironmentId::China,
            Environment::Sandbox => EnvironmentId::Sandbox,
            Environment::Custom => EnvironmentId::Custom,
        }
    }
}

#[derive(Debug, Args)]
pub struct ConnectArgs {
    /// The connector to use (see `patchbay connectors`).
    #[arg(long, value_name = "ID")]
    pub connector: String,

    /// Which cloud to sign in to.
    #[arg(long, value_enum, default_value_t = Environment::Global)]
    pub environment: Environment,

    /// The authority URL, e.g. https://login.microsoftonline.com/TENANT/v2.0 (with --graph-url; needed for custom).
    #[arg(long, value_name = "URL", requires = "graph_url")]
    pub authority: Option<String>,

    /// The Microsoft Graph base URL, e.g. https://graph.microsoft.com (with --authority; needed for custom).
    #[arg(long, value_name = "URL", requires = "authority")]
    pub graph_url: Option<String>,

    /// Bring your own app: its Application (client) ID. Without it, Patchbay's built-in app signs in.
    #[arg(long, value_name = "ID")]
    pub client_id: Option<String>,

    /// Bring your own app: read its client secret from stdin (one line). Secrets are never taken as arguments.
    #[arg(long, requires = "client_id")]
    pub client_secret_stdin: bool,

    /// organizations (default), common, a tenant ID or a domain such as contoso.onmicrosoft.com.
    #[arg(long, value_name = "T")]
    pub tenant: Option<String>,

    /// Explicit scopes, separated by spaces or commas (overrides --features).
    #[arg(long, value_name = "\"A B C\"")]
    pub scopes: Option<String>,

    /// Bring your own app: the features to ask scopes for, e.g. read_mail,read_calendar (default: the
    /// connector's default features).
    #[arg(
        long,
        value_name = "LIST",
        value_delimiter = ',',
        requires = "client_id"
    )]
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
