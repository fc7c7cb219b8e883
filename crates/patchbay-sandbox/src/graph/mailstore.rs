//! Each user's mailbox as it is now: the generated inbox, then what happened to it since the start — mail
//! delivered by hand, messages moved (a move makes a new message with a new ID in the destination and removes
//! the original, as Exchange does), read state and categories changed, messages removed — each logged with a
//! sequence number and the folder it happened in, which is what the delta query (`delta`) replays. Also how
//! often each attachment's bytes were read (`$value`, `contentBytes`), for tests that want "read once".
//!
//! Like the demo mailbox itself, none of this is written to the tenant file.

use std::collections::{BTreeMap, HashMap, HashSet};

use jiff::Timestamp;

use super::attachments::model::{attachment_id, demo_pdf, Attachment};
use super::ids;
use super::mail_data::Tpl;
use super::messages::inbox::{inbox, Message};
use crate::state::{AppState, DemoUser};

/// A message to deliver into an inbox (see [`deliver`]).
#[derive(Debug, Clone)]
pub struct Delivered {
    pub received: Timestamp,
    pub from_name: String,
    pub from_address: String,
    pub subject: String,
    pub body: String,
    /// Without `attachments`: give it the demo PDF (what `deliver_mail(…, true)` always did).
    pub has_attachments: bool,
    pub attachments: Vec<Attachment>,
    pub is_read: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Added,
    Updated,
    Removed,
}

/// One line of a mailbox's log: message `id` in `folder` was added, changed or removed at `seq`.
#[derive(Debug, Clone)]
pub struct Entry {
    pub seq: u64,
    pub id: String,
    /// What happened (for a reader of the log: a round reports each message as it is now, or `@removed`).
    #[allow(dead_code)]
    pub change: Change,
    pub folder: &'static str,
}

/// A change to a message's own properties (`PATCH`, or a control lever).
#[derive(Debug, Clone)]
pub struct Edit {
    pub is_read: Option<bool>,
    pub categories: Option<Vec<String>>,
    pub modified: Timestamp,
    /// How many times it was changed (each change gives a new change key).
    pub version: u64,
}

/// One mailbox's life since the sandbox started.
#[derive(Debug, Clone, Default)]
pub struct MailLog {
    /// The last sequence number given out.
    pub seq: u64,
    pub changes: Vec<Entry>,
    /// Messages that arrived since the start (delivered, or moved here from elsewhere), oldest first.
    pub delivered: Vec<Message>,
    /// Read state and categories changed since, by message ID.
    pub edits: HashMap<String, Edit>,
    /// Messages removed (deleted, or moved away and so given a new ID).
    pub removed: HashSet<String>,
    /// Tokens issued before this sequence number are refused with 410.
    pub floor: u64,
    /// The next round sends this many of the latest changes again (as Graph may).
    pub replay: usize,
    /// How many times each attachment's bytes were served, by attachment ID.
    pub reads: BTreeMap<String, u64>,
}

impl MailLog {
    pub fn record(&mut self, id: &str, change: Change, folder: &'static str) {
        self.seq += 1;
        self.changes.push(Entry {
            seq: self.seq,
            id: id.to_string(),
            change,
            folder,
        });
    }
}

/// `user`'s mailbox as it is now, newest first: the generated inbox and every message that arrived since, less
/// those removed, with their changes. What listings, a single message, attachments and delta all serve.
pub fn mailbox(st: &AppState, user: &DemoUser) -> Vec<Message> {
    let log = st
        .lock()
        .mail_logs
        .get(&user.id)
        .cloned()
        .unwrap_or_default();
    mailbox_of(st.anchor, user, &log)
}

/// One message of `user`'s mailbox, as it is now.
pub fn find(st: &AppState, user: &DemoUser, id: &str) -> Option<Message> {
    let inner = st.lock();
    let log = inner.mail_logs.get(&user.id).cloned().unwrap_or_default();
    drop(inner);
    current_message(st.anchor, user, &log, id)
}

fn current_message(anchor: Timestamp, user: &DemoUser, log: &MailLog, id: &str) -> Option<Message> {
    if log.removed.contains(id) {
        return None;
    }
    let mut m = log
        .delivered
        .iter()
        .find(|m| m.id == id)
        .cloned()
        .or_else(|| inbox(user, anchor).into_iter().find(|m| m.id == id))?;
    apply(log, &mut m);
    Some(m)
}

fn apply(log: &MailLog, m: &mut Message) {
    if let Some(e) = log.edits.get(&m.id) {
        if let Some(read) = e.is_read {
            m.is_read = read;
        }
        if let Some(categories) = &e.categories {
            m.categories = categories.clone();
        }
        m.modified = e.modified;
        m.change_key = ids::change_key(&[&m.change_key, &e.version.to_string()]);
    }
}

pub fn mailbox_of(anchor: Timestamp, user: &DemoUser, log: &MailLog) -> Vec<Message> {
    let mut all: Vec<Message> = log.delivered.iter().rev().cloned().collect();
    all.extend(inbox(user, anchor));
    all.retain(|m| !log.removed.contains(&m.id));
    for m in &mut all {
        apply(log, m);
    }
    // Newest first (stable: what arrived later comes first among equals).
    all.sort_by_key(|m| std::cmp::Reverse(m.received));
    all
}

