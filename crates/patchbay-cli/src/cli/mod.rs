//! The command line, as clap sees it: the commands here, each group's arguments in a file of its own.

mod automations;
mod connections;
mod files;
mod preview;
mod teams;

pub use automations::*;
pub use connections::*;
pub use files::*;
pub use preview::*;
pub use teams::*;

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};
use patchbay_core::about::About;

/// Connect Patchbay to Microsoft Outlook 365 and manage the connections, from a terminal.
///
/// Uses the same connections as the desktop app. Files live in PATCHBAY_DATA_DIR (default: the platform's data
/// directory); PATCHBAY_LOG=debug (or any tracing filter) logs to stderr.
#[derive(Debug, Parser)]
#[command(name = "patchbay", propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// This build, as `--version` names it: the same line as the app's About (version and commit).
pub fn about() -> About {
    About::new(env!("CARGO_PKG_VERSION"), env!("PATCHBAY_COMMIT"))
}

/// The command line's definition, with the commit in `--version`.
pub fn command() -> clap::Command {
    // clap keeps the version as a `&'static str` (without its `string` feature).
    static VERSION: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| about().line);
    Cli::command().version(VERSION.as_str())
}

/// Parse the command line (exiting with clap's message on a mistake).
pub fn parse() -> Cli {
    let matches = command().get_matches();
    Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the services Patchbay can connect to.
    Connectors(ConnectorsArgs),
    /// Sign in to a service and save the connection.
    Connect(Box<ConnectArgs>),
    /// Sign in again for a connection that needs it, as the same account.
    Fix(Box<FixArgs>),
    /// Replace a bring-your-own app connection's client secret (read from stdin), without signing in again.
    UpdateSecret(UpdateSecretArgs),
    /// List the saved connections.
    List(ListArgs),
    /// Check connections now: a fresh token and a Graph probe each. Exit 1 when any is not healthy.
    Check(CheckArgs),
    /// Print a fresh access token for a connection on stdout, and nothing else (for scripts).
    Token(TokenArgs),
    /// Show a connection's inbox or agenda (in the mailbox's time zone), fetched from Microsoft Graph.
    #[command(subcommand)]
    Preview(PreviewCommand),
    /// Call Microsoft Graph as a connection, for scripts: the token is fresh and never printed.
    ///
    /// PATH is relative to the connection's Graph (`me/messages`, `/me/events?$top=5`); it is under v1.0 unless
    /// it starts with `beta/` or `v1.0/`. The answer's JSON goes to stdout; a Graph error exits 1 with its code,
    /// message and request-id on stderr. Throttling (429, Retry-After) is waited out, a refused token renewed
    /// once.
    #[command(
        after_help = "Examples:\n  patchbay graph ID me\n  patchbay graph ID me/messages --query '$top=5' --query '$select=subject,from'\n  patchbay graph ID me/mailFolders/inbox/messages --paginate --query '$select=subject' | jq length\n  echo '{\"subject\":\"Hi\"}' | patchbay graph ID -X POST me/events --body -"
    )]
    Graph(GraphArgs),
    /// Serve connections to a local AI assistant: each connection's tools (mail and calendar, files, Teams) over
    /// MCP on stdio, never the token.
    ///
    /// Reads only, unless --allow-write (drafts, events without attendees, uploads, folders) or --allow-send (mail,
    /// invitations, sharing links, Teams messages) is given; downloads and uploads go through the one folder of
    /// --files-dir. A tool is offered only when a served connection has its permission. stdout carries only the
    /// protocol; logs go to stderr. Every write and send is recorded in the data folder before it is made (the
    /// window lists them).
    #[command(
        after_help = "Examples:\n  patchbay mcp\n  patchbay mcp --connection 'Work mail' --allow-write\n  patchbay mcp --connection Files --files-dir ~/Downloads/Patchbay --allow-write\n  claude mcp add patchbay -- patchbay mcp --connection ID"
    )]
    Mcp(McpArgs),
    /// Run something on this computer when mail arrives, the calendar changes or a file changes: a command (the
    /// item's JSON on stdin) or a POST.
    ///
    /// Each automation follows its folder, calendar or drive with Graph delta queries: no item is missed, none
    /// fires twice, and what was there when it was added never fires. `run` is the engine in the foreground; `run --once` polls
    /// each active automation once, delivers everything due and exits (1 when a delivery is left failing).
    #[command(
        subcommand,
        after_help = "Examples:\n  patchbay automations add --connection ID --on new-mail --from boss@contoso.com --run 'notify-send \"Mail from the boss\"'\n  patchbay automations add --connection ID --on new-mail --has-attachments --post http://127.0.0.1:8080/hook\n  patchbay automations add --connection FILES --on file-changed --folder /Invoices --name-matches '*.pdf' --download-to ~/Invoices --run 'lpr'\n  patchbay automations run --once"
    )]
    Automations(AutomationsCommand),
    /// Files in OneDrive and SharePoint: list, search, download and upload (OneDrive & SharePoint connections).
    ///
    /// REMOTE is a path from the drive's root (/Documents/a.pdf); --drive ID picks another drive (a SharePoint
    /// library, see `files drives`), the signed-in person's OneDrive otherwise. Downloads and uploads show a
    /// progress bar on a terminal; an upload that was stopped resumes when the same command runs again.
    #[command(
        subcommand,
        after_help = "Examples:\n  patchbay files ls ID /Documents\n  patchbay files search ID \"budget 2026\"\n  patchbay files get ID /Documents/Contract.pdf ~/Downloads/\n  patchbay files get ID /Documents/Notes.txt - | less\n  patchbay files put ID ./video.mp4 /Videos/ --conflict rename\n  patchbay files drives ID --site-search Contoso"
    )]
    Files(FilesCommand),
    /// Microsoft Teams: chats and their messages, teams and channels, and sending (Microsoft Teams connections).
    ///
    /// Messages are listed newest first, as their text (mentions as names, images as [image]); system events and
    /// deleted messages are left out. A channel's messages need ChannelMessage.Read.All, which an administrator
    /// approves. A message is sent as text (markup arrives as typed), up to 28 KB, and once: a send that may
    /// have arrived is never sent again.
    #[command(
        subcommand,
        after_help = "Examples:\n  patchbay teams chats ID\n  patchbay teams messages ID --chat '19:…@thread.v2' --top 50 --json\n  patchbay teams send ID --to megan@contoso.com --text 'The draft is in the tracker.'\n  git log -1 --format=%B | patchbay teams send ID --channel TEAM_ID/CHANNEL_ID --text-stdin"
    )]
    Teams(TeamsCommand),
    /// Remove a connection and its stored secrets.
    Remove(RemoveArgs),
    /// Rename a connection.
    Rename(RenameArgs),
    /// Check this computer: keychain, data folder, connections' secrets, sign-in listener, browser, links.
    Doctor(DoctorArgs),
    /// The vault key is gone from the keychain for good: set the sealed secrets aside (nothing is deleted) and
    /// make a new key. Every connection then needs `patchbay fix`.
    ResetVault(ResetVaultArgs),
    /// Print the completion script of a shell (bash, zsh, fish, elvish, powershell) on stdout.
    ///
    /// The packages install them. From a build, for example:
    /// `patchbay completions bash > ~/.local/share/bash-completion/completions/patchbay`.
    Completions(CompletionsArgs),
}

