//! Automations: when mail arrives or the calendar changes, run something on this computer — a command (one item per run, its JSON on
//! stdin) or a POST of the JSON — without ever missing a message or firing twice for one.
//!
//! The rules that make that so, each in one place:
//! - [`store`]: the list of automations (`automations/automations.json`), versioned, written atomically under a
//!   cross-process lock, like `connections.json`.
//! - [`queue`]: each automation's durable state (`automations/<id>/state.json`): the Graph delta cursor, the queue
//!   of items still to deliver, and a bounded record of the ids already delivered. A delta round's items are
//!   written to the queue in the same atomic write that advances the cursor, and an item leaves the queue only
//!   after its action succeeded, so a process killed at any point re-delivers at most the item in flight and loses
//!   none. The record of ids delivered (and, at creation, of every id already in the folder) makes Graph's replays
//!   and a resync after a 410 fire nothing twice.
//! - [`engine`]: one round for an automation: follow the delta (`/me/mailFolders/{id}/messages/delta`, with
//!   `$select` and `Prefer: odata.maxpagesize`) from its cursor to the next deltaLink, queue what is new and
//!   matches, deliver what is due; a connection that needs Fix stops the automation with that reason and it
//!   catches up from its cursor after Fix.
//! - [`mail`]: what a round asks of a folder, and which message is new and matches.
//! - [`calendar`]: the same for a calendar view (`/me/calendarView/delta` over the next N days): which change of
//!   an event is new (added, changed, cancelled), each delivered once.
//! - [`runner`]: the engine all day (the service, `patchbay automations run`): each automation at its interval,
//!   Outlook's four requests per mailbox, Run now, catching up after Fix; and what is said when connections stop
//!   automations.
//! - [`manage`]: what a person does (add, with every rule of a valid automation; pause, remove, Run now, Test
//!   with the newest item), the same from the CLI and the window.
//! - [`action`]: how an item is delivered, and the history line of each attempt (`automations/<id>/history.jsonl`).

pub mod action;
pub mod calendar;
pub mod channels;
pub mod chats;
pub mod engine;
pub mod files;
pub mod flows;
pub mod mail;
pub mod manage;
pub mod queue;
pub mod runner;
pub mod source;
pub mod store;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// How many times an item is tried before it is marked failed (and waits for Retry).
pub const MAX_ATTEMPTS: u32 = 5;
/// The longest calendar window, in days.
pub const MAX_DAYS: u32 = 60;
/// The most items an automation keeps waiting for delivery: past it, its rounds stop reading Graph (the cursor
/// stays, so nothing is lost: Graph keeps the changes) until deliveries make room.
pub const MAX_QUEUE: usize = 10_000;
/// The calendar window when none is given, in days.
pub const DEFAULT_DAYS: u32 = 14;
/// The default poll interval, and the shortest allowed.
pub const DEFAULT_POLL_SECS: u64 = 60;
pub const MIN_POLL_SECS: u64 = 15;

/// What starts an automation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "on", rename_all = "snake_case")]
pub enum Trigger {
    /// New mail in a folder (a well-known name such as `inbox`, or a folder id), filtered.
    NewMail {
        folder: String,
        /// Only from this address (case-insensitive).
        from: Option<String>,
        /// Only when the subject contains this text (case-insensitive).
        subject_contains: Option<String>,
        /// Only messages with attachments.
        has_attachments: bool,
    },
    /// An event added, changed or cancelled that happens in the next `days` days.
    EventChanged { days: u32 },
    /// A file created, changed, deleted or moved under a folder of a drive (recursive).
    FileChanged {
        /// The folder's path from the drive's root (`/` for the whole drive).
        folder: String,
        /// A drive's id (a SharePoint library); the person's OneDrive when `None`.
        drive: Option<String>,
        /// Only files whose name matches this pattern (`*.pdf`), case-insensitively.
        name_matches: Option<String>,
        /// Download each created or modified file into this folder before the action (its path in
        /// `PATCHBAY_LOCAL_PATH` and the item's `local_path`).
        download_to: Option<String>,
    },
    /// A message arriving in the person's Teams chats (never their own, never a system event), filtered.
    ChatMessage {
        /// Only in this chat (its id).
        chat: Option<String>,
        /// Only from this address (case-insensitive).
        from: Option<String>,
        /// Only messages that @mention the person.
        mentions_me: bool,
        /// Only messages whose text contains this (case-insensitive).
        contains: Option<String>,
    },
    /// A message posted in a channel of a team (needs ChannelMessage.Read.All, which an administrator approves).
    ChannelMessage { team: String, channel: String },
}

