//! What a client changes in a message: `PATCH /me/messages/{id}` (read state and categories; read-only properties
//! are refused as Graph refuses them) and `POST /me/messages/{id}/move` (to a well-known folder or a folder ID:
//! the message gets a new ID there, as in Exchange, and the old one is gone). Both need `Mail.ReadWrite`, and
//! both work under `/me/mailFolders/{folder}/messages/{id}` too. The delta query sees each change.

use axum::http::StatusCode;
use base64::engine::general_purpose::{STANDARD, URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine as _;
use serde_json::{json, Value};

use super::super::writes::json_body;
use super::super::{access_denied, mail_folders, mailstore, Caller, GraphRequest, Reply};
use super::json::to_json;
use super::{body_preference, not_found, wants_text_body, TYPE_NAME};
use crate::state::AppState;

const WRITE_MAIL: &[&str] = &["Mail.ReadWrite"];

/// Properties Exchange computes: setting one is refused.
const READ_ONLY: &[&str] = &[
    "id",
    "createdDateTime",
    "lastModifiedDateTime",
    "changeKey",
    "receivedDateTime",
    "sentDateTime",
    "hasAttachments",
    "bodyPreview",
    "parentFolderId",
    "conversationId",
    "conversationIndex",
    "webLink",
    "isDraft",
    "uniqueBody",
];

/// The message's other properties, which Graph can set (on drafts, for some) and the sandbox does not.
const NOT_HERE: &[&str] = &[
    "bccRecipients",
    "body",
    "ccRecipients",
    "flag",
    "from",
    "importance",
    "inferenceClassification",
    "internetMessageHeaders",
    "internetMessageId",
    "isDeliveryReceiptRequested",
    "isReadReceiptRequested",
    "replyTo",
    "sender",
    "subject",
    "toRecipients",
    "attachments",
    "extensions",
    "multiValueExtendedProperties",
    "singleValueExtendedProperties",
];

fn body_read(message: &str) -> Reply {
    Reply::bad_request("RequestBodyRead", message)
}

/// The folder part of a path, when there is one, must name a folder.
fn folder_known(caller: &Caller, folder: Option<&str>) -> bool {
    folder.is_none_or(|f| mail_folders::resolve(&caller.user, f).is_some())
}

/// `PATCH /me/messages/{id}` with `isRead` and/or `categories` (which replaces the list): `200` with the message.
pub fn update(
    st: &AppState,
    caller: &Caller,
    req: &GraphRequest,
    folder: Option<&str>,
    id: &str,
) -> Reply {
    if !caller.has_any(WRITE_MAIL) {
        return access_denied();
    }
    let v = match json_body(req.body) {
        Ok(v) => v,
        Err(reply) => return reply,
    };
    let mut is_read = None;
    let mut categories = None;
    for (key, value) in v.as_object().into_iter().flatten() {
        if key.starts_with('@') {
            // Annotations (`@odata.type`, `@odata.etag`) are not properties.
            continue;
        }
        match key.as_str() {
            "isRead" => match value {
                Value::Bool(b) => is_read = Some(*b),
                other => {
                    return body_read(&format!(
                        "Cannot convert the literal '{other}' to the expected type 'Edm.Boolean'."
                    ))
                }
            },
            "categories" => {
                let list: Option<Vec<String>> = value.as_array().and_then(|items| {
                    items
                        .iter()
                        .map(|c| c.as_str().map(str::to_string))
                        .collect()
                });
                match list {
                    Some(list) => categories = Some(list),
                    None => {
                        return body_read(
                            "A value of the property 'categories' must be a collection of strings \
                             (Collection(Edm.String)).",
                        )
                    }
                }
            }
            k if READ_ONLY.contains(&k) => {
                return Reply::bad_request(
                    "ErrorInvalidPropertySet",
                    "Set action is invalid for property.",
                )
            }
            k if NOT_HERE.contains(&k) => {
                return Reply::bad_request(
                    "ErrorInvalidRequest",
                    &format!(
                        "The sandbox changes only isRead and categories of a message, not '{k}' (Graph itself \
                         would)."
                    ),
                )
            }
            k => {
                return body_read(&format!(
                    "The property '{k}' does not exist on type '{TYPE_NAME}'. Make sure to only use property names \
                     that are defined by the type or mark the type as open type."
                ))
            }
        }
    }
    if !folder_known(caller, folder) {
        return not_found();
    }
    let Some(m) = mailstore::edit(st, &caller.user, id, is_read, categories) else {
        return not_found();
    };
    let text = wants_text_body(req);
    let mut body = to_json(&m, &caller.user, text);
    body["@odata.context"] = json!(format!(
        "{}/graph/v1.0/$metadata#users('{}')/messages/$entity",
        st.base, caller.user.id
    ));
    body_preference(Reply::ok(body), text)
}

/// Whether `text` has the shape of an Exchange ID (base64 of a few dozen bytes), rather than a name.
fn looks_like_id(text: &str) -> bool {
    let decoded = URL_SAFE
        .decode(text)
        .or_else(|_| URL_SAFE_NO_PAD.decode(text))
        .or_else(|_| STANDARD.decode(text));
    decoded.is_ok_and(|bytes| bytes.len() >= 24)
}

/// `POST /me/messages/{id}/move` `{"destinationId"}`: `201` with the message in its new folder, under its new ID.
pub fn move_message(
    st: &AppState,
    caller: &Caller,
    req: &GraphRequest,
    folder: Option<&str>,
    id: &str,
) -> Reply {
    if !caller.has_any(WRITE_MAIL) {
        return access_denied();
    }
    let v = match json_body(req.body) {
        Ok(v) => v,
        Err(reply) => return reply,
    };
    let destination = match v.get("destinationId").or_else(|| v.get("DestinationId")) {
        Some(Value::String(d)) if !d.trim().is_empty() => d.trim().to_string(),
        Some(Value::String(_)) | Some(Value::Null) | None => {
            return Reply::bad_request(
                "ErrorInvalidParameter",
                "The value of the parameter 'DestinationId' is empty.",
            )
        }
        Some(other) => {
            return body_read(&format!(
                "Cannot convert the literal '{other}' to the expected type 'Edm.String'."
            ))
        }
    };
    if !folder_known(caller, folder) || mailstore::find(st, &caller.user, id).is_none() {
        return not_found();
    }
    let Some(target) = mail_folders::resolve(&caller.user, &destination) else {
        return if looks_like_id(&destination) {
            not_found()
        } else {
            Reply::bad_request("ErrorInvalidIdMalformed", "Id is malformed.")
        };
    };
    let Some(moved) = mailstore::move_to(st, &caller.user, id, target.well_known()) else {
        return not_found();
    };
    let text = wants_text_body(req);
    let mut body = to_json(&moved, &caller.user, text);
    body["@odata.context"] = json!(format!("{}/graph/v1.0/$metadata#message", st.base));
    body["@odata.type"] = json!("#microsoft.graph.message");
    let mut reply = Reply::ok(body);
    reply.status = StatusCode::CREATED;
    body_preference(reply, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_names_are_told_apart() {
        let folder = crate::graph::ids::folder_id(&["u", "archive"]);
        assert!(looks_like_id(&folder), "{folder}");
        for name in ["archive", "Archive 2021", "Projects", ""] {
            assert!(!looks_like_id(name), "{name}");
        }
    }
}
