//! The mailbox's levers: mail and events delivered, changed and removed by hand (what delta queries and
//! automations then see), delta replays and expiring tokens, what apps wrote, and the mailbox's time zone.

use super::{user_id, ControlError, SandboxControl};
use crate::state::DemoUser;
use std::time::Duration;

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
        Ok(crate::graph::delta::deliver(
            &self.state,
            &user,
            crate::graph::delta::Delivered {
                received: jiff::Timestamp::now(),
                from_name: from.0.to_string(),
                from_address: from.1.to_string(),
                subject: subject.to_string(),
                body: body.to_string(),
                has_attachments,
                is_read: false,
            },
        ))
    }

    /// Change or remove a message of `email`'s inbox (a delta round then reports it).
    pub fn change_mail(&self, email: &str, id: &str, remove: bool) -> Result<(), ControlError> {
        use crate::graph::delta::Change;
        let mut inner = self.state.lock();
        let user_id = user_id(&inner, Some(email))?.unwrap_or_default();
        let log = inner.mail_logs.entry(user_id).or_default();
        if remove {
            log.removed.insert(id.to_string());
            log.record(id, Change::Removed);
        } else {
            log.read.insert(id.to_string());
            log.record(id, Change::Updated);
        }
        Ok(())
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