/// What an automation does with each item: a command or a POST of its own, or one of Patchbay's built-in actions
/// (see [`flows`]), which act through the trigger's connection or another one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Action {
    /// Run a program with arguments (no shell unless the person wrote `sh -c`): the item's JSON on stdin.
    Run { argv: Vec<String> },
    /// POST the item's JSON to a URL (http only on this computer, otherwise https).
    Post { url: String },
    /// Save each attachment of the message (new mail), once each, in a folder here or in a drive.
    SaveAttachments {
        to: Destination,
        /// Also the pictures inside the message's text (left out unless asked).
        #[serde(default)]
        include_inline: bool,
    },
    /// Post a text message, its template filled from the item, in a chat or a channel (any trigger).
    PostToTeams {
        /// The Teams connection that posts.
        connection_id: String,
        /// A chat's id.
        #[serde(default)]
        chat: Option<String>,
        /// `TEAM_ID/CHANNEL_ID`.
        #[serde(default)]
        channel: Option<String>,
        /// The text, with `{subject}`, `{from}`, `{name}`, `{path}`, `{web_url}`, `{change}`, `{preview}` filled
        /// as text.
        message: String,
    },
    /// Forward the message to these addresses (new mail): this sends mail.
    Forward { to: Vec<String> },
    /// Move the message to a folder (a well-known name such as `archive`, or a folder's id) (new mail).
    Move { folder: String },
    /// Mark the message read (new mail).
    MarkRead,
    /// Add a category to the message's categories (new mail).
    Categorize { name: String },
    /// Copy each created or changed file to a folder here (a mirror of what changed) or in a drive (file
    /// changes).
    Copy { to: Destination },
}

/// Where a built-in action puts files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "place", rename_all = "snake_case")]
pub enum Destination {
    /// A folder on this computer (an absolute path).
    Local { folder: String },
    /// A folder (its path from the drive's root) of a OneDrive & SharePoint connection's drive.
    Drive {
        connection_id: String,
        folder: String,
    },
}

/// One automation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Automation {
    pub id: String,
    pub name: String,
    pub connection_id: String,
    pub trigger: Trigger,
    pub action: Action,
    pub paused: bool,
    /// Also show a desktop notification for each item delivered (where the service runs on a desktop).
    #[serde(default)]
    pub notify: bool,
    /// Seconds between polls (at least [`MIN_POLL_SECS`]).
    #[ts(type = "number")]
    pub poll_secs: u64,
    /// RFC 3339.
    pub created_at: String,
}

impl Trigger {
    /// What the trigger watches, as the engine follows it: the one place that maps a trigger to its source.
    pub fn source(&self) -> Box<dyn source::DeltaSource + '_> {
        match self {
            Trigger::NewMail {
                folder,
                from,
                subject_contains,
                has_attachments,
            } => Box::new(mail::NewMail {
                folder,
                from: from.as_deref(),
                subject_contains: subject_contains.as_deref(),
                has_attachments: *has_attachments,
            }),
            Trigger::EventChanged { days } => Box::new(calendar::EventChanged { days: *days }),
            Trigger::FileChanged {
                folder,
                drive,
                name_matches,
                download_to,
            } => Box::new(files::FileChanged {
                folder,
                drive: drive.as_deref(),
                name_matches: name_matches.as_deref(),
                download_to: download_to.as_deref(),
            }),
            Trigger::ChatMessage {
                chat,
                from,
                mentions_me,
                contains,
            } => Box::new(chats::ChatMessageArrives {
                chat: chat.as_deref(),
                from: from.as_deref(),
                mentions_me: *mentions_me,
                contains: contains.as_deref(),
            }),
            Trigger::ChannelMessage { team, channel } => {
                Box::new(channels::ChannelMessageArrives { team, channel })
            }
        }
    }

    /// `"new_mail"`, as the command's JSON and the catalogue name it.
    pub fn code(&self) -> &'static str {
        self.source().code()
    }

    /// What it watches, in words ("new mail in inbox from ada@contoso.com").
    pub fn describe(&self) -> String {
        self.source().describe()
    }
}

