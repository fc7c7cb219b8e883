//! `GET /me/messages`, `GET /me/mailFolders/inbox/messages` and `GET /me/messages/{id}` over a generated
//! inbox: sixty messages per user over the three weeks before the anchor, the same on every start.

use std::cmp::Ordering;

use axum::http::StatusCode;
use jiff::{SignedDuration, Timestamp};
use serde_json::{json, Value};

use super::filter::Filter;
use super::mail_data::{persona, Tpl, POOL, SPECIALS};
use super::odata::{self, percent_encode, Page, Query};
use super::zones::{preference, utc};
use super::{access_denied, ids, Caller, GraphRequest, Reply};
use crate::state::{AppState, DemoUser};

/// Any of these lets a token list messages ("least privileged or higher").
const READ_MAIL: &[&str] = &["Mail.ReadBasic", "Mail.Read", "Mail.ReadWrite"];

const TYPE_NAME: &str = "Microsoft.OutlookServices.Message";

/// How many messages each demo inbox holds.
pub const INBOX_SIZE: usize = 60;

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

/// Folders every mailbox has; only the inbox holds demo mail.
const WELL_KNOWN_FOLDERS: &[&str] = &[
    "archive",
    "clutter",
    "conversationhistory",
    "deleteditems",
    "drafts",
    "junkemail",
    "outbox",
    "sentitems",
];

/// A message placed in a mailbox.
#[derive(Debug, Clone)]
pub struct Message {
    pub id: String,
    pub change_key: String,
    pub created: Timestamp,
    pub modified: Timestamp,
    pub received: Timestamp,
    pub sent: Timestamp,
    pub tpl: Tpl,
    /// The body text, `{me}` filled in.
    pub body: String,
    pub is_read: bool,
    pub conversation_id: String,
    pub internet_message_id: String,
}

impl Message {
    pub fn subject(&self) -> &str {
        self.tpl.subject
    }
}

/// The user's inbox, newest first.
pub fn inbox(user: &DemoUser, anchor: Timestamp) -> Vec<Message> {
    let persona = persona(&user.email);
    let mut rng = ids::Rng::new(&[&user.id, "inbox"]);
    let mut pool: Vec<Tpl> = POOL.to_vec();
    rng.shuffle(&mut pool);
    let mut rest: Vec<Tpl> = SPECIALS.iter().chain(persona.own).copied().collect();
    pool.truncate(INBOX_SIZE.saturating_sub(persona.newest.len() + rest.len()));
    rest.extend(pool);
    rng.shuffle(&mut rest);
    let order: Vec<Tpl> = persona.newest.iter().copied().chain(rest).collect();

    // Gaps of 15 minutes to 15¼ hours, squeezed if need be so the oldest is at most three weeks old.
    let first = 180 + rng.below(240) as i64;
    let mut gaps: Vec<i64> = (1..order.len())
        .map(|_| 900 + rng.below(15 * 3600) as i64)
        .collect();
    let budget = 21 * 86_400 - first - 3600;
    let total: i64 = gaps.iter().sum();
    if total > budget {
        for gap in &mut gaps {
            *gap = *gap * budget / total;
        }
    }
    // About a third unread, most of them recent: in each block of ten, a set number, at shuffled places.
    let mut unread: Vec<bool> = Vec::with_capacity(order.len());
    for (block, count) in [7, 4, 4, 1, 1, 1].into_iter().enumerate() {
        let mut slots: Vec<bool> = (0..10).map(|i| i < count).collect();
        let mut block_rng = ids::Rng::new(&[&user.id, "unread", &block.to_string()]);
        block_rng.shuffle(&mut slots);
        unread.extend(slots);
    }
    let mut offset = first;
    let mut messages = Vec::with_capacity(order.len());
    for (i, tpl) in order.into_iter().enumerate() {
        if i > 0 {
            offset += gaps[i - 1];
        }
        let index = i.to_string();
        let received = anchor - SignedDuration::from_secs(offset);
        let sent = received - SignedDuration::from_secs(5 + rng.below(115) as i64);
        let is_read = tpl.read.unwrap_or(!unread.get(i).copied().unwrap_or(false));
        let modified = if is_read {
            (received + SignedDuration::from_mins(1 + rng.below(240) as i64)).min(anchor)
        } else {
            received
        };
        let thread = tpl
            .subject
            .trim_start_matches("Re: ")
            .trim_start_matches("Fwd: ");
        let domain = tpl.from.1.rsplit('@').next().unwrap_or("contoso.example");
        messages.push(Message {
            id: ids::item_id(&[&user.id, "message", &index]),
            change_key: ids::change_key(&[&user.id, "message", &index]),
            created: received,
            modified,
            received,
            sent,
            tpl,
            body: tpl.body.replace("{me}", &user.given_name),
            is_read,
            conversation_id: ids::conversation_id(&[&user.id, "conversation", thread]),
            internet_message_id: format!(
                "<{}@{domain}>",
                ids::hex(&[&user.id, "internet-message-id", &index], 12)
            ),
        });
    }
    messages
}

