//! The mailbox's levers: mail (with attachments of every kind) and events delivered, changed and removed by hand
//! (what delta queries and automations then see), delta replays and expiring tokens, what apps wrote (drafts,
//! mail sent and forwarded, events), each message's folder, read state and categories, how often each
//! attachment's bytes were read, and the mailbox's time zone.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;

use super::{user_id, ControlError, SandboxControl};
use crate::graph::attachments::model::{AttachedMail, Attachment, Content, Kind};
use crate::graph::mailstore::{self, Delivered};
use crate::graph::messages::inbox::Message;
use crate::state::DemoUser;

/// An attachment for [`SandboxControl::deliver_mail_with`]. Names are kept exactly as given — `../../.bashrc`,
/// `a/b\c.txt`, `CON.txt`, control characters, an empty or a very long name — as a real mailbox keeps them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NewAttachment {
    /// A file (`fileAttachment`): its bytes are held once, however often they are served. `inline` with a
    /// `content_id` is an image the body refers to as `cid:…`.
    File {
        name: String,
        content_type: String,
        bytes: Vec<u8>,
        inline: bool,
        content_id: Option<String>,
    },
    /// An attached mail (`itemAttachment`), addressed to the mailbox's owner; named after its subject, as Outlook
    /// names it. Its `$value` is the mail as MIME.
    Mail {
        subject: String,
        /// `(display name, address)`.
        from: (String, String),
        body: String,
    },
    /// A link to a file in the cloud (`referenceAttachment`): metadata only, no bytes.
    Reference { name: String, content_type: String },
}

impl NewAttachment {
    /// A file attachment holding `bytes`.
    pub fn file(name: &str, content_type: &str, bytes: impl Into<Vec<u8>>) -> NewAttachment {
        NewAttachment::File {
            name: name.to_string(),
            content_type: content_type.to_string(),
            bytes: bytes.into(),
            inline: false,
            content_id: None,
        }
    }

    /// A file attachment of `size` bytes made by [`crate::attachment_pattern`] (byte `i` is `i % 251`), as
    /// `/_sandbox/deliver-mail`'s `size` makes them; `application/octet-stream`.
    pub fn sized(name: &str, size: usize) -> NewAttachment {
        NewAttachment::file(
            name,
            "application/octet-stream",
            crate::attachment_pattern(size),
        )
    }

    /// An inline image (`isInline` true, `image/png`) the body refers to as `cid:{content_id}`.
    pub fn inline_image(name: &str, content_id: &str, bytes: impl Into<Vec<u8>>) -> NewAttachment {
        NewAttachment::File {
            name: name.to_string(),
            content_type: "image/png".to_string(),
            bytes: bytes.into(),
            inline: true,
            content_id: Some(content_id.to_string()),
        }
    }

    /// An attached mail from `from` (`(display name, address)`).
    pub fn mail(subject: &str, from: (&str, &str), body: &str) -> NewAttachment {
        NewAttachment::Mail {
            subject: subject.to_string(),
            from: (from.0.to_string(), from.1.to_string()),
            body: body.to_string(),
        }
    }

    /// A link to a file in the cloud.
    pub fn reference(name: &str, content_type: &str) -> NewAttachment {
        NewAttachment::Reference {
            name: name.to_string(),
            content_type: content_type.to_string(),
        }
    }
}

/// A message for [`SandboxControl::deliver_mail_with`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NewMail {
    /// `(display name, address)`.
    pub from: (String, String),
    pub subject: String,
    /// Plain text.
    pub body: String,
    pub attachments: Vec<NewAttachment>,
}

/// A message delivered by [`SandboxControl::deliver_mail_with`]: its ID and its attachments' IDs, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeliveredMail {
    pub id: String,
    pub attachment_ids: Vec<String>,
}

/// A message as the mailbox holds it now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MailState {
    /// Its ID now.
    pub id: String,
    /// The ID it arrived with (the same as `id` until it is moved).
    pub original_id: String,
    /// The folder's well-known name: `inbox`, `archive`, `deleteditems`, …
    pub folder: String,
    /// The folder's ID (the message's `parentFolderId`).
    pub folder_id: String,
    pub subject: String,
    pub is_read: bool,
    pub categories: Vec<String>,
    pub has_attachments: bool,
    /// Its attachments' IDs, in order (inline ones too).
    pub attachment_ids: Vec<String>,
}