/// Where an automation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum AutomationState {
    Active,
    Paused,
    /// Its connection needs a person (Fix): nothing is polled until then.
    Stopped,
    /// A delivery keeps failing (retrying, or failed [`MAX_ATTEMPTS`] times and waiting for Retry).
    Failing,
    /// Its state file cannot be read (damaged by hand or by the disk): it does nothing until removed and added
    /// again; the others go on.
    Damaged,
}

impl AutomationState {
    pub const ALL: [AutomationState; 5] = [
        AutomationState::Active,
        AutomationState::Paused,
        AutomationState::Stopped,
        AutomationState::Failing,
        AutomationState::Damaged,
    ];

    /// `active`, as the JSON names it.
    pub fn code(self) -> &'static str {
        match self {
            AutomationState::Active => "active",
            AutomationState::Paused => "paused",
            AutomationState::Stopped => "stopped",
            AutomationState::Failing => "failing",
            AutomationState::Damaged => "damaged",
        }
    }

    /// Its badge's word.
    pub fn label(self) -> &'static str {
        match self {
            AutomationState::Active => "Active",
            AutomationState::Paused => "Paused",
            AutomationState::Stopped => "Stopped",
            AutomationState::Failing => "Failing",
            AutomationState::Damaged => "Damaged",
        }
    }

    /// How it is shown: `ok`, `muted`, `danger`, `warn`.
    pub fn tone(self) -> &'static str {
        match self {
            AutomationState::Active => "ok",
            AutomationState::Paused => "muted",
            AutomationState::Stopped => "danger",
            AutomationState::Failing => "warn",
            AutomationState::Damaged => "danger",
        }
    }
}

/// An automation as the CLI and the window show it: what it is, and where it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct AutomationView {
    #[serde(flatten)]
    #[ts(flatten)]
    pub automation: Automation,
    pub state: AutomationState,
    /// Where it stands in words: "active", "stopped: Work mail needs Fix", "failing (2 retrying, 1 failed)".
    pub state_words: String,
    /// What starts it, in words ("New mail in inbox from ada@contoso.com").
    pub trigger_words: String,
    /// What it does, in words ("Runs notify-send 'New mail'").
    pub action_words: String,
    /// Items waiting for delivery (retrying ones included).
    pub queued: usize,
    /// Items that failed [`MAX_ATTEMPTS`] times and wait for Retry.
    pub failed: usize,
    /// Why it is stopped, in words.
    pub stopped_reason: Option<String>,
    /// The last round's Graph failure, in words.
    pub last_error: Option<String>,
    /// RFC 3339: the last round that reached Graph.
    pub last_poll_at: Option<String>,
    /// Every connection it works through, its trigger's first (a stopped automation's Fix is one of these).
    pub connection_ids: Vec<String>,
}

/// A sentence's words as the start of one: "new mail" → "New mail".
fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

impl Action {
    /// What it does, in words; a command quoted as a shell would need it, so what is shown is what was typed;
    /// another connection by its name (`name_of`, `None`: removed).
    pub fn words(&self, name_of: &dyn Fn(&str) -> Option<String>) -> String {
        let named = |id: &str| {
            name_of(id)
                .map(|n| format!("\u{201c}{n}\u{201d}"))
                .unwrap_or_else(|| "a removed connection".into())
        };
        let place = |d: &Destination| match d {
            Destination::Local { folder } => folder.clone(),
            Destination::Drive {
                connection_id,
                folder,
            } => format!("{folder} in {}", named(connection_id)),
        };
        match self {
            Action::Run { argv } => format!("Runs {}", shell_words::join(argv)),
            Action::Post { url } => format!("POSTs to {url}"),
            Action::SaveAttachments { to, include_inline } => format!(
                "Saves the attachments{} to {}",
                if *include_inline {
                    " (pictures in the text too)"
                } else {
                    ""
                },
                place(to)
            ),
            Action::PostToTeams {
                connection_id,
                chat,
                channel,
                ..
            } => format!(
                "Posts to {} with {}",
                match (chat, channel) {
                    (Some(c), _) => format!("chat {c}"),
                    (None, Some(c)) => format!("channel {c}"),
                    (None, None) => "Teams".into(),
                },
                named(connection_id)
            ),
            Action::Forward { to } => format!("Forwards it to {} (sends mail)", to.join(", ")),
            Action::Move { folder } => format!("Moves it to {folder}"),
            Action::MarkRead => "Marks it read".into(),
            Action::Categorize { name } => format!("Adds the category {name}"),
            Action::Copy { to } => format!("Copies each changed file to {}", place(to)),
        }
    }

