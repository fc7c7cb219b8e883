//! Mail automations: what a round asks of the folder, and which message of it is new.
//!
//! What "new" means, and why it is enough to fire each message once: every message id a round returns (queued,
//! filtered out, or there at creation) is remembered (the engine's ids seen), together with the newest
//! `receivedDateTime` seen ([`MailState::mark`]). A message fires only when its id was never seen and it was
//! received after that mark less a day. Graph's replays and changed messages (read, moved, flagged) have been
//! seen; a resync after a 410 returns the whole folder, whose old messages are behind the mark; mail that arrived
//! in the gap is new on both counts.

use super::queue::{Pending, State};
use super::source::{DeltaSource, SourceState, TestItem};
use super::{Automation, Trigger};
use crate::error::{ErrorCode, ErrorInfo};
use crate::graph::mail::{folder_segment, SUMMARY_FIELDS};
use crate::graph::zone;
use crate::graph::Request;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// How far before the newest message seen a message may be received and still count as new.
const MARGIN_SECS: i64 = 24 * 3600;

/// New mail in a folder, filtered.
pub struct NewMail<'a> {
    pub folder: &'a str,
    pub from: Option<&'a str>,
    pub subject_contains: Option<&'a str>,
    pub has_attachments: bool,
}

/// What a mail automation keeps between rounds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailState {
    /// The newest `receivedDateTime` seen (Unix seconds).
    #[serde(default)]
    pub mark: i64,
}

impl SourceState for MailState {}

impl MailState {
    /// Whether a message received at `received` (Unix seconds) that was never seen is new.
    pub fn is_new(&self, state: &State, id: &str, received: Option<i64>) -> bool {
        !state.has_seen(id) && received.is_none_or(|r| r >= self.mark - MARGIN_SECS)
    }
}

fn messages_of(folder: &str) -> String {
    format!("me/mailFolders/{}/messages", folder_segment(folder))
}

fn invalid(message: impl Into<String>, hint: impl Into<String>) -> ErrorInfo {
    ErrorInfo::new(ErrorCode::InvalidInput, message, hint)
}

impl NewMail<'_> {
    /// Whether a message (as Graph sent it, `$select`ed) passes the filters.
    pub fn matches(&self, message: &Value) -> bool {
        let sender = message["from"]["emailAddress"]["address"]
            .as_str()
            .unwrap_or("");
        let subject = message["subject"].as_str().unwrap_or("");
        self.from.is_none_or(|f| f.eq_ignore_ascii_case(sender))
            && self
                .subject_contains
                .is_none_or(|t| subject.to_lowercase().contains(&t.to_lowercase()))
            && (!self.has_attachments || message["hasAttachments"] == true)
    }

    /// What a message of a round means: a delivery when it is new and matches.
    fn take(
        &self,
        a: &Automation,
        state: &mut State,
        ms: &mut MailState,
        item: &Value,
    ) -> Option<Pending> {
        let id = item["id"].as_str()?;
        if item.get("@removed").is_some() {
            // Gone from the folder: never fires.
            return None;
        }
        let at = received(item);
        let new = state.baselined && ms.is_new(state, id, at);
        state.remember(id);
        if let Some(at) = at {
            ms.mark = ms.mark.max(at);
        }
        (new && self.matches(item)).then(|| Pending {
            item_id: id.to_string(),
            key: String::new(),
            subject: item["subject"].as_str().map(str::to_string),
            payload: payload(a, item),
            attempts: 0,
            next_at: 0,
            failed: false,
            target: None,
        })
    }
}