fn state_of(user: &DemoUser, m: &Message) -> MailState {
    MailState {
        id: m.id.clone(),
        original_id: m.origin.clone(),
        folder: m.folder.to_string(),
        folder_id: crate::graph::mail_folders::folder_id(user, m.folder),
        subject: m.subject().to_string(),
        is_read: m.is_read,
        categories: m.categories.clone(),
        has_attachments: m.has_attachments(),
        attachment_ids: (0..m.attachments.len())
            .map(|i| crate::graph::attachments::model::attachment_id(&m.id, i))
            .collect(),
    }
}

impl SandboxControl {
    /// Change a user's mailbox time zone: what `GET /me/mailboxSettings` reports and the zone the demo week
    /// is laid out in. A Windows name ("Pacific Standard Time", as Exchange reports zones) or an IANA one
    /// ("Europe/Paris", as set from Outlook on the web); kept as given. Not persisted, like the mailbox.
    pub fn set_mailbox_time_zone(&self, email: &str, zone: &str) -> Result<(), ControlError> {
        let zone = zone.trim();
        if crate::graph::zones::resolve(zone).is_none() {
            return Err(ControlError::Invalid(format!(
                "'{zone}' is neither a Windows time zone name nor an IANA one"
            )));
        }
        let mut inner = self.state.lock();
        let id = user_id(&inner, Some(email))?.unwrap_or_default();
        inner.mailbox_time_zones.insert(id, zone.to_string());
        Ok(())
    }

    /// Deliver a message into `email`'s inbox now (what delta queries and automations see): its id.
    pub fn deliver_mail(
        &self,
        email: &str,
        from: (&str, &str),
        subject: &str,
        body: &str,
        has_attachments: bool,
    ) -> Result<String, ControlError> {
        let user = self.user(email)?;
        let (id, _) = mailstore::deliver(
            &self.state,
            &user,
            Delivered {
                received: jiff::Timestamp::now(),
                from_name: from.0.to_string(),
                from_address: from.1.to_string(),
                subject: subject.to_string(),
                body: body.to_string(),
                has_attachments,
                attachments: Vec::new(),
                is_read: false,
            },
        );
        Ok(id)
    }

    /// Deliver a message with attachments of any kind into `email`'s inbox now: its ID and its attachments'.
    pub fn deliver_mail_with(
        &self,
        email: &str,
        mail: NewMail,
    ) -> Result<DeliveredMail, ControlError> {
        let user = self.user(email)?;
        let now = jiff::Timestamp::now();
        let attachments = mail
            .attachments
            .into_iter()
            .enumerate()
            .map(|(i, a)| attachment(&user, now, i, a))
            .collect();
        let (id, attachment_ids) = mailstore::deliver(
            &self.state,
            &user,
            Delivered {
                received: now,
                from_name: mail.from.0,
                from_address: mail.from.1,
                subject: mail.subject,
                body: mail.body,
                has_attachments: false,
                attachments,
                is_read: false,
            },
        );
        Ok(DeliveredMail { id, attachment_ids })
    }

    /// Change (mark read) or remove a message of `email`'s mailbox (a delta round then reports it).
    pub fn change_mail(&self, email: &str, id: &str, remove: bool) -> Result<(), ControlError> {
        let user = self.user(email)?;
        let found = if remove {
            mailstore::remove(&self.state, &user, id)
        } else {
            mailstore::edit(&self.state, &user, id, Some(true), None).is_some()
        };
        if found {
            Ok(())
        } else {
            Err(ControlError::Invalid(format!(
                "there is no message '{id}' in {email}'s mailbox"
            )))
        }
    }

    /// A message of `email`'s mailbox as it is now (its folder, read state, categories); `None` when there is no
    /// such message — a message moved has a new ID, and its old one is gone.
    pub fn mail_message(&self, email: &str, id: &str) -> Result<Option<MailState>, ControlError> {
        let user = self.user(email)?;
        Ok(mailstore::find(&self.state, &user, id).map(|m| state_of(&user, &m)))
    }