/// The inbox's folder ID (every message's `parentFolderId`).
pub fn inbox_id(user: &DemoUser) -> String {
    ids::folder_id(&[&user.id, "inbox"])
}

/// Graph's `bodyPreview`: the first 255 characters of the body text.
fn preview(body: &str) -> String {
    body.chars().take(255).collect()
}

fn html(body: &str) -> String {
    let lines: Vec<String> = body.split("\r\n").map(crate::util::escape_html).collect();
    format!(
        "<html><head>\r\n<meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\"></head><body>\
         <div>{}</div></body></html>",
        lines.join("<br>\r\n")
    )
}

/// `{"emailAddress": {"name", "address"}}`, without `name` when there is none (as Graph sends it).
pub fn recipient(who: (&str, &str)) -> Value {
    let mut address = json!({ "address": who.1 });
    if !who.0.is_empty() {
        address["name"] = json!(who.0);
    }
    json!({ "emailAddress": address })
}

fn to_json(m: &Message, user: &DemoUser, folder: &str, body_as_text: bool) -> Value {
    let to: Vec<Value> = if m.tpl.to.is_empty() {
        vec![recipient((&user.display_name, &user.email))]
    } else {
        m.tpl.to.iter().map(|w| recipient(*w)).collect()
    };
    let body = if body_as_text {
        json!({"contentType": "text", "content": m.body})
    } else {
        json!({"contentType": "html", "content": html(&m.body)})
    };
    json!({
        "@odata.etag": format!("W/\"{}\"", m.change_key),
        "id": m.id,
        "createdDateTime": utc(m.created),
        "lastModifiedDateTime": utc(m.modified),
        "changeKey": m.change_key,
        "categories": [],
        "receivedDateTime": utc(m.received),
        "sentDateTime": utc(m.sent),
        "hasAttachments": m.tpl.attachments,
        "internetMessageId": m.internet_message_id,
        "subject": m.tpl.subject,
        "bodyPreview": preview(&m.body),
        "importance": m.tpl.importance,
        "parentFolderId": folder,
        "conversationId": m.conversation_id,
        "isDeliveryReceiptRequested": false,
        "isReadReceiptRequested": false,
        "isRead": m.is_read,
        "isDraft": false,
        "webLink": format!(
            "https://outlook.office365.com/owa/?ItemID={}&exvsurl=1&viewmodel=ReadMessageItem",
            percent_encode(&m.id)
        ),
        "inferenceClassification": if m.tpl.focused { "focused" } else { "other" },
        "body": body,
        "sender": recipient(m.tpl.from),
        "from": recipient(m.tpl.from),
        "toRecipients": to,
        "ccRecipients": [],
        "bccRecipients": [],
        "replyTo": [],
        "flag": {"flagStatus": "notFlagged"},
    })
}

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

