//! Built-in actions: what people build flows for, without a script — save a message's attachments here or in a
//! drive, post to Teams, forward, move, mark read or categorize the message, copy changed files. They run in the
//! same engine as a command: at least once and once per item, retried with backoff, in the history in words,
//! stopped in words when a connection they act through needs Fix (and caught up after it).
//!
//! - Which connector carries out which action, after which trigger and with which permission is the catalogue's
//!   ([`crate::catalogue::ActionSpec`], [`crate::catalogue::Capabilities::receives_files`]): [`check`] reads it
//!   at add, and Graph's own refusal says it again at run.
//! - [`expand`]: saving attachments makes each attachment its own unit of work in the queue (written in one
//!   atomic write with the message's removal), so a kill saves each attachment once.
//! - A unit's file name is chosen before it is written and kept with it ([`super::queue::Pending::target`]):
//!   a retry after a kill finds its own file rather than making `name (1).pdf`.
//! - Text from mail, files and chats fills a template as text ([`template`]), never markup; a name from
//!   someone's mail becomes one safe file name ([`names`]).

mod attachments;
mod copy;
mod mail;
pub mod names;
mod parts;
mod teams;
pub mod template;

use super::action::Outcome;
use super::queue::Pending;
use super::{Action, Automation, Destination, Trigger};
use crate::error::{ErrorCode, ErrorInfo};
use crate::graph::ConnectionGraph;
use crate::model::ConnectionSummary;
use crate::Patchbay;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub use attachments::Expanded;

/// Upload chunks of built-in actions: 5 MiB (16 × 320 KiB, the low end of what Graph advises), half the CLI's,
/// so a resident runner saving a large attachment stays small (two or three chunk buffers are held at once).
const UPLOAD_CHUNK: u64 = 16 * crate::files::CHUNK_UNIT;

/// How built-in actions upload: resumable across kills, in [`UPLOAD_CHUNK`]s.
fn upload_options(core: &Patchbay) -> crate::files::UploadOptions {
    let mut options = crate::files::UploadOptions::resumable(&core.config().data_dir);
    options.chunk_size = UPLOAD_CHUNK;
    options
}

/// A built-in action as a person gives it (the CLI's flags, the window's form): connections by id or name,
/// a destination as typed (`/home/ada/Invoices`, or `CONNECTION:/Folder/Path`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum NewAction {
    SaveAttachments {
        to: String,
        #[serde(default)]
        include_inline: bool,
    },
    PostToTeams {
        connection: String,
        #[serde(default)]
        chat: Option<String>,
        /// `TEAM_ID/CHANNEL_ID`.
        #[serde(default)]
        channel: Option<String>,
        message: String,
    },
    Forward {
        to: Vec<String>,
    },
    Move {
        folder: String,
    },
    MarkRead,
    Categorize {
        name: String,
    },
    Copy {
        to: String,
    },
}

fn invalid(title: impl Into<String>, hint: impl Into<String>) -> ErrorInfo {
    ErrorInfo::new(ErrorCode::InvalidInput, title, hint)
}

