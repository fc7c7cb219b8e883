//! `patchbay teams …`: chats, teams, channels, and sending.
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

use clap::{Args, Subcommand};
