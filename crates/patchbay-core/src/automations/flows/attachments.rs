//! Save attachments: a message becomes one unit of work per attachment ([`expand`]), each saved once
//! ([`save`]) — its bytes fetched as a stream (`…/attachments/{id}/$value`: a file's bytes, an attached mail's
//! MIME, saved as `.eml`), its name made safe, a clash numbered ` (1)`, the name chosen kept with the unit before
//! anything is written under it. Pictures inside the message's text are left out unless asked; a link to a
//! file (a reference attachment) is not a file and is said, not saved.
//!
//! Here: into a temporary file in the folder, synced, then linked under its name only if that name is still
//! free. In a drive: into the automation's folder first (`parts/`, kept across retries so the mail's bytes
//! are read once), then uploaded (a large one by an upload session, resumed after a kill) refusing to replace
//! anything; a name taken by this unit's own earlier upload (same size) is its save.

use super::names::{eml_name, numbered, safe_name};
use super::{done, failed, graph, parts};
use crate::automations::action::Outcome;
use crate::automations::queue::Pending;
use crate::automations::store::AutomationStore;
use crate::automations::{Automation, Destination};
use crate::error::{ErrorCode, ErrorInfo};
use crate::graph::drive::Conflict;
use crate::graph::path::encode;
use crate::graph::Request;
use crate::Patchbay;
use serde_json::json;
use std::path::Path;

/// Names tried before giving up on a free one.
const MAX_NUMBER: u32 = 999;

/// A message made into its attachments' units.
#[derive(Debug, Clone, PartialEq)]
pub struct Expanded {
    /// One per attachment to save, in the message's order (none: nothing to save).
    pub units: Vec<Pending>,
    /// What was left out, in words ("2 pictures in the text left out").
    pub note: Option<String>,
}

