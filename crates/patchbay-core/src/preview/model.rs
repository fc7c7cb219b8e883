//! What a preview shows, as it crosses to the UI and the CLI: its sections, and the items they hold (files, quota
//! and sites are in [`super::drive_model`]; chats and teams in [`super::teams_model`]). Content lives here in memory only: it is never written to disk or to
//! logs (none of these types is logged, and the store never sees them).

pub use super::drive_model::{Crumb, DriveQuota, FileItem, FileList, FolderRef, Library, SiteItem};
pub use super::teams_model::{ChannelItem, ChatItem, ChatLine, ChatMember, ChatPage, TeamItem};
use serde::Serialize;
use ts_rs::TS;

/// A connection's preview: the sections its connector's catalogue entry names (`capabilities.preview`), in that
/// order, fetched in one round trip. Each section is loaded, failed on its own, or not asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Preview {
    pub connection_id: String,
    /// When Graph answered (RFC 3339).
    pub fetched_at: String,
    /// The zone times are shown in: the mailbox's for a connector whose sections read it, else this computer's.
    pub time_zone: PreviewZone,
    pub sections: Vec<PreviewSection>,
}

impl Preview {
    /// The section with the catalogue's id `id`, when the preview has it.
    pub fn section(&self, id: &str) -> Option<&PreviewSection> {
        self.sections.iter().find(|s| s.id == id)
    }
}

/// One section of a preview: the catalogue's id and title, and what it shows or why it cannot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct PreviewSection {
    /// The catalogue's section id (`inbox`, `agenda`, `recent_files`, `drive_root`, `quota`, `sites`,
    /// `recent_chats`, `joined_teams`).
    pub id: String,
    /// The catalogue's title ("Inbox", "Recent files").
    pub title: String,
    #[serde(flatten)]
    #[ts(flatten)]
    pub body: SectionBody,
}

/// A section's items, or why they could not be had. Each section fails on its own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum SectionBody {
    Loaded {
        content: SectionContent,
    },
    Failed {
        problem: SectionProblem,
    },
    /// Not asked for (`patchbay preview inbox` leaves out the agenda).
    Skipped,
}

/// What a loaded section shows, by kind. A page of "Load more" is the same content (a list kind) with the next
/// page's items.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SectionContent {
    Messages {
        items: Vec<InboxMessage>,
        /// Graph's link to the next page ("Load more"), passed back as given.
        next_link: Option<String>,
    },
    Events {
        items: Vec<AgendaEvent>,
        next_link: Option<String>,
    },
    Files(FileList),
    Quota {
        quota: DriveQuota,
    },
    Sites {
        items: Vec<SiteItem>,
        next_link: Option<String>,
    },
    Chats {
        items: Vec<ChatItem>,
        next_link: Option<String>,
    },
    Teams {
        items: Vec<TeamItem>,
        next_link: Option<String>,
    },
}

/// The zone times are shown in: the mailbox's, or this computer's when the mailbox's cannot be had.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct PreviewZone {
    /// IANA name ("Europe/Berlin"), for `Intl.DateTimeFormat`'s `timeZone`.
    pub iana: String,
    /// The name as Graph reported it ("W. Europe Standard Time"), when the mailbox's zone is used.
    pub reported: Option<String>,
    /// Whether `iana` is the mailbox's zone (false: this computer's).
    pub from_mailbox: bool,
    /// The mailbox's clock: 12-hour (`h:mm tt`) or 24-hour (`HH:mm`); `None` when unknown.
    pub hour12: Option<bool>,
    /// The mailbox's .NET date and time patterns (`dd.MM.yyyy`, `HH:mm`).
    pub date_format: Option<String>,
    pub time_format: Option<String>,
    /// Why the mailbox's zone is not used (e.g. no MailboxSettings.Read), when it is not.
    pub problem: Option<SectionProblem>,
}

/// A page of "Load more".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct PreviewPage<T> {
    pub items: Vec<T>,
    pub next_link: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    /// A permission was not granted: `permission` names it, Fix asks for it again.
    MissingPermission,
    /// The connection was set up without the permission (its feature was not chosen): Fix cannot add it, a
    /// new connection with that feature can.
    NotRequested,
    /// Graph refused the connection's sign-in even after renewing it: Fix signs in again.
    SignInRefused,
    /// Graph is throttling: try again later.
    Throttled,
    /// Graph could not be reached or had a problem.
    Unavailable,
    /// Anything else, with Graph's words.
    Other,
}

/// Why a part of the preview is missing, and what to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct SectionProblem {
    pub kind: ProblemKind,
    /// One sentence: "The calendar needs permission Calendars.Read."
    pub title: String,
    /// What to do.
    pub message: String,
    /// The permission to grant, for `missing_permission`.
    pub permission: Option<String>,
    /// Graph's `code: message`.
    pub detail: Option<String>,
    pub request_id: Option<String>,
}

/// A message in the inbox. Missing values are `None` (`null`), never invented.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct InboxMessage {
    pub id: String,
    /// `None` for a message without a subject.
    pub subject: Option<String>,
    pub from_name: Option<String>,
    pub from_address: Option<String>,
    /// RFC 3339 with the preview zone's offset.
    pub received: Option<String>,
    pub is_read: Option<bool>,
    pub has_attachments: Option<bool>,
    /// The start of the body as plain text.
    pub preview: Option<String>,
    pub web_link: Option<String>,
    /// `low`, `normal`, `high`.
    pub importance: Option<String>,
}

/// An event occurrence in the agenda.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct AgendaEvent {
    pub id: String,
    pub subject: Option<String>,
    /// RFC 3339 with the preview zone's offset. An all-day event runs from midnight to midnight (end exclusive)
    /// in that zone.
    pub start: Option<String>,
    pub end: Option<String>,
    pub all_day: Option<bool>,
    pub location: Option<String>,
    /// The organiser's name (or address, when they have no name).
    pub organizer: Option<String>,
    pub organizer_address: Option<String>,
    /// The online meeting's join link.
    pub join_url: Option<String>,
    pub cancelled: Option<bool>,
    pub web_link: Option<String>,
    /// `free`, `tentative`, `busy`, `oof`, `workingElsewhere`, `unknown`.
    pub show_as: Option<String>,
}
