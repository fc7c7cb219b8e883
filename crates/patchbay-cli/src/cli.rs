//! The command line, as clap sees it.

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use patchbay_core::about::About;
use patchbay_core::environment::{presets, EnvironmentId};

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

#[derive(Debug, Subcommand)]
pub enum AutomationsCommand {
    /// Add an automation (the folder is read to its end first: what is there now never fires).
    Add(Box<AutomationAddArgs>),
    /// List the automations and their state.
    List(JsonArgs),
    /// One automation, its state and its queue.
    Show(AutomationIdArgs),
    /// Stop polling and delivering (mail that arrives meanwhile is delivered on resume).
    Pause(AutomationIdArgs),
    /// Start again, catching up from where it paused.
    Resume(AutomationIdArgs),
    /// Remove an automation, its queue and its history.
    Remove(AutomationIdArgs),
    /// Every delivery attempt, oldest first.
    History(AutomationIdArgs),
    /// Put items that failed five times back in line.
    Retry(AutomationRetryArgs),
    /// Run the engine in the foreground (the service runs the same one).
    Run(AutomationRunArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TriggerKind {
    /// New mail in a folder.
    NewMail,
    /// An event added, changed or cancelled in the next N days.
    EventChanged,
    /// A file created, changed, deleted or moved under a folder of a drive.
    FileChanged,
    /// A message arriving in your Teams chats (never your own).
    ChatMessage,
    /// A message posted in a channel of a team (needs Read channel messages, approved by an administrator).
    ChannelMessage,
}

#[derive(Debug, Args)]
// One of these is what it does: --run and --post exclude each other and the built-in actions (clap says so); two
// built-in actions are refused in words, naming both.
#[command(group(clap::ArgGroup::new("action").required(true).multiple(true).args([
    "run",
    "post",
    "save_attachments_to",
    "post_to_teams",
    "forward_to",
    "move_to",
    "mark_read",
    "categorize",
    "copy_to",
])))]
#[command(group(clap::ArgGroup::new("builtin").multiple(true).args([
    "save_attachments_to",
    "post_to_teams",
    "forward_to",
    "move_to",
    "mark_read",
    "categorize",
    "copy_to",
])))]
pub struct AutomationAddArgs {
    /// The connection whose mailbox it watches (id or name).
    #[arg(long)]
    pub connection: String,
    #[arg(long, value_enum)]
    pub on: TriggerKind,
    /// The folder to watch. New mail: inbox (the default), another well-known name (sentitems, archive, …) or a
    /// folder id. File changes: a path from the drive's root, like /Invoices (default /, the whole drive).
    #[arg(long)]
    pub folder: Option<String>,
    /// Only mail whose From header is this address. Anyone can write any address there (a forged From looks
    /// the same to Graph): use it to sort mail, never to trust it, and never to let a sender's mail run what
    /// only that sender should.
    #[arg(long, value_name = "ADDR")]
    pub from: Option<String>,
    /// Only mail whose subject contains this text.
    #[arg(long, value_name = "TEXT")]
    pub subject_contains: Option<String>,
    /// Only mail with attachments.
    #[arg(long)]
    pub has_attachments: bool,
    /// For event-changed: how many days ahead (default 14, at most 60).
    #[arg(long, value_name = "N")]
    pub days: Option<u32>,
    /// For file-changed: a drive's id (a SharePoint library, see `patchbay files drives`); your OneDrive without
    /// it.
    #[arg(long, value_name = "ID")]
    pub drive: Option<String>,
    /// For file-changed: only files whose name matches this pattern (`*.pdf`), case-insensitively.
    #[arg(long, value_name = "GLOB")]
    pub name_matches: Option<String>,
    /// For file-changed: download each created or modified file into this folder before the command runs (its
    /// path in PATCHBAY_LOCAL_PATH and in the item's local_path).
    #[arg(long, value_name = "DIR")]
    pub download_to: Option<String>,
    /// For chat-message: only in this chat (its id, see `patchbay teams chats`). With --post-to-teams: the chat
    /// to post in (for a chat-message trigger that also filters by chat, give --chat twice: the trigger's, then
    /// the one to post in).
    #[arg(long, value_name = "ID")]
    pub chat: Vec<String>,
    /// For chat-message: only messages that @mention you.
    #[arg(long)]
    pub mentions_me: bool,
    /// For chat-message: only messages whose text contains this (case-insensitive).
    #[arg(long, value_name = "TEXT")]
    pub contains: Option<String>,
    /// For channel-message: the team's id (see `patchbay teams teams`).
    #[arg(long, value_name = "ID")]
    pub team: Option<String>,
    /// For channel-message: the channel's id (see `patchbay teams channels`). With --post-to-teams:
    /// TEAM_ID/CHANNEL_ID, the channel to post in.
    #[arg(long, value_name = "ID")]
    pub channel: Vec<String>,
    /// The command to run for each message, split into words like a shell would (no shell runs unless you
    /// write `sh -c '…'`). It gets the message's JSON on stdin.
    #[arg(long, value_name = "'PROGRAM ARG…'", conflicts_with_all = ["post", "builtin"])]
    pub run: Option<String>,
    /// POST each message's JSON here (http only on this computer, otherwise https).
    #[arg(long, value_name = "URL", conflicts_with = "builtin")]
    pub post: Option<String>,
    /// For new-mail: save each attachment, once, in DEST: a folder here, or CONNECTION:/Folder/Path of a
    /// OneDrive & SharePoint connection. Names are made safe; a clash gets " (1)".
    #[arg(long, value_name = "DEST")]
    pub save_attachments_to: Option<String>,
    /// With --save-attachments-to: the pictures inside the message's text too.
    #[arg(long)]
    pub include_inline: bool,
    /// Post a message in Teams through this Teams connection (id or name), in --chat ID or --channel
    /// TEAM_ID/CHANNEL_ID, with --message.
    #[arg(long, value_name = "CONNECTION")]
    pub post_to_teams: Option<String>,
    /// With --post-to-teams: the text, with {subject}, {from}, {name}, {path}, {web_url}, {change}, {preview}
    /// filled from the item as text ({{ and }} for braces).
    #[arg(long, value_name = "TEMPLATE")]
    pub message: Option<String>,
    /// For new-mail: forward each message to these addresses (comma-separated; the flag may repeat). This sends
    /// mail.
    #[arg(long, value_name = "ADDR,…")]
    pub forward_to: Vec<String>,
    /// For new-mail: move each message to this folder (archive, deleteditems, … or a folder id).
    #[arg(long, value_name = "FOLDER")]
    pub move_to: Option<String>,
    /// For new-mail: mark each message read.
    #[arg(long)]
    pub mark_read: bool,
    /// For new-mail: add this category to each message.
    #[arg(long, value_name = "NAME")]
    pub categorize: Option<String>,
    /// For file-changed: copy each created or changed file to DEST, at its place below the watched folder: a
    /// folder here, or CONNECTION:/Folder/Path.
    #[arg(long, value_name = "DEST")]
    pub copy_to: Option<String>,
    /// Also show a desktop notification for each item delivered (by the service, on a desktop).
    #[arg(long)]
    pub notify: bool,
    /// A name to know it by.
    #[arg(long)]
    pub name: Option<String>,
    /// Seconds between polls (at least 15).
    #[arg(long, value_name = "SECS", default_value_t = 60)]
    pub every: u64,
    /// Print the new automation as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct JsonArgs {
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct AutomationIdArgs {
    /// The automation's id (or name).
    pub id: String,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct AutomationRetryArgs {
    /// The automation's id (or name).
    pub id: String,
    /// Only this item (a message id); every failed item without it.
    pub item: Option<String>,
}

#[derive(Debug, Args)]
pub struct AutomationRunArgs {
    /// Poll every active automation once, deliver everything due, and exit.
    #[arg(long)]
    pub once: bool,
}

#[derive(Debug, Subcommand)]
pub enum FilesCommand {
    /// A folder's files and folders, every page (the drive's root without REMOTE).
    Ls(FilesLsArgs),
    /// Files and folders whose name or content matches QUERY, anywhere in the drive.
    Search(FilesSearchArgs),
    /// Download a file: into LOCAL (a file, or a folder to put it in; the current folder without it), or to
    /// stdout with `-`. Written to a temp file beside it and renamed when whole.
    Get(FilesGetArgs),
    /// Upload a file to REMOTE (a file's path, or a folder to put it in). Up to 4 MiB in one request, larger in
    /// chunks; stopped (Ctrl-C, a lost network, a kill), the same command resumes where it was.
    Put(FilesPutArgs),
    /// The drives: the person's own, and with --site-search the document libraries of SharePoint sites.
    Drives(FilesDrivesArgs),
}

#[derive(Debug, Args)]
pub struct FilesLsArgs {
    /// The connection (id or name).
    #[arg(value_name = "CONN")]
    pub conn: String,
    /// The folder, from the drive's root (default: the root).
    #[arg(value_name = "REMOTE", default_value = "/")]
    pub remote: String,
    /// Another drive than the person's OneDrive (its id, see `patchbay files drives`).
    #[arg(long, value_name = "ID")]
    pub drive: Option<String>,
    /// Print {"items": [file]}: id, name, path, is_folder, size, modified (RFC 3339), web_url.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct FilesSearchArgs {
    /// The connection (id or name).
    #[arg(value_name = "CONN")]
    pub conn: String,
    /// What to look for (in names and content).
    #[arg(value_name = "QUERY")]
    pub query: String,
    /// Another drive than the person's OneDrive (its id, see `patchbay files drives`).
    #[arg(long, value_name = "ID")]
    pub drive: Option<String>,
    /// Print {"items": [file]}: id, name, path, is_folder, size, modified (RFC 3339), web_url.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct FilesGetArgs {
    /// The connection (id or name).
    #[arg(value_name = "CONN")]
    pub conn: String,
    /// The file, from the drive's root (/Documents/a.pdf).
    #[arg(value_name = "REMOTE")]
    pub remote: String,
    /// Where to: a file, a folder to put it in, or - for stdout (default: the current folder).
    #[arg(value_name = "LOCAL|-")]
    pub local: Option<String>,
    /// Another drive than the person's OneDrive (its id, see `patchbay files drives`).
    #[arg(long, value_name = "ID")]
    pub drive: Option<String>,
    /// Print {"local_path", "size"} (local_path is null for -).
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ConflictArg {
    /// Refuse when the name is taken.
    Fail,
    /// Replace the file there (it keeps its history as versions).
    Replace,
    /// Keep both: the new file is named "name 1.ext".
    Rename,
}

#[derive(Debug, Args)]
pub struct FilesPutArgs {
    /// The connection (id or name).
    #[arg(value_name = "CONN")]
    pub conn: String,
    /// The local file.
    #[arg(value_name = "LOCAL")]
    pub local: std::path::PathBuf,
    /// Where to, from the drive's root: the new file's path, or a folder (ending in /, or existing) to put it in.
    #[arg(value_name = "REMOTE")]
    pub remote: String,
    /// What to do when the name is taken.
    #[arg(long, value_enum, default_value = "fail")]
    pub conflict: ConflictArg,
    /// Another drive than the person's OneDrive (its id, see `patchbay files drives`).
    #[arg(long, value_name = "ID")]
    pub drive: Option<String>,
    /// Bytes per chunk of a large upload: a multiple of 327680 (320 KiB) up to 60 MiB (default 10 MiB).
    #[arg(long, value_name = "BYTES")]
    pub chunk_size: Option<u64>,
    /// Print the new file: id, name, path, is_folder, size, modified (RFC 3339), web_url.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct FilesDrivesArgs {
    /// The connection (id or name).
    #[arg(value_name = "CONN")]
    pub conn: String,
    /// Also the document libraries of the SharePoint sites whose name matches Q (work or school accounts).
    #[arg(long, value_name = "Q")]
    pub site_search: Option<String>,
    /// Print {"drives": [{"id", "name", "site"}]} (site is null for the person's own).
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum TeamsCommand {
    /// The chats, latest message first: each one's name (or who a one-on-one chat is with) and last message.
    Chats(TeamsChatsArgs),
    /// A chat's messages (--chat), or a channel's posts with their replies (--channel), newest first.
    Messages(TeamsMessagesArgs),
    /// The teams you are a member of.
    Teams(TeamsTeamsArgs),
    /// A team's channels.
    Channels(TeamsChannelsArgs),
    /// Send a message to a chat, to a person (their one-on-one chat, started when there is none) or to a
    /// channel. It is sent as text: what you type arrives as typed, markup included.
    Send(TeamsSendArgs),
}

#[derive(Debug, Args)]
pub struct TeamsChatsArgs {
    /// The connection (id or name).
    #[arg(value_name = "CONN")]
    pub conn: String,
    /// How many chats, latest first (1–1000).
    #[arg(long, value_name = "N", default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub top: u32,
    /// Print {"chats": [{id, topic, chat_type, members: [address], last_message, web_url}]} (last_message is a
    /// message or null).
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("place").required(true).args(["chat", "channel"])))]
pub struct TeamsMessagesArgs {
    /// The connection (id or name).
    #[arg(value_name = "CONN")]
    pub conn: String,
    /// The chat's id (see `teams chats`).
    #[arg(long, value_name = "ID")]
    pub chat: Option<String>,
    /// A channel: its team's id and its id (see `teams teams` and `teams channels`). Needs ChannelMessage.Read.All,
    /// which an administrator approves.
    #[arg(long, value_name = "TEAM_ID/CHANNEL_ID")]
    pub channel: Option<String>,
    /// How many messages (a channel: posts), newest first (1–1000).
    #[arg(long, value_name = "N", default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub top: u32,
    /// With --chat: only messages written or edited after this time (RFC 3339, e.g. 2026-11-02T09:00:00Z).
    #[arg(long, value_name = "TIME", requires = "chat")]
    pub since: Option<String>,
    /// Print {"messages": [message]}: id, chat_id, from_name, from_address, created (RFC 3339), text, web_url,
    /// mentions_me (a channel's posts also have replies: [message]).
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct TeamsTeamsArgs {
    /// The connection (id or name).
    #[arg(value_name = "CONN")]
    pub conn: String,
    /// Print {"teams": [{id, name}]}.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct TeamsChannelsArgs {
    /// The connection (id or name).
    #[arg(value_name = "CONN")]
    pub conn: String,
    /// The team's id (see `teams teams`).
    #[arg(long, value_name = "ID")]
    pub team: String,
    /// Print {"channels": [{id, name}]}.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("to_where").required(true).args(["chat", "to", "channel"])))]
#[command(group(clap::ArgGroup::new("what").required(true).args(["text", "text_stdin"])))]
pub struct TeamsSendArgs {
    /// The connection (id or name).
    #[arg(value_name = "CONN")]
    pub conn: String,
    /// A chat's id (see `teams chats`).
    #[arg(long, value_name = "ID")]
    pub chat: Option<String>,
    /// A person's address: in your one-on-one chat with them, started when there is none.
    #[arg(long, value_name = "ADDR")]
    pub to: Option<String>,
    /// A channel: its team's id and its id.
    #[arg(long, value_name = "TEAM_ID/CHANNEL_ID")]
    pub channel: Option<String>,
    /// With --channel: reply to this post (its id) instead of starting a new one.
    #[arg(long, value_name = "POST_ID", requires = "channel")]
    pub reply_to: Option<String>,
    /// The text to send.
    #[arg(long, value_name = "T")]
    pub text: Option<String>,
    /// Read the text from stdin (UTF-8; one final newline is dropped).
    #[arg(long)]
    pub text_stdin: bool,
    /// Print {"id", "chat_id", "web_url"} (no chat_id for a channel).
    #[arg(long)]
    pub json: bool,
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

#[derive(Debug, Subcommand)]
pub enum PreviewCommand {
    /// The newest messages in the inbox.
    Inbox(PreviewInboxArgs),
    /// The agenda: today and the days after, in the mailbox's time zone.
    Calendar(PreviewCalendarArgs),
}

#[derive(Debug, Args)]
pub struct PreviewInboxArgs {
    /// The connection's id (see `patchbay list`).
    pub id: String,
    /// How many messages (1–1000).
    #[arg(long, value_name = "N", default_value_t = 25, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub top: u32,
    /// Print a JSON array: id, subject, from_name, from_address, received (RFC 3339), is_read, has_attachments,
    /// preview, web_link. Missing values are null.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct PreviewCalendarArgs {
    /// The connection's id (see `patchbay list`).
    pub id: String,
    /// How many days, today included (1–60).
    #[arg(long, value_name = "N", default_value_t = 7, value_parser = clap::value_parser!(u32).range(1..=60))]
    pub days: u32,
    /// Print a JSON array: id, subject, start, end (RFC 3339 with the mailbox time zone's offset), all_day,
    /// location, organizer, join_url, cancelled, web_link. Missing values are null.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct GraphArgs {
    /// The connection's id (see `patchbay list`).
    pub id: String,
    /// The path under the connection's Graph, e.g. me/messages (a query string may follow).
    pub path: String,
    /// The HTTP method (default: GET, or POST with --body).
    #[arg(short = 'X', long = "method", value_name = "METHOD")]
    pub method: Option<String>,
    /// A query parameter, key=value (repeatable), e.g. --query '$top=5'.
    #[arg(long = "query", short = 'q', value_name = "K=V")]
    pub query: Vec<String>,
    /// A JSON request body from a file, or - for stdin.
    #[arg(long, value_name = "FILE|-")]
    pub body: Option<String>,
    /// A request header, "Key: Value" (repeatable), e.g. --header 'Prefer: outlook.timezone="Europe/Paris"'.
    #[arg(long = "header", short = 'H', value_name = "K:V")]
    pub header: Vec<String>,
    /// Follow @odata.nextLink and print every page's items as one JSON array.
    #[arg(long)]
    pub paginate: bool,
}

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Print the checks as a JSON array.
    #[arg(long)]
    pub json: bool,
}

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

#[cfg(test)]
mod tests {
    /// clap's own consistency checks (they run only in debug builds, on the first parse that reaches them).
    #[test]
    fn the_command_line_definition_is_consistent() {
        super::command().debug_assert();
    }
}
