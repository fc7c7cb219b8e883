//! `GET /me/messages` (every folder's), `GET /me/mailFolders/{folder}/messages` and `GET /me/messages/{id}` over
//! a generated inbox — sixty messages per user over the three weeks before the anchor, the same on every start —
//! and what happened to it since (see [`super::mailstore`]).
//!
//! [`inbox`] generates the messages, [`json`] renders them, [`query`] searches and orders them, [`change`] updates
//! and moves them; this module answers the reads.

pub mod change;
pub mod inbox;
pub mod json;
pub mod query;

pub use inbox::{inbox, Message};
pub use json::{recipient, web_link};

use axum::http::StatusCode;
use serde_json::{json, Value};

use super::filter::Filter;
use super::odata::{self, Page, Query};
use super::zones::preference;
use super::{access_denied, Caller, GraphRequest, Reply};
use crate::state::AppState;
use json::to_json;
use query::{compare, order_by, Search};

/// Any of these lets a token list messages ("least privileged or higher").
const READ_MAIL: &[&str] = &["Mail.ReadBasic", "Mail.Read", "Mail.ReadWrite"];

const TYPE_NAME: &str = "Microsoft.OutlookServices.Message";

/// The properties of a message as served (Graph's default set), for `$select`.
pub const PROPERTIES: &[&str] = &[
    "@odata.etag",
    "id",
    "createdDateTime",
    "lastModifiedDateTime",
    "changeKey",
    "categories",
    "receivedDateTime",
    "sentDateTime",
    "hasAttachments",
    "internetMessageId",
    "subject",
    "bodyPreview",
    "importance",
    "parentFolderId",
    "conversationId",
    "isDeliveryReceiptRequested",
    "isReadReceiptRequested",
    "isRead",
    "isDraft",
    "webLink",
    "inferenceClassification",
    "body",
    "sender",
    "from",
    "toRecipients",
    "ccRecipients",
    "bccRecipients",
    "replyTo",
    "flag",
];

/// `Prefer: outlook.body-content-type="text"` asks for plain-text bodies.
fn wants_text_body(req: &GraphRequest) -> bool {
    preference(req.headers, "outlook.body-content-type")
        .is_some_and(|v| v.eq_ignore_ascii_case("text"))
}

fn body_preference(reply: Reply, text: bool) -> Reply {
    if text {
        reply.with_header(
            "Preference-Applied",
            "outlook.body-content-type=\"text\"".into(),
        )
    } else {
        reply
    }
}

pub fn not_found() -> Reply {
    Reply::error(
        StatusCode::NOT_FOUND,
        "ErrorItemNotFound",
        "The specified object was not found in the store.",
    )
}

pub fn list(st: &AppState, caller: &Caller, req: &GraphRequest, folder: Option<String>) -> Reply {
    if !caller.has_any(READ_MAIL) {
        return access_denied();
    }
    let user = &caller.user;
    let q = Query::parse(req.query);
    let selection = match odata::selection(&q, PROPERTIES, TYPE_NAME) {
        Ok(s) => s,
        Err(reply) => return reply,
    };
    let paging = match odata::paging(&q) {
        Ok(p) => p,
        Err(reply) => return reply,
    };
    let search = match q.get("$search").map(Search::parse) {
        None => None,
        Some(Ok(search)) => Some(search),
        Some(Err(reply)) => return reply,
    };
    if search.is_some() && q.get("$orderby").is_some() {
        // Graph's rule: results of a search come in its own order (newest first for mail).
        return Reply::bad_request(
            "BadRequest",
            "The query parameter '$orderBy' is not supported with '$search'.",
        );
    }
    let order = match order_by(q.get("$orderby")) {
        Ok(o) => o,
        Err(reply) => return reply,
    };
    let filter = match Filter::parse(q.get("$filter")) {
        Ok(f) => f,
        Err(reply) => return reply,
    };
    let (entity_set, in_folder) = match &folder {
        None => (format!("users('{}')/messages", user.id), None),
        // Every folder of the mailbox may be named (see `mail_folders`).
        Some(name) => match super::mail_folders::resolve(user, name) {
            Some(which) => (
                format!("users('{}')/mailFolders('{}')/messages", user.id, name),
                Some(which.well_known()),
            ),
            None => return not_found(),
        },
    };
    let mut messages = super::mailstore::mailbox(st, user);
    messages.retain(|m| {
        in_folder.is_none_or(|f| m.folder == f)
            && filter.matches(m)
            && search.as_ref().is_none_or(|s| s.matches(m))
    });
    messages.sort_by(|a, b| compare(a, b, &order));
    let text = wants_text_body(req);
    let items: Vec<Value> = messages
        .iter()
        .map(|m| {
            odata::project(
                to_json(m, user, text),
                selection.as_deref(),
                &["@odata.etag", "id"],
            )
        })
        .collect();
    let page = Page {
        base: &st.base,
        path: req.path,
        query: &q,
        context: odata::context(&st.base, &entity_set, selection.as_deref()),
        paging,
    };
    body_preference(Reply::ok(page.render(items)), text)
}

pub fn get_one(
    st: &AppState,
    caller: &Caller,
    req: &GraphRequest,
    folder: Option<&str>,
    id: &str,
) -> Reply {
    if !caller.has_any(READ_MAIL) {
        return access_denied();
    }
    if folder.is_some_and(|f| super::mail_folders::resolve(&caller.user, f).is_none()) {
        return not_found();
    }
    let user = &caller.user;
    let q = Query::parse(req.query);
    let selection = match odata::selection(&q, PROPERTIES, TYPE_NAME) {
        Ok(s) => s,
        Err(reply) => return reply,
    };
    let Some(m) = super::mailstore::find(st, user, id) else {
        return not_found();
    };
    let text = wants_text_body(req);
    let mut body = odata::project(
        to_json(&m, user, text),
        selection.as_deref(),
        &["@odata.etag", "id"],
    );
    match q.get("$expand").map(str::trim) {
        None | Some("") => {}
        Some(expand) => match super::attachments::expanded(st, user, &m, expand) {
            Some(Ok(list)) => body["attachments"] = json!(list),
            Some(Err(reply)) => return reply,
            None => {
                return Reply::bad_request(
                    "BadRequest",
                    &format!("The sandbox can expand 'attachments' only, not '{expand}'."),
                )
            }
        },
    }
    body["@odata.context"] = json!(odata::context(
        &st.base,
        &format!("users('{}')/messages/$entity", user.id),
        None
    ));
    body_preference(Reply::ok(body), text)
}
