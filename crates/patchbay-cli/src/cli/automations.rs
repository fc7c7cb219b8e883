//! `patchbay automations …`: when (a trigger and its filters) and what (a command, a POST or a built-in action).
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

use clap::{Args, Subcommand};