fn attachments_path(message_id: &str) -> String {
    format!("me/messages/{}/attachments", encode(message_id))
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The units of `p`'s message: each attachment (inline pictures only when asked), in order.
pub async fn expand(
    core: &Patchbay,
    a: &Automation,
    p: &Pending,
    include_inline: bool,
) -> Result<Expanded, Outcome> {
    let graph = graph(core, &a.connection_id).await?;
    let request = Request::get(attachments_path(&p.item_id))
        .query("$select", "id,name,contentType,size,isInline");
    let listed = graph
        .pages(&request)
        .await
        .map_err(|e| failed(core, &a.connection_id, &e))?;
    let all = match listed {
        crate::graph::Collected::Items(items) => items,
        crate::graph::Collected::Failed(response) if response.status == 404 => {
            return Ok(Expanded {
                units: Vec::new(),
                note: Some(
                    "the message was no longer there (moved or deleted): nothing saved".into(),
                ),
            })
        }
        crate::graph::Collected::Failed(response) => {
            let e = response
                .error()
                .map(|e| crate::graph::session::graph_error_info(&e))
                .unwrap_or_else(|| {
                    ErrorInfo::new(
                        ErrorCode::ProviderError,
                        format!("Graph answered {}.", response.status),
                        "Try again in a moment.",
                    )
                });
            return Err(failed(core, &a.connection_id, &e));
        }
    };
    let mut units = Vec::new();
    let (mut inline_left, mut links) = (0usize, 0usize);
    let subject = p.subject.clone().unwrap_or_default();
    for att in &all {
        let kind = match att["@odata.type"].as_str().unwrap_or_default() {
            t if t.ends_with("itemAttachment") => "item",
            t if t.ends_with("referenceAttachment") => {
                links += 1;
                continue;
            }
            _ => "file",
        };
        if att["isInline"].as_bool() == Some(true) && !include_inline {
            inline_left += 1;
            continue;
        }
        let Some(id) = att["id"].as_str() else {
            continue;
        };
        let name = att["name"].as_str().unwrap_or_default().to_string();
        let mut payload = p.payload.clone();
        payload["attachment"] = json!({
            "id": id,
            "name": name,
            "kind": kind,
            "content_type": att["contentType"],
            "size": att["size"],
            "is_inline": att["isInline"].as_bool().unwrap_or(false),
        });
        units.push(Pending {
            item_id: p.item_id.clone(),
            key: format!("{}#{id}", p.key()),
            subject: Some(if subject.is_empty() {
                name.clone()
            } else {
                format!("{subject} — {name}")
            }),
            payload,
            attempts: 0,
            next_at: 0,
            failed: false,
            target: None,
        });
    }
    let mut left = Vec::new();
    if inline_left > 0 {
        left.push(format!(
            "{} in the text left out",
            plural(inline_left, "picture", "pictures")
        ));
    }
    if links > 0 {
        left.push(format!(
            "{} to files not saved (open {} in Outlook)",
            plural(links, "link", "links"),
            if links == 1 { "it" } else { "them" }
        ));
    }
    let note = match (units.is_empty(), left.is_empty()) {
        (true, true) => Some("the message has no attachment to save".into()),
        (true, false) => Some(format!("nothing saved: {}", left.join("; "))),
        (false, true) => None,
        (false, false) => Some(left.join("; ")),
    };
    if let (Some(note), Some(last)) = (&note, units.last_mut()) {
        last.payload["note"] = json!(note);
    }
    Ok(Expanded { units, note })
}

/// Save one unit's attachment where `to` says.
pub async fn save(
    core: &Patchbay,
    a: &Automation,
    to: &Destination,
    p: &Pending,
    remember: &mut (dyn FnMut(&str) -> Result<(), ErrorInfo> + Send),
) -> Outcome {
    let att = &p.payload["attachment"];
    let Some(id) = att["id"].as_str() else {
        return Outcome::failed("This item has no attachment to save.".into());
    };
    let given = att["name"].as_str().unwrap_or_default();
    let name = if att["kind"] == "item" {
        eml_name(given)
    } else {
        safe_name(given, "attachment")
    };
    let request = Request::get(format!(
        "{}/{}/$value",
        attachments_path(&p.item_id),
        encode(id)
    ));
    let saved = match to {
        Destination::Local { folder } => {
            save_here(core, a, Path::new(folder), &name, &request, p, remember).await
        }
        Destination::Drive {
            connection_id,
            folder,
        } => save_to_drive(core, a, connection_id, folder, &name, &request, p, remember).await,
    };
    match saved {
        Ok(words) => {
            let note = p.payload["note"].as_str();
            done(match note {
                Some(n) => format!("{words} ({n})"),
                None => words,
            })
        }
        Err(o) => o,
    }
}

/// Into a folder here.
async fn save_here(
    core: &Patchbay,
    a: &Automation,
    dir: &Path,
    name: &str,
    request: &Request,
    p: &Pending,
    remember: &mut (dyn FnMut(&str) -> Result<(), ErrorInfo> + Send),
) -> Result<String, Outcome> {
    let local_err = |what: &str, path: &Path, e: &std::io::Error| {
        Outcome::failed(crate::files::failure::local(what, path, e).one_line())
    };
    // A retry after a kill: the name this unit chose, now taken, is its own file (files appear there only
    // whole, by a link).
    if let Some(chosen) = &p.target {
        if dir.join(chosen).is_file() {
            return Ok(format!("saved {chosen} to {}", dir.display()));
        }
    }
    parts::make_dir(dir).map_err(|e| local_err("make", dir, &e))?;
    let graph = graph(core, &a.connection_id).await?;
    let temp = dir.join(format!(
        ".{}.patchbay-part",
        crate::automations::queue::id_hash(p.key())
    ));
    parts::fetch(&graph, request, &temp)
        .await
        .map_err(|e| failed(core, &a.connection_id, &e))?;
    let mut n = 0;
    let start = p.target.clone();
    loop {
        let chosen = match (&start, n) {
            (Some(t), 0) => t.clone(),
            _ => free_name(dir, name, n),
        };
        remember(&chosen).map_err(|e| Outcome::failed(e.one_line()))?;
        match parts::place_new(&temp, &dir.join(&chosen)) {
            Ok(true) => return Ok(format!("saved {chosen} to {}", dir.display())),
            Ok(false) if n < MAX_NUMBER => n += 1,
            Ok(false) => {
                let _ = std::fs::remove_file(&temp);
                return Err(Outcome::failed(format!(
                    "{name} and {MAX_NUMBER} numbered names are taken in {}.",
                    dir.display()
                )));
            }
            Err(e) => {
                let _ = std::fs::remove_file(&temp);
                return Err(Outcome::failed(e.one_line()));
            }
        }
    }
}

/// The first of `name`, `name (1)`… from the `n`th that no file in `dir` has.
fn free_name(dir: &Path, name: &str, from: u32) -> String {
    (from..=MAX_NUMBER)
        .map(|i| numbered(name, i))
        .find(|c| !dir.join(c).exists())
        .unwrap_or_else(|| numbered(name, from))
}

/// Into a folder of a drive.
#[allow(clippy::too_many_arguments)]
async fn save_to_drive(
    core: &Patchbay,
    a: &Automation,
    connection_id: &str,
    folder: &str,
    name: &str,
    request: &Request,
    p: &Pending,
    remember: &mut (dyn FnMut(&str) -> Result<(), ErrorInfo> + Send),
) -> Result<String, Outcome> {
    let store = AutomationStore::new(&core.config().data_dir);
    let part = parts::part_of(&store.folder_of(&a.id), p.key())
        .map_err(|e| Outcome::failed(e.one_line()))?;
    // The bytes, once: kept between attempts until uploaded.
    if !part.is_file() {
        let source = graph(core, &a.connection_id).await?;
        let temp = part.with_extension("partial");
        parts::fetch(&source, request, &temp)
            .await
            .map_err(|e| failed(core, &a.connection_id, &e))?;
        std::fs::rename(&temp, &part).map_err(|e| {
            Outcome::failed(crate::files::failure::local("keep", &part, &e).one_line())
        })?;
    }
    let size = std::fs::metadata(&part).map(|m| m.len()).unwrap_or(0);
    let target = graph(core, connection_id).await?;
    let files = crate::files::Files::new(&target, crate::graph::drive::DriveRef::Me);
    let options = super::upload_options(core);
    let shown = folder_name(core, connection_id, folder);
    let retry = p.target.is_some();
    let mut chosen = p.target.clone().unwrap_or_else(|| name.to_string());
    for n in 1..=MAX_NUMBER + 1 {
        remember(&chosen).map_err(|e| Outcome::failed(e.one_line()))?;
        let remote = crate::files::entry::join(folder, &chosen);
        match files
            .upload(
                &part,
                &remote,
                Conflict::Fail,
                &options,
                &crate::files::NoProgress,
            )
            .await
        {
            Ok(_) => {
                let _ = std::fs::remove_file(&part);
                return Ok(format!("saved {chosen} to {shown}"));
            }
            Err(e) if is_taken(&e) => {
                // This unit's own upload, before a kill: the same name and size.
                if retry && n == 1 {
                    let mine = match crate::files::Files::path(&remote) {
                        Ok(path) => files.item(&path).await.ok(),
                        Err(_) => None,
                    };
                    {
                        if mine.is_some_and(|f| f.size == Some(size)) {
                            let _ = std::fs::remove_file(&part);
                            return Ok(format!("saved {chosen} to {shown}"));
                        }
                    }
                }
                chosen = numbered(name, n);
            }
            Err(e) => return Err(failed(core, connection_id, &e)),
        }
    }
    Err(Outcome::failed(format!(
        "{name} and {MAX_NUMBER} numbered names are taken in {shown}."
    )))
}

/// An upload refused because the name is taken.
fn is_taken(e: &ErrorInfo) -> bool {
    e.title.contains("already exists")
}

/// "/Invoices in “Work files”".
fn folder_name(core: &Patchbay, connection_id: &str, folder: &str) -> String {
    match core.get(connection_id) {
        Ok(c) => format!("{folder} in \u{201c}{}\u{201d}", c.name),
        Err(_) => folder.to_string(),
    }
}