/// Which folder a `mailFolders/{folder}` segment names: `Some(true)` the inbox, `Some(false)` another
/// well-known (and here empty) folder, `None` none at all.
fn folder_is_inbox(user: &DemoUser, folder: &str) -> Option<bool> {
    if folder.eq_ignore_ascii_case("inbox") || folder == inbox_id(user) {
        Some(true)
    } else if WELL_KNOWN_FOLDERS
        .iter()
        .any(|f| f.eq_ignore_ascii_case(folder))
    {
        Some(false)
    } else {
        None
    }
}

fn not_found() -> Reply {
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
    let (entity_set, holds_mail) = match &folder {
        None => (format!("users('{}')/messages", user.id), true),
        Some(name) => match folder_is_inbox(user, name) {
            Some(inbox) => (
                format!("users('{}')/mailFolders('{}')/messages", user.id, name),
                inbox,
            ),
            None => return not_found(),
        },
    };
    let mut messages = if holds_mail {
        inbox(user, st.anchor)
    } else {
        Vec::new()
    };
    messages.retain(|m| filter.matches(m) && search.as_ref().is_none_or(|s| s.matches(m)));
    messages.sort_by(|a, b| compare(a, b, &order));
    let text = wants_text_body(req);
    let folder_id = inbox_id(user);
    let items: Vec<Value> = messages
        .iter()
        .map(|m| {
            odata::project(
                to_json(m, user, &folder_id, text),
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

pub fn get_one(st: &AppState, caller: &Caller, req: &GraphRequest, id: &str) -> Reply {
    if !caller.has_any(READ_MAIL) {
        return access_denied();
    }
    let user = &caller.user;
    let q = Query::parse(req.query);
    let selection = match odata::selection(&q, PROPERTIES, TYPE_NAME) {
        Ok(s) => s,
        Err(reply) => return reply,
    };
    let Some(m) = inbox(user, st.anchor).into_iter().find(|m| m.id == id) else {
        return not_found();
    };
    let text = wants_text_body(req);
    let mut body = odata::project(
        to_json(&m, user, &inbox_id(user), text),
        selection.as_deref(),
        &["@odata.etag", "id"],
    );
    match q.get("$expand").map(str::trim) {
        None | Some("") => {}
        Some(expand) if expand.to_ascii_lowercase().starts_with("attachments") => {
            body["attachments"] = json!(attachments(&m));
        }
        Some(other) => {
            return Reply::bad_request(
                "BadRequest",
                &format!("The sandbox can expand 'attachments' only, not '{other}'."),
            )
        }
    }
    body["@odata.context"] = json!(odata::context(
        &st.base,
        &format!("users('{}')/messages/$entity", user.id),
        None
    ));
    body_preference(Reply::ok(body), text)
}

/// A message's attachments, when it has any: one file, named after its subject.
fn attachments(m: &Message) -> Vec<Value> {
    if !m.tpl.attachments {
        return Vec::new();
    }
    let stem: String = m
        .subject()
        .trim_start_matches("Re: ")
        .trim_start_matches("Fwd: ")
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { '-' })
        .collect::<String>()
        .split('-')
        .filter(|w| !w.is_empty())
        .take(4)
        .collect::<Vec<_>>()
        .join("-");
    let size = 18_000 + (m.id.bytes().map(u64::from).sum::<u64>() % 90_000);
    vec![json!({
        "@odata.type": "#microsoft.graph.fileAttachment",
        "id": format!("{}-att-0", m.id),
        "name": format!("{stem}.pdf"),
        "contentType": "application/pdf",
        "size": size,
        "isInline": false,
    })]
}

/// `$search="words"`: Graph's KQL search, here every word (case-insensitive) in the subject, the body or the
/// sender. Graph wants the query in double quotes; a bare single word passes as it does on Graph.
struct Search(Vec<String>);

impl Search {
    #[allow(clippy::result_large_err)] // the error is the finished reply, returned once
    fn parse(raw: &str) -> Result<Search, Reply> {
        let raw = raw.trim();
        let inner = match raw.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
            Some(inner) if raw.len() >= 2 => inner.replace("\\\"", "\""),
            _ if !raw.is_empty() && raw.chars().all(char::is_alphanumeric) => raw.to_string(),
            _ => {
                return Err(Reply::bad_request(
                    "BadRequest",
                    &format!(
                        "Syntax error: the $search value '{raw}' is not valid. Put the query in double quotes: \
                         $search=\"{raw}\"."
                    ),
                ))
            }
        };
        Ok(Search(
            inner.split_whitespace().map(str::to_lowercase).collect(),
        ))
    }

    fn matches(&self, m: &Message) -> bool {
        let hay = format!(
            "{} {} {} {}",
            m.subject(),
            m.body,
            m.tpl.from.0,
            m.tpl.from.1
        )
        .to_lowercase();
        self.0.iter().all(|w| hay.contains(w.as_str()))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SortKey {
    Received,
    Sent,
    Created,
    Modified,
    Subject,
    IsRead,
    HasAttachments,
    Importance,
}

/// `$orderby=receivedDateTime desc,subject` (default: `receivedDateTime desc`, as Outlook lists mail).
#[allow(clippy::result_large_err)] // the error is the finished reply, returned once
fn order_by(raw: Option<&str>) -> Result<Vec<(SortKey, bool)>, Reply> {
    let Some(raw) = raw.filter(|r| !r.trim().is_empty()) else {
        return Ok(vec![(SortKey::Received, true)]);
    };
    let mut keys = Vec::new();
    for part in raw.split(',') {
        let mut words = part.split_whitespace();
        let name = words.next().unwrap_or("");
        let descending = match words.next().map(str::to_ascii_lowercase).as_deref() {
            None | Some("asc") => false,
            Some("desc") => true,
            Some(other) => {
                return Err(Reply::bad_request(
                    "BadRequest",
                    &format!("Invalid $orderby: '{other}' is neither 'asc' nor 'desc'."),
                ))
            }
        };
        if words.next().is_some() {
            return Err(Reply::bad_request(
                "BadRequest",
                &format!("Invalid $orderby clause '{}'.", part.trim()),
            ));
        }
        let key = match name.to_ascii_lowercase().as_str() {
            "receiveddatetime" => SortKey::Received,
            "sentdatetime" => SortKey::Sent,
            "createddatetime" => SortKey::Created,
            "lastmodifieddatetime" => SortKey::Modified,
            "subject" => SortKey::Subject,
            "isread" => SortKey::IsRead,
            "hasattachments" => SortKey::HasAttachments,
            "importance" => SortKey::Importance,
            _ if PROPERTIES.iter().any(|p| p.eq_ignore_ascii_case(name)) => {
                return Err(Reply::bad_request(
                    "BadRequest",
                    &format!(
                        "The sandbox cannot sort messages by '{name}'. Use receivedDateTime, sentDateTime, \
                         createdDateTime, lastModifiedDateTime, subject, isRead, hasAttachments or importance."
                    ),
                ))
            }
            _ => {
                return Err(Reply::bad_request(
                    "RequestBroker--ParseUri",
                    &format!("Could not find a property named '{name}' on type '{TYPE_NAME}'."),
                ))
            }
        };
        keys.push((key, descending));
    }
    Ok(keys)
}

fn importance_rank(importance: &str) -> u8 {
    match importance {
        "low" => 0,
        "high" => 2,
        _ => 1,
    }
}

fn compare(a: &Message, b: &Message, order: &[(SortKey, bool)]) -> Ordering {
    for (key, descending) in order {
        let ordering = match key {
            SortKey::Received => a.received.cmp(&b.received),
            SortKey::Sent => a.sent.cmp(&b.sent),
            SortKey::Created => a.created.cmp(&b.created),
            SortKey::Modified => a.modified.cmp(&b.modified),
            SortKey::Subject => a.subject().to_lowercase().cmp(&b.subject().to_lowercase()),
            SortKey::IsRead => a.is_read.cmp(&b.is_read),
            SortKey::HasAttachments => a.tpl.attachments.cmp(&b.tpl.attachments),
            SortKey::Importance => {
                importance_rank(a.tpl.importance).cmp(&importance_rank(b.tpl.importance))
            }
        };
        let ordering = if *descending {
            ordering.reverse()
        } else {
            ordering
        };
        if ordering != Ordering::Equal {
            return ordering;
        }
    }
    // Ties: newest first, then by ID, so pages never overlap.
    b.received.cmp(&a.received).then_with(|| a.id.cmp(&b.id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::demo_users;

    fn anchor() -> Timestamp {
        "2026-11-29T08:15:00Z"
            .parse()
            .unwrap_or(Timestamp::UNIX_EPOCH)
    }

    #[test]
    fn every_inbox_has_sixty_distinct_messages_within_three_weeks() {
        for user in demo_users() {
            let inbox = inbox(&user, anchor());
            assert_eq!(inbox.len(), INBOX_SIZE, "{}", user.email);
            let mut ids: Vec<&str> = inbox.iter().map(|m| m.id.as_str()).collect();
            ids.sort();
            ids.dedup();
            assert_eq!(ids.len(), INBOX_SIZE);
            assert!(inbox.windows(2).all(|w| w[0].received > w[1].received));
            let newest = anchor().duration_since(inbox[0].received);
            assert!(
                newest >= SignedDuration::from_mins(3) && newest < SignedDuration::from_mins(8)
            );
            let oldest = anchor().duration_since(inbox[INBOX_SIZE - 1].received);
            assert!(oldest <= SignedDuration::from_hours(21 * 24), "{oldest:?}");
            assert!(oldest >= SignedDuration::from_hours(10 * 24), "{oldest:?}");
            let unread = inbox.iter().filter(|m| !m.is_read).count();
            assert!(
                (12..=28).contains(&unread),
                "{}: {unread} unread",
                user.email
            );
            assert!(inbox
                .iter()
                .all(|m| m.sent < m.received && m.modified <= anchor()));
            assert!(inbox
                .iter()
                .all(|m| preview(&m.body).chars().count() <= 255));
            assert!(!inbox.iter().any(|m| m.body.contains("{me}")));
            assert!(inbox.iter().any(|m| m.body.chars().count() > 255));
        }
    }

    #[test]
    fn inboxes_differ_and_are_stable() {
        let users = demo_users();
        let a = inbox(&users[0], anchor());
        let b = inbox(&users[1], anchor());
        assert_ne!(a[0].subject(), b[0].subject());
        assert_ne!(a[0].id, b[0].id);
        let again = inbox(&users[0], anchor());
        assert_eq!(a[10].id, again[10].id);
        assert_eq!(a[10].received, again[10].received);
    }

    #[test]
    fn search_wants_quotes_around_more_than_one_word() {
        assert_eq!(
            Search::parse("\"Q4 budget\"").ok().map(|s| s.0),
            Some(vec!["q4".into(), "budget".into()])
        );
        assert_eq!(
            Search::parse("budget").ok().map(|s| s.0),
            Some(vec!["budget".into()])
        );
        assert_eq!(
            Search::parse("\"say \\\"hi\\\"\"").ok().map(|s| s.0),
            Some(vec!["say".into(), "\"hi\"".into()])
        );
        for bad in ["Q4 budget", "from:ada", "\"", ""] {
            assert!(Search::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn sender_without_a_name_has_no_name_key() {
        let v = recipient(("", "noreply@woodgrovebank.example"));
        assert_eq!(
            v,
            json!({"emailAddress": {"address": "noreply@woodgrovebank.example"}})
        );
    }
}