/// `new` checked for an automation of `connection` started by `trigger`: the action fits the trigger, every
/// connection it acts through is of a connector that carries it out and has the permission (refused in words,
/// naming the scope), a destination folder is there (a drive's is made when missing), a template names only
/// what it can fill.
pub async fn check(
    core: &Patchbay,
    connection: &ConnectionSummary,
    trigger: &Trigger,
    new: &NewAction,
) -> Result<Action, ErrorInfo> {
    match new {
        NewAction::SaveAttachments { to, include_inline } => {
            may(core, connection, trigger, "save_attachments", "")?;
            Ok(Action::SaveAttachments {
                to: destination(core, to, "the attachments").await?,
                include_inline: *include_inline,
            })
        }
        NewAction::Copy { to } => {
            may(core, connection, trigger, "copy", "")?;
            Ok(Action::Copy {
                to: destination(core, to, "the copies").await?,
            })
        }
        NewAction::Forward { to } => {
            may(core, connection, trigger, "forward", "")?;
            let to: Vec<String> = to
                .iter()
                .flat_map(|t| t.split(','))
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty())
                .collect();
            if to.is_empty() {
                return Err(invalid(
                    "There is no one to forward to.",
                    "Give one address or more, separated by commas.",
                ));
            }
            crate::agents::common::check_addresses(&to, "--forward-to")?;
            Ok(Action::Forward { to })
        }
        NewAction::Move { folder } => {
            may(core, connection, trigger, "move", "")?;
            let folder = folder.trim();
            if folder.is_empty() {
                return Err(invalid(
                    "There is no folder to move to.",
                    "Give a folder's well-known name (archive, deleteditems, junkemail…) or its id.",
                ));
            }
            mail::check_folder(core, &connection.id, folder).await?;
            Ok(Action::Move {
                folder: folder.to_string(),
            })
        }
        NewAction::MarkRead => {
            may(core, connection, trigger, "mark_read", "")?;
            Ok(Action::MarkRead)
        }
        NewAction::Categorize { name } => {
            may(core, connection, trigger, "categorize", "")?;
            let name = name.trim();
            if name.is_empty() || name.chars().any(char::is_control) {
                return Err(invalid(
                    "The category has no name.",
                    "Give the category's name as Outlook shows it (e.g. Invoices).",
                ));
            }
            Ok(Action::Categorize {
                name: name.to_string(),
            })
        }
        NewAction::PostToTeams {
            connection: teams,
            chat,
            channel,
            message,
        } => {
            let chat = chat.as_deref().map(str::trim).filter(|c| !c.is_empty());
            let channel = channel.as_deref().map(str::trim).filter(|c| !c.is_empty());
            let place = match (chat, channel) {
                (Some(_), None) => "chat",
                (None, Some(c)) => {
                    teams::split_channel(c)?;
                    "channel"
                }
                _ => {
                    return Err(invalid(
                        "Say where to post: one chat or one channel.",
                        "Give --chat ID (from `patchbay teams chats`) or --channel TEAM_ID/CHANNEL_ID (from \
                         `patchbay teams teams` and `patchbay teams channels`).",
                    ))
                }
            };
            let target = core.find(teams)?;
            acts(core, &target, "post_to_teams", place)?;
            if let Some(id) = chat {
                crate::agents::common::checked_id(id, "a chat")?;
            }
            template::check(message)?;
            Ok(Action::PostToTeams {
                connection_id: target.id.clone(),
                chat: chat.map(str::to_string),
                channel: channel.map(str::to_string),
                message: message.clone(),
            })
        }
    }
}

/// The action `id` fits `trigger` and `connection` may carry it out.
fn may(
    core: &Patchbay,
    connection: &ConnectionSummary,
    trigger: &Trigger,
    id: &str,
    place: &str,
) -> Result<(), ErrorInfo> {
    let spec = acts(core, connection, id, place)?;
    if !spec.after.iter().any(|t| t == trigger.code()) {
        let after: Vec<String> = spec
            .after
            .iter()
            .filter_map(|t| {
                core.catalogue()
                    .connectors()
                    .iter()
                    .find_map(|c| c.capabilities.trigger(t))
                    .map(|t| t.label.to_lowercase())
            })
            .collect();
        return Err(invalid(
            format!(
                "\"{}\" is not something to do when {}.",
                spec.label,
                trigger.describe()
            ),
            format!(
                "It goes with a trigger of its own connection: {}.",
                after.join(", ")
            ),
        ));
    }
    Ok(())
}

/// `connection`'s connector carries out action `id`, and `connection` has what it needs (at `place`).
fn acts<'c>(
    core: &'c Patchbay,
    connection: &ConnectionSummary,
    id: &str,
    place: &str,
) -> Result<&'c crate::catalogue::ActionSpec, ErrorInfo> {
    let connector = core.catalogue().get(&connection.connector_id).ok();
    let Some(spec) = connector.and_then(|c| c.capabilities.action(id)) else {
        let label = core
            .catalogue()
            .connectors()
            .iter()
            .find_map(|c| c.capabilities.action(id))
            .map(|a| a.label.clone())
            .unwrap_or_else(|| id.to_string());
        let by: Vec<String> = core
            .catalogue()
            .connectors()
            .iter()
            .filter(|c| c.capabilities.action(id).is_some())
            .map(|c| c.name.clone())
            .collect();
        return Err(invalid(
            format!(
                "\"{}\" cannot {}: it is a {} connection.",
                connection.name,
                label.to_lowercase(),
                connector.map(|c| c.name.as_str()).unwrap_or("different")
            ),
            format!("Choose a {} connection.", by.join(" or ")),
        ));
    };
    if let Some(need) = spec.need(place) {
        if !need.met_by(&connection.info.scopes_granted) {
            return Err(lacks(connection, &need.scope, &spec.label));
        }
    }
    Ok(spec)
}

