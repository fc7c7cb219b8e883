//! The message's own actions (after new mail), through the trigger's connection: forward it (this sends mail:
//! sent once, never again after an answer that may mean it went), move it, mark it read, add a category.
//! Moving, marking and categorizing may be repeated harmlessly; a message no longer there (moved or deleted
//! meanwhile, or by this action before a kill) is said in words and not tried again.

use super::{done, failed, graph};
use crate::automations::action::Outcome;
use crate::automations::queue::Pending;
use crate::automations::Automation;
use crate::error::{ErrorCode, ErrorInfo};
use crate::graph::path::encode;
use crate::graph::session::graph_error_info;
use crate::graph::{RawResponse, Request};
use crate::Patchbay;
use serde_json::{json, Value};

fn message_path(id: &str) -> String {
    format!("me/messages/{}", encode(id))
}

fn patch(path: String, body: Value) -> Request {
    Request {
        method: reqwest::Method::PATCH,
        body: Some(body),
        ..Request::get(path)
    }
}

/// Graph's refusal in words.
fn refusal(response: &RawResponse) -> ErrorInfo {
    response
        .error()
        .map(|e| graph_error_info(&e))
        .unwrap_or_else(|| {
            ErrorInfo::new(
                ErrorCode::ProviderError,
                format!("Graph answered {}.", response.status),
                "Try again in a moment.",
            )
        })
}

/// Send `request` as `a`'s connection; `Ok(None)` when the message is no longer there (404).
async fn send(
    core: &Patchbay,
    a: &Automation,
    request: &Request,
) -> Result<Option<RawResponse>, Outcome> {
    let graph = graph(core, &a.connection_id).await?;
    let response = graph.send(request).await.map_err(|e| {
        let info = match &e {
            crate::graph::session::CallError::Graph(g) => {
                crate::graph::session::graph_error_info_for(request, g)
            }
            _ => e.to_error_info(),
        };
        failed(core, &a.connection_id, &info)
    })?;
    if response.status == 404 {
        return Ok(None);
    }
    if !response.is_success() {
        let info = match response.error() {
            // A forward Graph answered 503 or 504 to may have gone.
            Some(e) if matches!(response.status, 503 | 504) => {
                crate::graph::session::graph_error_info_for(request, &e)
            }
            _ => refusal(&response),
        };
        return Err(failed(core, &a.connection_id, &info));
    }
    Ok(Some(response))
}

fn gone(what: &str) -> Outcome {
    done(format!(
        "the message was no longer there (moved or deleted): {what}"
    ))
}

pub async fn forward(core: &Patchbay, a: &Automation, p: &Pending, to: &[String]) -> Outcome {
    let recipients = match crate::agents::common::check_addresses(to, "--forward-to") {
        Ok(r) => r,
        Err(e) => return Outcome::failed(e.one_line()),
    };
    let request = Request::post(
        format!("{}/forward", message_path(&p.item_id)),
        json!({"toRecipients": recipients}),
    )
    .not_idempotent();
    match send(core, a, &request).await {
        Ok(Some(_)) => done(format!("forwarded to {}", to.join(", "))),
        // Forwarding a message that is gone cannot happen later either: said, and not tried again.
        Ok(None) => done(format!(
            "not forwarded to {}: the message was no longer there (moved or deleted)",
            to.join(", ")
        )),
        Err(o) => o,
    }
}

pub async fn move_to(core: &Patchbay, a: &Automation, p: &Pending, folder: &str) -> Outcome {
    let request = Request::post(
        format!("{}/move", message_path(&p.item_id)),
        json!({"destinationId": crate::graph::mail::well_known_folder(folder).unwrap_or(folder.trim())}),
    )
    // Moving again what was moved finds nothing (404), said as such: a repeat does no harm.
    .idempotent();
    match send(core, a, &request).await {
        Ok(Some(_)) => done(format!("moved to {folder}")),
        Ok(None) => gone(&format!("not moved to {folder}")),
        Err(o) => o,
    }
}

pub async fn mark_read(core: &Patchbay, a: &Automation, p: &Pending) -> Outcome {
    let request = patch(message_path(&p.item_id), json!({"isRead": true})).idempotent();
    match send(core, a, &request).await {
        Ok(Some(_)) => done("marked read".into()),
        Ok(None) => gone("not marked read"),
        Err(o) => o,
    }
}

pub async fn categorize(core: &Patchbay, a: &Automation, p: &Pending, name: &str) -> Outcome {
    let read = Request::get(message_path(&p.item_id)).query("$select", "categories");
    let current = match send(core, a, &read).await {
        Ok(Some(r)) => r,
        Ok(None) => return gone(&format!("no category {name} added")),
        Err(o) => return o,
    };
    let body: Value = current.json().unwrap_or_default();
    let mut categories: Vec<String> = body["categories"]
        .as_array()
        .map(|c| {
            c.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    if categories.iter().any(|c| c.eq_ignore_ascii_case(name)) {
        return done(format!("it already had the category {name}"));
    }
    categories.push(name.to_string());
    let request = patch(
        message_path(&p.item_id),
        json!({ "categories": categories }),
    )
    .idempotent();
    match send(core, a, &request).await {
        Ok(Some(_)) => done(format!("added the category {name}")),
        Ok(None) => gone(&format!("no category {name} added")),
        Err(o) => o,
    }
}

/// At add: the folder to move to is there (a well-known name or an id), in words when not.
pub async fn check_folder(
    core: &Patchbay,
    connection_id: &str,
    folder: &str,
) -> Result<(), ErrorInfo> {
    let graph = core.graph(connection_id).await?;
    if folder.trim().is_empty() {
        return Err(ErrorInfo::new(
            ErrorCode::InvalidInput,
            "No folder to move the message to.",
            "Give a well-known name (archive, deleteditems, junkemail…) or a folder's id.",
        ));
    }
    let segment = crate::graph::mail::folder_segment(folder);
    let response = graph
        .send(&Request::get(format!("me/mailFolders/{segment}")).query("$select", "id,displayName"))
        .await
        .map_err(|e| e.to_error_info())?;
    match response.status {
        s if (200..300).contains(&s) => Ok(()),
        400 | 404 => Err(ErrorInfo::new(
            ErrorCode::NotFound,
            format!("The mailbox has no folder \"{folder}\"."),
            "Give a well-known name (archive, deleteditems, junkemail…) or a folder's id from `patchbay graph \
             /me/mailFolders`.",
        )),
        _ => Err(refusal(&response)),
    }
}