/// A new message in `user`'s inbox, now: its ID and its attachments' IDs.
pub fn deliver(st: &AppState, user: &DemoUser, d: Delivered) -> (String, Vec<String>) {
    let mut inner = st.lock();
    let log = inner.mail_logs.entry(user.id.clone()).or_default();
    let index = format!("delivered-{}", log.delivered.len());
    let id = ids::item_id(&[&user.id, "message", &index]);
    // The generated inbox is made of `'static` templates; a delivered message becomes one, its text leaked once
    // (a few hundred bytes a message, for the sandbox's life: it is a test double, not a mail server). Its
    // attachments are not: their bytes are held once, shared by every answer that serves them.
    let leak = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };
    let mut attachments = d.attachments;
    if attachments.is_empty() && d.has_attachments {
        attachments.push(demo_pdf(&id, &d.subject, d.received));
    }
    let tpl = Tpl {
        from: (leak(d.from_name), leak(d.from_address.clone())),
        to: &[],
        subject: leak(d.subject),
        body: leak(d.body.clone()),
        importance: "normal",
        attachments: attachments.iter().any(|a| !a.is_inline),
        focused: true,
        read: Some(d.is_read),
    };
    let domain = d
        .from_address
        .rsplit('@')
        .next()
        .unwrap_or("contoso.example")
        .to_string();
    let attachment_ids = (0..attachments.len())
        .map(|i| attachment_id(&id, i))
        .collect();
    log.delivered.push(Message {
        id: id.clone(),
        origin: id.clone(),
        change_key: ids::change_key(&[&user.id, "message", &index]),
        created: d.received,
        modified: d.received,
        received: d.received,
        sent: d.received,
        tpl,
        body: d.body,
        is_read: d.is_read,
        conversation_id: ids::conversation_id(&[&user.id, "conversation", &index]),
        internet_message_id: format!("<{}@{domain}>", ids::hex(&[&user.id, "imid", &index], 12)),
        folder: "inbox",
        categories: Vec::new(),
        attachments,
    });
    log.record(&id, Change::Added, "inbox");
    (id, attachment_ids)
}

/// Move message `id` to `folder` (a well-known name): the message as it is there, with its new ID; `None` when
/// there is no such message. Moving a message to the folder it is in changes nothing.
pub fn move_to(st: &AppState, user: &DemoUser, id: &str, folder: &'static str) -> Option<Message> {
    let mut inner = st.lock();
    let log = inner.mail_logs.entry(user.id.clone()).or_default();
    let original = current_message(st.anchor, user, log, id)?;
    if original.folder == folder {
        return Some(original);
    }
    let index = format!("moved-{}", log.delivered.len());
    let moved = Message {
        id: ids::item_id(&[&user.id, "message", &index]),
        change_key: ids::change_key(&[&user.id, "message", &index]),
        modified: Timestamp::now(),
        folder,
        ..original.clone()
    };
    log.removed.insert(original.id.clone());
    log.edits.remove(&original.id);
    log.record(&original.id, Change::Removed, original.folder);
    log.delivered.push(moved.clone());
    log.record(&moved.id, Change::Added, folder);
    Some(moved)
}

/// Change a message's read state and categories (each when given): the message as it is now.
pub fn edit(
    st: &AppState,
    user: &DemoUser,
    id: &str,
    is_read: Option<bool>,
    categories: Option<Vec<String>>,
) -> Option<Message> {
    let mut inner = st.lock();
    let log = inner.mail_logs.entry(user.id.clone()).or_default();
    let folder = current_message(st.anchor, user, log, id)?.folder;
    let edit = log.edits.entry(id.to_string()).or_insert(Edit {
        is_read: None,
        categories: None,
        modified: Timestamp::now(),
        version: 0,
    });
    if is_read.is_some() {
        edit.is_read = is_read;
    }
    if categories.is_some() {
        edit.categories = categories;
    }
    edit.modified = Timestamp::now();
    edit.version += 1;
    log.record(id, Change::Updated, folder);
    current_message(st.anchor, user, log, id)
}

/// Remove a message (a delta round then reports it): whether there was one.
pub fn remove(st: &AppState, user: &DemoUser, id: &str) -> bool {
    let mut inner = st.lock();
    let log = inner.mail_logs.entry(user.id.clone()).or_default();
    let Some(m) = current_message(st.anchor, user, log, id) else {
        return false;
    };
    log.removed.insert(m.id.clone());
    log.record(&m.id, Change::Removed, m.folder);
    true
}

/// Count one read of an attachment's bytes.
pub fn count_read(st: &AppState, user: &DemoUser, attachment_id: &str) {
    let mut inner = st.lock();
    let log = inner.mail_logs.entry(user.id.clone()).or_default();
    *log.reads.entry(attachment_id.to_string()).or_default() += 1;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::demo_users;

    fn anchor() -> Timestamp {
        "2026-11-29T08:15:00Z".parse().unwrap()
    }

    #[test]
    fn a_moved_message_has_a_new_id_and_keeps_what_it_was() {
        let user = &demo_users()[0];
        let mut log = MailLog::default();
        let first = inbox(user, anchor()).remove(0);
        log.edits.insert(
            first.id.clone(),
            Edit {
                is_read: Some(true),
                categories: Some(vec!["Blue".into()]),
                modified: anchor(),
                version: 1,
            },
        );
        let now = current_message(anchor(), user, &log, &first.id).unwrap();
        assert!(now.is_read);
        assert_eq!(now.categories, vec!["Blue".to_string()]);
        assert_ne!(now.change_key, first.change_key);
        log.removed.insert(first.id.clone());
        assert!(current_message(anchor(), user, &log, &first.id).is_none());
        assert_eq!(mailbox_of(anchor(), user, &log).len(), 59);
    }
}
