//! The generated inbox: sixty messages per user over the three weeks before the anchor, the same on every start.

use jiff::{SignedDuration, Timestamp};

use super::super::attachments::model::{demo_pdf, Attachment};
use super::super::ids;
use super::super::mail_data::{persona, Tpl, POOL, SPECIALS};
use crate::state::DemoUser;

/// How many messages each demo inbox holds.
pub const INBOX_SIZE: usize = 60;

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
    /// The ID it had when it arrived (a move gives a message a new ID; this stays).
    pub origin: String,
    /// The folder it is in, by its well-known name (`inbox`, `archive`, …; see `mail_folders::FOLDERS`).
    pub folder: &'static str,
    pub categories: Vec<String>,
    pub attachments: Vec<Attachment>,
}

impl Message {
    pub fn subject(&self) -> &str {
        self.tpl.subject
    }

    /// Graph's `hasAttachments`: whether it has an attachment that is not inline (a message with inline images
    /// only has none, as Graph counts them).
    pub fn has_attachments(&self) -> bool {
        self.attachments.iter().any(|a| !a.is_inline)
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
        let id = ids::item_id(&[&user.id, "message", &index]);
        let attachments = if tpl.attachments {
            vec![demo_pdf(&id, tpl.subject, received)]
        } else {
            Vec::new()
        };
        messages.push(Message {
            origin: id.clone(),
            id,
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
            folder: "inbox",
            categories: Vec::new(),
            attachments,
        });
    }
    messages
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::messages::json::preview;
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
}
