//! A message's attachments: `GET /me/messages/{id}/attachments` (also under `/me/mailFolders/{folder}/…`),
//! `GET …/attachments/{id}` and `GET …/attachments/{id}/$value`, as Graph v1.0 serves them.
//!
//! - Every kind: `fileAttachment` (with `contentBytes`, base64, and `contentId`/`contentLocation`),
//!   `itemAttachment` (an attached mail: `contentType` null, `$expand=microsoft.graph.itemattachment/item` gives
//!   the mail as a message) and `referenceAttachment` (a link, no bytes).
//! - `$select` is checked against `microsoft.graph.attachment`: a file attachment's own properties must be cast
//!   (`microsoft.graph.fileAttachment/contentId`), and an uncast one is refused as Graph refuses it.
//! - `$value`: a file's bytes in its own content type (sent from the one copy held, never copied), an attached
//!   mail's MIME (`message/rfc822`), and 405 for a reference attachment, as Graph documents ("Attempting to get
//!   the $value of a reference attachment returns HTTP 405").
//! - Every answer that carries an attachment's bytes (`$value`, `contentBytes` in a listing, one attachment or
//!   `$expand=attachments`) is counted per attachment (`SandboxControl::attachment_reads`).
//! - Mail.Read or Mail.ReadWrite (not Mail.ReadBasic, which has no attachments); 403 otherwise.
//!
//! The listing is paged like the messages' (`$top`, default 10, and `$skip`; `@odata.nextLink` to the next page,
//! keeping `$select`), so a client that does not follow the link misses the eleventh attachment.

pub mod mime;
pub mod model;

use axum::http::{Method, StatusCode};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde_json::{json, Value};

use super::mailstore::{self, count_read};
use super::messages::inbox::Message;
use super::messages::{recipient, web_link};
use super::odata::{self, percent_encode, Page, Query};
use super::zones::utc;
use super::{access_denied, Caller, GraphRequest, Reply};
use crate::state::{AppState, DemoUser};
use model::{attachment_id, AttachedMail, Attachment, Kind};

/// Reading attachments needs the full mail scope (`Mail.ReadBasic` has no attachments).
const READ_MAIL: &[&str] = &["Mail.Read", "Mail.ReadWrite"];

/// The type Graph's `$select` errors name.
const TYPE_NAME: &str = "microsoft.graph.attachment";

/// What `$select` may name: the base type's properties, and the derived types' own when cast.
const PROPERTIES: &[&str] = &[
    "id",
    "name",
    "contentType",
    "size",
    "isInline",
    "lastModifiedDateTime",
    "microsoft.graph.fileAttachment/contentBytes",
    "microsoft.graph.fileAttachment/contentId",
    "microsoft.graph.fileAttachment/contentLocation",
];

/// `$expand` of an item attachment's mail.
const EXPAND_ITEM: &str = "microsoft.graph.itemattachment/item";

fn not_found() -> Reply {
    Reply::error(
        StatusCode::NOT_FOUND,
        "ErrorItemNotFound",
        "The specified object was not found in the store.",
    )
}

/// The properties chosen (plain names: `contentBytes`), or `None` for all.
#[allow(clippy::result_large_err)] // the error is the finished reply, returned once
fn selection(raw: Option<&str>) -> Result<Option<Vec<&'static str>>, Reply> {
    let q = Query::parse(
        &raw.map(|s| format!("$select={}", percent_encode(s)))
            .unwrap_or_default(),
    );
    let chosen = odata::selection(&q, PROPERTIES, TYPE_NAME)?;
    Ok(chosen.map(|list| {
        list.into_iter()
            .map(|p| p.rsplit('/').next().unwrap_or(p))
            .collect()
    }))
}

/// Whether `$expand` asks for an item attachment's mail; another expansion is refused.
#[allow(clippy::result_large_err)] // the error is the finished reply, returned once
fn expands_item(q: &Query) -> Result<bool, Reply> {
    match q.get("$expand").map(str::trim) {
        None | Some("") => Ok(false),
        Some(e) if e.eq_ignore_ascii_case(EXPAND_ITEM) => Ok(true),
        Some(other) => Err(Reply::bad_request(
            "BadRequest",
            &format!(
                "The sandbox can expand '{EXPAND_ITEM}' of an attachment only, not '{other}'."
            ),
        )),
    }
}

/// One attachment as Graph renders it. `with_bytes`: include a file's `contentBytes` (and count the read).
struct Render<'a> {
    st: &'a AppState,
    user: &'a DemoUser,
    message: &'a Message,
    selection: Option<&'a [&'static str]>,
    expand_item: bool,
}