#[derive(Debug, Args)]
pub struct McpArgs {
    /// Serve only this connection (id or name); may be given more than once. Every connection without it.
    #[arg(long = "connection", value_name = "ID|NAME")]
    pub connections: Vec<String>,
    /// Let the assistant change your data with nothing leaving it: drafts, events without attendees.
    #[arg(long)]
    pub allow_write: bool,
    /// Let the assistant send in your name: mail, events with attendees (Exchange mails them the invitation at
    /// once), sharing links to files, and Teams chat and channel messages.
    #[arg(long)]
    pub allow_send: bool,
    /// The one folder on this computer the file tools may use: download_file saves into it, upload_file uploads
    /// only files inside it (no `..`, no link leading out). Made when missing if its parent exists.
    #[arg(long, value_name = "DIR")]
    pub files_dir: Option<std::path::PathBuf>,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete in.
    pub shell: clap_complete::Shell,
}

/// Write `shell`'s completion script for `patchbay` to `out`.
pub fn completions(shell: clap_complete::Shell, out: &mut dyn std::io::Write) {
    clap_complete::generate(shell, &mut command(), "patchbay", out);
}

#[derive(Debug, Args)]
pub struct ResetVaultArgs {
    /// Go ahead without asking (for scripts).
    #[arg(long)]
    pub yes: bool,
}

#[cfg(test)]
mod tests {
    /// clap's own consistency checks (they run only in debug builds, on the first parse that reaches them).
    #[test]
    fn the_command_line_definition_is_consistent() {
        super::command().debug_assert();
    }
}