    /// The message that arrived in `email`'s mailbox as `original_id`, wherever it is now and whatever its ID
    /// (moves give it a new one); `None` when it was removed.
    pub fn mail_message_by_original(
        &self,
        email: &str,
        original_id: &str,
    ) -> Result<Option<MailState>, ControlError> {
        let user = self.user(email)?;
        Ok(mailstore::mailbox(&self.state, &user)
            .iter()
            .find(|m| m.origin == original_id)
            .map(|m| state_of(&user, m)))
    }

    /// The messages of one folder of `email`'s mailbox (a well-known name such as `inbox` or `archive`, or a
    /// folder ID), newest first.
    pub fn mail_folder_messages(
        &self,
        email: &str,
        folder: &str,
    ) -> Result<Vec<MailState>, ControlError> {
        let user = self.user(email)?;
        let which = crate::graph::mail_folders::resolve(&user, folder)
            .map(|w| w.well_known())
            .ok_or_else(|| {
                ControlError::Invalid(format!("{email}'s mailbox has no folder '{folder}'"))
            })?;
        Ok(mailstore::mailbox(&self.state, &user)
            .iter()
            .filter(|m| m.folder == which)
            .map(|m| state_of(&user, m))
            .collect())
    }

    /// The mail `email`'s apps forwarded (`POST /me/messages/{id}/forward`), oldest first: the entries of
    /// [`SandboxControl::mailbox_writes`]' `sent` whose `forward_of` is the ID of the message forwarded —
    /// `{subject, to, cc, body, saved_to_sent_items, attachments, forward_of, sent_at}`.
    pub fn mail_forwards(&self, email: &str) -> Result<Vec<serde_json::Value>, ControlError> {
        Ok(self
            .mailbox_writes(email)?
            .sent
            .into_iter()
            .filter(|s| s["forward_of"].is_string())
            .collect())
    }

    /// How many times each attachment's bytes were served to `email`'s apps (a `$value` answer, or an answer with
    /// its `contentBytes`), by attachment ID; attachments never read are not listed.
    pub fn attachment_reads(&self, email: &str) -> Result<BTreeMap<String, u64>, ControlError> {
        let inner = self.state.lock();
        let id = user_id(&inner, Some(email))?.unwrap_or_default();
        Ok(inner
            .mail_logs
            .get(&id)
            .map(|log| log.reads.clone())
            .unwrap_or_default())
    }

    /// The next delta round of `email`'s inbox and of their calendar view each send their last `n` changes
    /// again, as Graph may.
    pub fn replay_next_delta(&self, email: &str, n: usize) -> Result<(), ControlError> {
        let mut inner = self.state.lock();
        let user_id = user_id(&inner, Some(email))?.unwrap_or_default();
        inner.mail_logs.entry(user_id.clone()).or_default().replay = n;
        inner.calendar_logs.entry(user_id).or_default().replay = n;
        Ok(())
    }

    /// Every delta token of `email`'s inbox and calendar issued so far is answered 410 `syncStateNotFound`.
    pub fn expire_delta_tokens(&self, email: &str) -> Result<(), ControlError> {
        let mut inner = self.state.lock();
        let user_id = user_id(&inner, Some(email))?.unwrap_or_default();
        let log = inner.mail_logs.entry(user_id.clone()).or_default();
        log.floor = log.seq + 1;
        let log = inner.calendar_logs.entry(user_id).or_default();
        log.floor = log.seq + 1;
        Ok(())
    }

    fn user(&self, email: &str) -> Result<DemoUser, ControlError> {
        self.state
            .lock()
            .user_by_email(email)
            .cloned()
            .ok_or_else(|| ControlError::UnknownUser(email.to_string()))
    }

    /// Add an event to `email`'s calendar now (what calendar delta queries and automations see): its id.
    pub fn add_event(
        &self,
        email: &str,
        subject: &str,
        start: jiff::Timestamp,
        end: jiff::Timestamp,
    ) -> Result<String, ControlError> {
        if end < start {
            return Err(ControlError::Invalid(
                "the event ends before it starts".into(),
            ));
        }
        let user = self.user(email)?;
        Ok(crate::graph::calendar_delta::add(
            &self.state,
            &user,
            subject,
            start,
            end,
        ))
    }