impl Render<'_> {
    fn wants(&self, property: &str) -> bool {
        self.selection.is_none_or(|s| s.contains(&property))
    }

    fn one(&self, index: usize, a: &Attachment) -> Value {
        let id = attachment_id(&self.message.id, index);
        let mut v = json!({
            "@odata.type": a.odata_type(),
            "id": id,
        });
        let mut put = |key: &str, value: Value| {
            if self.wants(key) {
                v[key] = value;
            }
        };
        put("lastModifiedDateTime", json!(utc(a.last_modified)));
        put("name", json!(a.name));
        put("contentType", json!(a.content_type()));
        put("size", json!(a.size()));
        put("isInline", json!(a.is_inline));
        match &a.kind {
            Kind::File {
                content_id,
                content_location,
                content,
                ..
            } => {
                put("contentId", json!(content_id));
                put("contentLocation", json!(content_location));
                if self.wants("contentBytes") {
                    count_read(self.st, self.user, &id);
                    v["contentBytes"] = json!(STANDARD.encode(content.bytes()));
                }
            }
            Kind::Item(mail) if self.expand_item => {
                v["item@odata.context"] = json!(format!(
                    "{}/graph/v1.0/$metadata#users('{}')/messages('{}')/attachments('{}')/microsoft.graph.itemAttachment/item/$entity",
                    self.st.base,
                    self.user.id,
                    percent_encode(&self.message.id),
                    percent_encode(&id)
                ));
                v["item"] = item_json(mail, a);
            }
            Kind::Item(_) | Kind::Reference { .. } => {}
        }
        v
    }

    fn all(&self) -> Vec<Value> {
        self.message
            .attachments
            .iter()
            .enumerate()
            .map(|(i, a)| self.one(i, a))
            .collect()
    }
}

/// The attached mail as a `message`, as `$expand=microsoft.graph.itemattachment/item` shows it (an attached
/// item has no ID of its own: Graph sends an empty one).
fn item_json(mail: &AttachedMail, a: &Attachment) -> Value {
    let to: Vec<Value> = mail.to.iter().map(|(n, a)| recipient((n, a))).collect();
    json!({
        "@odata.type": "#microsoft.graph.message",
        "id": "",
        "createdDateTime": utc(a.last_modified),
        "lastModifiedDateTime": utc(a.last_modified),
        "receivedDateTime": utc(mail.sent),
        "sentDateTime": utc(mail.sent),
        "hasAttachments": false,
        "internetMessageId": mail.internet_message_id,
        "subject": mail.subject,
        "bodyPreview": mail.body.chars().take(255).collect::<String>(),
        "importance": "normal",
        "isDeliveryReceiptRequested": false,
        "isReadReceiptRequested": false,
        "isRead": true,
        "isDraft": false,
        "webLink": web_link(""),
        "body": {"contentType": "html", "content": super::messages::json::html(&mail.body.replace("\r\n", "\n").replace('\n', "\r\n"))},
        "sender": recipient((&mail.from.0, &mail.from.1)),
        "from": recipient((&mail.from.0, &mail.from.1)),
        "toRecipients": to,
        "ccRecipients": [],
        "bccRecipients": [],
        "replyTo": [],
        "flag": {"flagStatus": "notFlagged"},
    })
}

/// The message a request names, if the caller may read its attachments.
#[allow(clippy::result_large_err)] // the error is the finished reply, returned once
fn message(
    st: &AppState,
    caller: &Caller,
    folder: Option<&str>,
    id: &str,
) -> Result<Message, Reply> {
    if !caller.has_any(READ_MAIL) {
        return Err(access_denied());
    }
    if let Some(f) = folder {
        if super::mail_folders::resolve(&caller.user, f).is_none() {
            return Err(not_found());
        }
    }
    mailstore::find(st, &caller.user, id).ok_or_else(not_found)
}

fn context(user: &DemoUser, message_id: &str) -> String {
    format!(
        "users('{}')/messages('{}')/attachments",
        user.id,
        percent_encode(message_id)
    )
}