impl DeltaSource for NewMail<'_> {
    fn code(&self) -> &'static str {
        "new_mail"
    }

    fn describe(&self) -> String {
        let mut s = format!("new mail in {}", self.folder);
        if let Some(f) = self.from {
            s.push_str(&format!(" from {f}"));
        }
        if let Some(t) = self.subject_contains {
            s.push_str(&format!(" with \"{t}\" in the subject"));
        }
        if self.has_attachments {
            s.push_str(" with attachments");
        }
        s
    }

    fn check(&self) -> Result<Trigger, ErrorInfo> {
        let folder = self.folder.trim();
        if folder.is_empty() {
            return Err(invalid(
                "The folder is empty.",
                "Give inbox, another well-known folder name, or a folder id.",
            ));
        }
        Ok(Trigger::NewMail {
            folder: folder.to_string(),
            from: self
                .from
                .map(str::trim)
                .filter(|f| !f.is_empty())
                .map(str::to_string),
            subject_contains: self
                .subject_contains
                .filter(|s| !s.is_empty())
                .map(str::to_string),
            has_attachments: self.has_attachments,
        })
    }

    fn first_request(&self, _state: &mut State, _now: i64, prefer: &str) -> Request {
        Request::get(format!("{}/delta", messages_of(self.folder)))
            .query("$select", SUMMARY_FIELDS.join(","))
            .header("Prefer", prefer)
    }

    fn take_page(
        &self,
        a: &Automation,
        state: &mut State,
        mut items: Vec<Value>,
        _last: bool,
        _started: i64,
    ) -> Vec<Pending> {
        // As they arrived.
        items.sort_by_key(|v| received(v).unwrap_or(i64::MAX));
        let mut ms = MailState::load(state);
        let new = items
            .iter()
            .filter_map(|item| self.take(a, state, &mut ms, item))
            .collect();
        ms.store(state);
        new
    }

    /// The folder's 25 newest messages.
    fn newest_request(&self, _now: i64) -> Request {
        Request::get(messages_of(self.folder))
            .query("$select", SUMMARY_FIELDS.join(","))
            .query("$orderby", "receivedDateTime desc")
            .query("$top", "25")
    }

    fn test_item(&self, a: &Automation, answer: &Value) -> Option<TestItem> {
        answer["value"]
            .as_array()?
            .iter()
            .find(|m| self.matches(m))
            .map(|m| TestItem {
                id: m["id"].as_str().unwrap_or_default().to_string(),
                subject: m["subject"].as_str().map(str::to_string),
                payload: payload(a, m),
            })
    }

    fn nothing_to_test(&self) -> String {
        "No message in the folder matches: nothing ran.".into()
    }

    fn unreadable(&self) -> &'static str {
        "Patchbay could not read the folder to its end."
    }
}

/// The command's JSON for a message: the preview's keys, times in UTC.
pub fn payload(a: &Automation, message: &Value) -> Value {
    let m: crate::graph::mail::Message =
        serde_json::from_value(message.clone()).unwrap_or_default();
    let utc = zone::resolve("UTC").unwrap_or_else(zone::local);
    let m = crate::preview::convert::message(m, &utc);
    json!({
        "automation_id": a.id,
        "connection_id": a.connection_id,
        "trigger": a.trigger.code(),
        "item": {
            "id": m.id,
            "subject": m.subject,
            "from_name": m.from_name,
            "from_address": m.from_address,
            "received": m.received,
            "is_read": m.is_read,
            "has_attachments": m.has_attachments,
            "preview": m.preview,
            "web_link": m.web_link,
        },
    })
}

fn received(v: &Value) -> Option<i64> {
    v["receivedDateTime"]
        .as_str()
        .and_then(|t| t.parse::<Timestamp>().ok())
        .map(|t| t.as_second())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_are_anded_and_case_blind() {
        let t = NewMail {
            folder: "inbox",
            from: Some("Ada@Contoso.example"),
            subject_contains: Some("invoice"),
            has_attachments: true,
        };
        let m = json!({"from": {"emailAddress": {"address": "ada@contoso.example"}}, "subject": "Your INVOICE 42", "hasAttachments": true});
        assert!(t.matches(&m));
        let mut no_file = m.clone();
        no_file["hasAttachments"] = json!(false);
        assert!(!t.matches(&no_file));
        let mut other = m.clone();
        other["from"]["emailAddress"]["address"] = json!("grace@contoso.example");
        assert!(!t.matches(&other));
    }

    #[test]
    fn seen_ids_and_the_mark_decide_what_is_new() {
        let mut s = State::default();
        let ms = MailState { mark: 1_000_000 };
        assert!(ms.is_new(&s, "a", Some(1_000_100)));
        s.remember("a");
        assert!(!ms.is_new(&s, "a", Some(1_000_100)), "seen");
        assert!(
            !ms.is_new(&s, "b", Some(1_000_000 - MARGIN_SECS - 1)),
            "older than the mark"
        );
        assert!(
            ms.is_new(&s, "b", Some(1_000_000 - 60)),
            "a little older: still new"
        );
    }
}