    /// Change (subject, times), cancel or delete an event of `email`'s calendar.
    pub fn change_event(
        &self,
        email: &str,
        id: &str,
        change: crate::graph::calendar_delta::EventChange,
    ) -> Result<(), ControlError> {
        let user = self.user(email)?;
        match crate::graph::calendar_delta::change(&self.state, &user, id, change) {
            Ok(true) => Ok(()),
            Ok(false) => Err(ControlError::Invalid(format!(
                "there is no event '{id}' in {email}'s calendar"
            ))),
            Err(e) => Err(ControlError::Invalid(format!(
                "the demo calendar could not be laid out: {e}"
            ))),
        }
    }

    /// `email`'s events as the calendar view shows them now: (id, subject).
    pub fn events(&self, email: &str) -> Result<Vec<(String, String)>, ControlError> {
        let user = self.user(email)?;
        crate::graph::calendar_delta::current(&self.state, &user)
            .map(|events| events.into_iter().map(|e| (e.id, e.subject)).collect())
            .map_err(|e| {
                ControlError::Invalid(format!("the demo calendar could not be laid out: {e}"))
            })
    }

    /// The drafts, mail sent and events apps created in a user's mailbox (see [`crate::graph::writes`]).
    pub fn mailbox_writes(
        &self,
        email: &str,
    ) -> Result<crate::graph::writes::Writes, ControlError> {
        let inner = self.state.lock();
        let user = inner
            .user_by_email(email)
            .ok_or_else(|| ControlError::UnknownUser(email.to_string()))?;
        Ok(inner
            .mailbox_writes
            .get(&user.id)
            .cloned()
            .unwrap_or_default())
    }

    /// A user's mailbox time zone, as `GET /me/mailboxSettings` reports it.
    pub fn mailbox_time_zone(&self, email: &str) -> Result<String, ControlError> {
        let inner = self.state.lock();
        let user = inner
            .user_by_email(email)
            .ok_or_else(|| ControlError::UnknownUser(email.to_string()))?;
        Ok(inner
            .mailbox_time_zones
            .get(&user.id)
            .cloned()
            .unwrap_or_else(|| crate::graph::default_time_zone(user).to_string()))
    }

    /// The demo mailbox's "now": the sandbox's start time, truncated to the minute. Messages arrived before
    /// it; the demo week starts on its local date in each user's mailbox time zone (day 0).
    pub fn demo_anchor(&self) -> std::time::SystemTime {
        let seconds = self.state.anchor.as_second().max(0) as u64;
        std::time::UNIX_EPOCH + Duration::from_secs(seconds)
    }
}

/// An attachment as the mailbox holds it.
fn attachment(user: &DemoUser, now: jiff::Timestamp, index: usize, a: NewAttachment) -> Attachment {
    match a {
        NewAttachment::File {
            name,
            content_type,
            bytes,
            inline,
            content_id,
        } => Attachment {
            name,
            is_inline: inline,
            last_modified: now,
            kind: Kind::File {
                content_type,
                content_id,
                content_location: None,
                content: Content::Bytes(bytes.into()),
            },
        },
        NewAttachment::Mail {
            subject,
            from,
            body,
        } => {
            let domain = from
                .1
                .rsplit('@')
                .next()
                .unwrap_or("contoso.example")
                .to_string();
            let seed = format!("{}{index}", now.as_nanosecond());
            Attachment {
                name: subject.clone(),
                is_inline: false,
                last_modified: now,
                kind: Kind::Item(AttachedMail {
                    subject,
                    from,
                    to: vec![(user.display_name.clone(), user.email.clone())],
                    body,
                    sent: now - jiff::SignedDuration::from_hours(1),
                    internet_message_id: format!(
                        "<{}@{domain}>",
                        crate::graph::ids::hex(&[&user.id, "attached", &seed], 12)
                    ),
                }),
            }
        }
        NewAttachment::Reference { name, content_type } => Attachment {
            name,
            is_inline: false,
            last_modified: now,
            kind: Kind::Reference {
                content_type,
                size: 0,
            },
        },
    }
}