/// `GET …/messages/{id}/attachments`.
pub fn list(
    st: &AppState,
    caller: &Caller,
    req: &GraphRequest,
    folder: Option<&str>,
    id: &str,
) -> Reply {
    let m = match message(st, caller, folder, id) {
        Ok(m) => m,
        Err(reply) => return reply,
    };
    let q = Query::parse(req.query);
    let (sel, expand_item) = match (selection(q.get("$select")), expands_item(&q)) {
        (Ok(s), Ok(e)) => (s, e),
        (Err(reply), _) | (_, Err(reply)) => return reply,
    };
    let paging = match odata::paging(&q) {
        Ok(p) => p,
        Err(reply) => return reply,
    };
    // Only the page's attachments are rendered (and so only their bytes counted as read).
    let total = m.attachments.len();
    let render = Render {
        st,
        user: &caller.user,
        message: &m,
        selection: sel.as_deref(),
        expand_item,
    };
    let mut items: Vec<Value> = vec![Value::Null; total];
    for (i, a) in m
        .attachments
        .iter()
        .enumerate()
        .skip(paging.skip)
        .take(paging.top)
    {
        items[i] = render.one(i, a);
    }
    let page = Page {
        base: &st.base,
        path: req.path,
        query: &q,
        context: odata::context(&st.base, &context(&caller.user, &m.id), sel.as_deref()),
        paging,
    };
    Reply::ok(page.render(items))
}

/// `GET …/attachments/{id}`: one attachment.
pub fn get_one(
    st: &AppState,
    caller: &Caller,
    req: &GraphRequest,
    folder: Option<&str>,
    id: &str,
    attachment: &str,
) -> Reply {
    let m = match message(st, caller, folder, id) {
        Ok(m) => m,
        Err(reply) => return reply,
    };
    let q = Query::parse(req.query);
    let (sel, expand_item) = match (selection(q.get("$select")), expands_item(&q)) {
        (Ok(s), Ok(e)) => (s, e),
        (Err(reply), _) | (_, Err(reply)) => return reply,
    };
    let Some(index) = (0..m.attachments.len()).find(|&i| attachment_id(&m.id, i) == attachment)
    else {
        return not_found();
    };
    let render = Render {
        st,
        user: &caller.user,
        message: &m,
        selection: sel.as_deref(),
        expand_item,
    };
    let mut body = render.one(index, &m.attachments[index]);
    body["@odata.context"] = json!(format!(
        "{}/$entity",
        odata::context(&st.base, &context(&caller.user, &m.id), sel.as_deref())
    ));
    Reply::ok(body)
}

/// `GET …/attachments/{id}/$value`: a file's bytes, an attached mail's MIME; a reference has none (405). Each
/// answer with bytes counts as one read of the attachment (a `HEAD` does not).
pub fn value(
    st: &AppState,
    caller: &Caller,
    method: &Method,
    folder: Option<&str>,
    id: &str,
    attachment: &str,
) -> Reply {
    let m = match message(st, caller, folder, id) {
        Ok(m) => m,
        Err(reply) => return reply,
    };
    let Some(index) = (0..m.attachments.len()).find(|&i| attachment_id(&m.id, i) == attachment)
    else {
        return not_found();
    };
    let reading = method != Method::HEAD;
    match &m.attachments[index].kind {
        Kind::File {
            content_type,
            content,
            ..
        } => {
            if reading {
                count_read(st, &caller.user, attachment);
            }
            Reply::bytes(content_type, content.bytes())
        }
        Kind::Item(mail) => {
            if reading {
                count_read(st, &caller.user, attachment);
            }
            Reply::bytes("message/rfc822", mime::render(mail).into())
        }
        Kind::Reference { .. } => Reply::error(
            StatusCode::METHOD_NOT_ALLOWED,
            "ErrorInvalidRequest",
            "The OData request is not supported.",
        ),
    }
}

/// A message's attachments for `$expand=attachments` or `$expand=attachments($select=name,size)`: `None` when
/// `expand` does not name them.
#[allow(clippy::result_large_err)] // the error is the finished reply, returned once
pub fn expanded(
    st: &AppState,
    user: &DemoUser,
    message: &Message,
    expand: &str,
) -> Option<Result<Vec<Value>, Reply>> {
    let expand = expand.trim();
    let rest = expand
        .get(..11)
        .filter(|head| head.eq_ignore_ascii_case("attachments"))
        .map(|_| expand[11..].trim())?;
    let options = if rest.is_empty() {
        ""
    } else {
        rest.strip_prefix('(').and_then(|r| r.strip_suffix(')'))?
    };
    let mut select = None;
    for option in options.split(';').map(str::trim).filter(|o| !o.is_empty()) {
        match option.split_once('=') {
            Some((k, v)) if k.trim().eq_ignore_ascii_case("$select") => select = Some(v.trim()),
            _ => {
                return Some(Err(Reply::bad_request(
                    "BadRequest",
                    &format!(
                    "The sandbox takes only $select inside $expand=attachments(…), not '{option}'."
                ),
                )))
            }
        }
    }
    let sel = match selection(select) {
        Ok(s) => s,
        Err(reply) => return Some(Err(reply)),
    };
    let render = Render {
        st,
        user,
        message,
        selection: sel.as_deref(),
        expand_item: false,
    };
    Some(Ok(render.all()))
}
