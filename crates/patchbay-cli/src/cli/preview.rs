//! `patchbay preview …` and `patchbay graph`: what a connection reaches, read from a terminal.
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

use clap::{Args, Subcommand};