fn lacks(connection: &ConnectionSummary, scope: &str, what: &str) -> ErrorInfo {
    ErrorInfo::new(
        ErrorCode::InvalidScope,
        format!(
            "\"{}\" lacks the permission {scope} that \"{what}\" needs.",
            connection.name
        ),
        "Use Fix on the connection to grant it (choose the feature that asks for it), or choose a connection \
         that has it.",
    )
}

/// Where files go, as typed: an absolute local folder (made when missing), or `CONNECTION:/Folder/Path` of a
/// connection that receives files (its folder made when missing).
async fn destination(core: &Patchbay, text: &str, what: &str) -> Result<Destination, ErrorInfo> {
    let text = text.trim();
    if text.is_empty() {
        return Err(invalid(
            format!("There is no folder for {what}."),
            "Give a folder on this computer (/home/ada/Invoices) or a OneDrive & SharePoint connection's \
             folder (CONNECTION:/Invoices).",
        ));
    }
    let expanded = expand_home(text);
    if std::path::Path::new(&expanded).is_absolute() {
        let dir = std::path::PathBuf::from(&expanded);
        if dir.exists() && !dir.is_dir() {
            return Err(invalid(
                format!("{} is a file, not a folder.", dir.display()),
                format!("Give a folder for {what}."),
            ));
        }
        parts::make_dir(&dir).map_err(|e| {
            ErrorInfo::new(
                ErrorCode::Storage,
                format!("Patchbay cannot make the folder {}.", dir.display()),
                format!("{e}. Choose a folder you can write to."),
            )
        })?;
        return Ok(Destination::Local { folder: expanded });
    }
    let Some((name, path)) = text
        .char_indices()
        .find(|(i, c)| *c == ':' && text[i + 1..].starts_with('/'))
        .map(|(i, _)| (&text[..i], &text[i + 1..]))
    else {
        return Err(invalid(
            format!(
                "\"{text}\" is neither a full path on this computer nor a connection's folder."
            ),
            "Give a full path (/home/ada/Invoices) or CONNECTION:/Folder (a OneDrive & SharePoint \
             connection's name or id, a colon, then the folder's path).",
        ));
    };
    let target = core.find(name)?;
    receives(core, &target)?;
    let folder = crate::files::Files::path(path)?;
    let graph = core.graph(&target.id).await?;
    parts::ensure_folder(&graph, &folder).await?;
    Ok(Destination::Drive {
        connection_id: target.id.clone(),
        folder: folder.display(),
    })
}

/// `connection` can receive files, with the permission it takes.
fn receives(core: &Patchbay, connection: &ConnectionSummary) -> Result<(), ErrorInfo> {
    let connector = core.catalogue().get(&connection.connector_id).ok();
    let Some(need) = connector.and_then(|c| c.capabilities.receives_files.as_ref()) else {
        let by: Vec<String> = core
            .catalogue()
            .connectors()
            .iter()
            .filter(|c| c.capabilities.receives_files.is_some())
            .map(|c| c.name.clone())
            .collect();
        return Err(invalid(
            format!(
                "\"{}\" cannot keep files: it is a {} connection.",
                connection.name,
                connector.map(|c| c.name.as_str()).unwrap_or("different")
            ),
            format!("Choose a {} connection's folder.", by.join(" or ")),
        ));
    };
    if !need.met_by(&connection.info.scopes_granted) {
        return Err(lacks(connection, &need.scope, "keep files"));
    }
    Ok(())
}

/// `~/x` as the home folder's `x` (a form or a quoted flag leaves it unexpanded).
fn expand_home(text: &str) -> String {
    let home = directories::BaseDirs::new().map(|b| b.home_dir().to_path_buf());
    match (text.strip_prefix("~/"), home) {
        (Some(rest), Some(home)) => home.join(rest).to_string_lossy().into_owned(),
        _ => text.to_string(),
    }
}