    /// The connections it acts through besides the trigger's (a drive it saves to, a Teams connection).
    pub fn other_connections(&self) -> Vec<&str> {
        fn of(d: &Destination) -> Option<&str> {
            match d {
                Destination::Drive { connection_id, .. } => Some(connection_id.as_str()),
                Destination::Local { .. } => None,
            }
        }
        match self {
            Action::SaveAttachments { to, .. } | Action::Copy { to } => {
                of(to).into_iter().collect()
            }
            Action::PostToTeams { connection_id, .. } => vec![connection_id.as_str()],
            _ => Vec::new(),
        }
    }

    /// One of Patchbay's own actions (not a command or a POST of the person's).
    pub fn is_builtin(&self) -> bool {
        !matches!(self, Action::Run { .. } | Action::Post { .. })
    }

    /// `run`, as the JSON's `kind` names it.
    pub fn kind(&self) -> &'static str {
        match self {
            Action::Run { .. } => "run",
            Action::Post { .. } => "post",
            Action::SaveAttachments { .. } => "save_attachments",
            Action::PostToTeams { .. } => "post_to_teams",
            Action::Forward { .. } => "forward",
            Action::Move { .. } => "move",
            Action::MarkRead => "mark_read",
            Action::Categorize { .. } => "categorize",
            Action::Copy { .. } => "copy",
        }
    }
}

impl Automation {
    /// Every connection it uses: the trigger's first.
    pub fn connections(&self) -> Vec<&str> {
        let mut all = vec![self.connection_id.as_str()];
        for c in self.action.other_connections() {
            if !all.contains(&c) {
                all.push(c);
            }
        }
        all
    }
}

/// `a` with its state, as read from its folder; other connections named by `name_of`.
pub fn view(
    store: &store::AutomationStore,
    a: Automation,
    name_of: &dyn Fn(&str) -> Option<String>,
) -> Result<AutomationView, crate::error::ErrorInfo> {
    let s = match queue::Queue::new(&store.folder_of(&a.id)).load() {
        Ok(s) => s,
        // One damaged file does not hide the others: this one shows as damaged, in words.
        Err(e) => {
            return Ok(AutomationView {
                state: AutomationState::Damaged,
                state_words: format!("damaged: {} {}", e.title, e.message),
                trigger_words: capitalised(&a.trigger.describe()),
                action_words: a.action.words(name_of),
                queued: 0,
                failed: 0,
                stopped_reason: None,
                last_error: Some(format!("{} {}", e.title, e.message)),
                last_poll_at: None,
                connection_ids: a.connections().into_iter().map(str::to_string).collect(),
                automation: a,
            })
        }
    };
    let failed = s.queue.iter().filter(|p| p.failed).count();
    let retrying = s.queue.iter().any(|p| !p.failed && p.attempts > 0);
    let queued = s.queue.iter().filter(|p| !p.failed).count();
    let state = if a.paused {
        AutomationState::Paused
    } else if s.stopped.is_some() {
        AutomationState::Stopped
    } else if failed > 0 || retrying {
        AutomationState::Failing
    } else {
        AutomationState::Active
    };
    let state_words = match state {
        AutomationState::Stopped => format!(
            "stopped: {}",
            s.stopped.as_deref().unwrap_or("its connection needs Fix")
        ),
        AutomationState::Failing => format!("failing ({queued} retrying, {failed} failed)"),
        other => other.code().to_string(),
    };
    Ok(AutomationView {
        state,
        state_words,
        trigger_words: capitalised(&a.trigger.describe()),
        action_words: a.action.words(name_of),
        queued,
        failed,
        stopped_reason: s.stopped,
        last_error: s.last_error,
        last_poll_at: s.last_poll_at,
        connection_ids: a.connections().into_iter().map(str::to_string).collect(),
        automation: a,
    })
}