/// A failure of a built-in action as an attempt's outcome: stopped (in words, naming the connection) when the
/// connection needs a person, otherwise an attempt to retry.
fn failed(core: &Patchbay, connection_id: &str, e: &ErrorInfo) -> Outcome {
    let words = e.clone().for_surface(crate::error::Surface::Cli).one_line();
    if e.code.mended_by_sign_in() {
        let name = core
            .get(connection_id)
            .map(|c| c.name.clone())
            .unwrap_or_else(|_| "a connection".into());
        return Outcome {
            stopped: Some(format!("{name} needs Fix: {words}")),
            ..Outcome::failed(words)
        };
    }
    if e.code == ErrorCode::NotFound && core.get(connection_id).is_err() {
        return Outcome {
            stopped: Some(
                "A connection this automation acts through was removed: remove the automation and add it again \
                 with another."
                    .into(),
            ),
            ..Outcome::failed(words)
        };
    }
    if crate::graph::session::is_unconfirmed(e) {
        // A forward or a post that may have gone: never sent again by a retry; Retry, once someone looked.
        return Outcome {
            settled: true,
            ..Outcome::failed(words)
        };
    }
    Outcome::failed(words)
}

/// Graph as `connection_id`, or the attempt's outcome.
async fn graph(core: &Patchbay, connection_id: &str) -> Result<ConnectionGraph, Outcome> {
    core.graph(connection_id)
        .await
        .map_err(|e| failed(core, connection_id, &e))
}

fn done(detail: String) -> Outcome {
    Outcome {
        ok: true,
        exit_code: None,
        http_status: None,
        detail: Some(detail),
        stopped: None,
        settled: false,
    }
}

/// Before a queued item's action: a message whose attachments are to be saved becomes one unit per
/// attachment (`None`: nothing to expand — another action, or already a unit).
pub async fn expand(
    core: &Patchbay,
    a: &Automation,
    p: &Pending,
) -> Option<Result<Expanded, Outcome>> {
    match &a.action {
        Action::SaveAttachments { include_inline, .. } if p.payload.get("attachment").is_none() => {
            Some(attachments::expand(core, a, p, *include_inline).await)
        }
        _ => None,
    }
}

/// Carry out `a`'s built-in action for `p`; `remember` keeps a chosen target with the queued item (saved before
/// anything is written under it).
pub async fn deliver(
    core: &Patchbay,
    a: &Automation,
    p: &Pending,
    remember: &mut (dyn FnMut(&str) -> Result<(), ErrorInfo> + Send),
) -> Outcome {
    match &a.action {
        Action::Run { .. } | Action::Post { .. } => {
            Outcome::failed("Not a built-in action.".to_string())
        }
        Action::SaveAttachments { to, .. } => attachments::save(core, a, to, p, remember).await,
        Action::Copy { to } => copy::copy(core, a, to, p).await,
        Action::Forward { to } => mail::forward(core, a, p, to).await,
        Action::Move { folder } => mail::move_to(core, a, p, folder).await,
        Action::MarkRead => mail::mark_read(core, a, p).await,
        Action::Categorize { name } => mail::categorize(core, a, p, name).await,
        Action::PostToTeams {
            connection_id,
            chat,
            channel,
            message,
        } => {
            teams::post(
                core,
                connection_id,
                chat.as_deref(),
                channel.as_deref(),
                message,
                &p.payload,
            )
            .await
        }
    }
}

/// Test with the newest item: the whole action for one item, now (each attachment of a message in turn), with
/// nothing queued or remembered.
pub async fn deliver_now(core: &Patchbay, a: &Automation, p: &Pending) -> Outcome {
    let units = match expand(core, a, p).await {
        None => vec![p.clone()],
        Some(Err(outcome)) => return outcome,
        Some(Ok(Expanded { units, note })) if units.is_empty() => {
            return done(note.unwrap_or_else(|| "Nothing to save.".into()))
        }
        Some(Ok(Expanded { units, .. })) => units,
    };
    let mut details = Vec::new();
    for unit in units {
        let outcome = deliver(core, a, &unit, &mut |_: &str| Ok(())).await;
        if !outcome.ok {
            return outcome;
        }
        details.extend(outcome.detail);
    }
    done(details.join("; "))
}
