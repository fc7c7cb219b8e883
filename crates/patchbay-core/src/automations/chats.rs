//! Chat automations: a message arriving in the person's Teams chats.
//!
//! Graph's delegated chat APIs have no delta, so a round reads the person's chats newest message first
//! (`/me/chats?$orderby=lastMessagePreview/createdDateTime desc`): when nothing changed, that one request is the
//! round (it stops at the first chat whose last message is older than the mark, never paging on). For each chat
//! with newer messages, those messages alone are read (`lastModifiedDateTime gt` the mark, the last change first),
//! one chat after another, never in a burst (Teams allows a few message reads a second). Each message fires once
//! (the engine's ids seen); the person's own messages, system events and deleted messages never fire, and an edit
//! of a message already delivered does not fire again (its id was seen; one sent before the mark was there
//! already).

use super::queue::{Pending, State};
use super::source::{BoxFuture, DeltaSource, SourceState, TestItem};
use super::{Automation, Trigger};
use crate::error::{ErrorCode, ErrorInfo};
use crate::graph::teams::{Chat, ChatMessage};
use crate::graph::{ConnectionGraph, Request};
use crate::teams::message::{is_shown, Place};
use crate::teams::Teams;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::time::Duration;

/// Chats a round looks at (a page; a round does not page on past the mark).
const CHATS_PAGE: u32 = 50;
/// How long before the mark a change may be stamped and still be looked at (clocks, and messages Graph lists a
/// little late).
const MARGIN_SECS: i64 = 120;
/// Between two chats' message reads: Teams allows about three a second.
const SPACING: Duration = Duration::from_millis(350);

/// A chat message arriving, filtered.
pub struct ChatMessageArrives<'a> {
    pub chat: Option<&'a str>,
    pub from: Option<&'a str>,
    pub mentions_me: bool,
    pub contains: Option<&'a str>,
}

/// What a chat automation keeps between rounds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChatState {
    /// The newest last message seen of any chat (Unix seconds).
    #[serde(default)]
    pub mark: i64,
    /// Messages read this round, waiting to be taken (the message as its command gets it).
    #[serde(default)]
    pub arrived: Vec<Value>,
    /// The round's page reached chats older than the mark: read no further.
    #[serde(default)]
    pub enough: bool,
    /// The mark when the automation was added: a message sent then or before was there, and never fires.
    #[serde(default)]
    pub baseline: i64,
    /// Each chat's last message time when it was last read (Unix seconds): a chat is read again only when its
    /// last message is newer, so an idle round reads no chat's messages.
    #[serde(default)]
    pub read: std::collections::BTreeMap<String, i64>,
}

/// Chats kept in [`ChatState::read`]; past it the longest quiet are forgotten (read again once if they speak).
const KEEP_CHATS: usize = 2_000;

impl SourceState for ChatState {}

fn seconds(text: Option<&str>) -> Option<i64> {
    text.and_then(|t| t.parse::<Timestamp>().ok())
        .map(|t| t.as_second())
}

fn rfc3339(secs: i64) -> String {
    Timestamp::from_second(secs)
        .unwrap_or(Timestamp::UNIX_EPOCH)
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

fn invalid(message: impl Into<String>, hint: impl Into<String>) -> ErrorInfo {
    ErrorInfo::new(ErrorCode::InvalidInput, message, hint)
}

fn last_message_at(chat: &Chat) -> Option<i64> {
    seconds(
        chat.last_message_preview
            .as_ref()
            .and_then(|m| m.created_date_time.as_deref()),
    )
}

fn words(info: &ErrorInfo) -> String {
    info.clone()
        .for_surface(crate::error::Surface::Cli)
        .one_line()
}

impl ChatMessageArrives<'_> {
    /// Whether a message (its command's JSON) passes the filters.
    fn matches(&self, m: &Value) -> bool {
        let text = m["text"].as_str().unwrap_or_default().to_lowercase();
        self.chat.is_none_or(|c| m["chat_id"] == c)
            && self.from.is_none_or(|f| {
                m["from_address"]
                    .as_str()
                    .is_some_and(|a| a.eq_ignore_ascii_case(f))
            })
            && (!self.mentions_me || m["mentions_me"] == true)
            && self
                .contains
                .is_none_or(|t| text.contains(&t.to_lowercase()))
    }

    fn payload(&self, a: &Automation, m: &Value) -> Value {
        json!({
            "automation_id": a.id,
            "connection_id": a.connection_id,
            "trigger": "chat_message",
            "item": m,
        })
    }

    /// The messages of `chat` changed since `since`, as their commands get them (the chat's topic added), the
    /// person's own and those already seen left out.
    async fn read_chat(
        &self,
        teams: &Teams<'_>,
        state: &State,
        chat: &Chat,
        since: i64,
        baseline: i64,
    ) -> Result<Vec<Value>, String> {
        let graph = teams.graph();
        let me = teams.me().await.map_err(|e| words(&e))?.id.clone();
        teams.learn(&chat.members);
        let request = graph
            .graph()
            .teams()
            .chat_messages(&chat.id)
            .top(50)
            .changed_since(&rfc3339(since))
            .request();
        let items = match graph.pages(&request).await.map_err(|e| words(&e))? {
            crate::graph::Collected::Items(items) => items,
            crate::graph::Collected::Failed(response) => {
                return Err(response
                    .error()
                    .map(|e| words(&crate::graph::session::graph_error_info(&e)))
                    .unwrap_or_else(|| format!("Graph answered {}.", response.status)))
            }
        };
        let raw: Vec<ChatMessage> = items
            .into_iter()
            .filter_map(|v| serde_json::from_value(v).ok())
            .filter(|m: &ChatMessage| {
                is_shown(m)
                    && !state.has_seen(&m.id)
                    // An edit lists an older message again: only what was sent since counts.
                    && seconds(m.created_date_time.as_deref()).is_some_and(|t| t >= since && t > baseline)
                    && m.from
                        .as_ref()
                        .and_then(|f| f.user.as_ref())
                        .and_then(|u| u.id.as_deref())
                        != Some(me.as_str())
            })
            .collect();
        if raw.is_empty() {
            return Ok(Vec::new());
        }
        let place = Place {
            me: &me,
            chat_id: Some(&chat.id),
            link: chat.web_url.as_deref(),
        };
        let msgs = teams.to_msgs(&raw, &place).await;
        Ok(msgs
            .into_iter()
            .filter_map(|m| serde_json::to_value(m).ok())
            .map(|mut v| {
                v["chat_topic"] = json!(chat.topic);
                v
            })
            .collect())
    }
}

impl DeltaSource for ChatMessageArrives<'_> {
    fn code(&self) -> &'static str {
        "chat_message"
    }

    fn describe(&self) -> String {
        let mut s = match self.chat {
            Some(c) => format!("a message in chat {c}"),
            None => "a chat message".to_string(),
        };
        if let Some(f) = self.from {
            s.push_str(&format!(" from {f}"));
        }
        if self.mentions_me {
            s.push_str(" that mentions you");
        }
        if let Some(t) = self.contains {
            s.push_str(&format!(" containing \"{t}\""));
        }
        s
    }

    fn check(&self) -> Result<Trigger, ErrorInfo> {
        let clean = |v: Option<&str>| {
            v.map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        if let Some(f) = clean(self.from) {
            if !f.contains('@') {
                return Err(invalid(
                    format!("\"{f}\" is not an address."),
                    "Give the sender's address, like megan@contoso.com.",
                ));
            }
        }
        Ok(Trigger::ChatMessage {
            chat: clean(self.chat),
            from: clean(self.from),
            mentions_me: self.mentions_me,
            contains: self.contains.filter(|t| !t.is_empty()).map(str::to_string),
        })
    }

    fn first_request(&self, state: &mut State, _now: i64, _prefer: &str) -> Request {
        let mut cs = ChatState::load(state);
        cs.enough = false;
        cs.store(state);
        crate::graph::teams::TeamsRequests::unbound().chats(CHATS_PAGE)
    }

    fn settle<'a>(
        &'a self,
        graph: &'a ConnectionGraph,
        state: &'a mut State,
        items: &'a [Value],
    ) -> BoxFuture<'a, Result<(), String>> {
        Box::pin(async move {
            let mut cs = ChatState::load(state);
            if !state.baselined {
                return Ok(());
            }
            let since = cs.mark - MARGIN_SECS;
            let changed: Vec<Chat> = items
                .iter()
                .filter_map(|v| serde_json::from_value::<Chat>(v.clone()).ok())
                .filter(|c| {
                    last_message_at(c).is_some_and(|t| {
                        t >= since && cs.read.get(&c.id).is_none_or(|done| t > *done)
                    })
                })
                .filter(|c| self.chat.is_none_or(|want| want == c.id))
                .collect();
            let teams = Teams::new(graph);
            for (i, chat) in changed.iter().enumerate() {
                if i > 0 {
                    tokio::time::sleep(SPACING).await;
                }
                cs.arrived.extend(
                    self.read_chat(&teams, state, chat, since, cs.baseline)
                        .await?,
                );
                if let Some(t) = last_message_at(chat) {
                    cs.read.insert(chat.id.clone(), t);
                }
            }
            while cs.read.len() > KEEP_CHATS {
                let Some(quietest) = cs
                    .read
                    .iter()
                    .min_by_key(|(_, t)| **t)
                    .map(|(k, _)| k.clone())
                else {
                    break;
                };
                cs.read.remove(&quietest);
            }
            cs.store(state);
            Ok(())
        })
    }

    fn take_page(
        &self,
        a: &Automation,
        state: &mut State,
        items: Vec<Value>,
        _last: bool,
        started: i64,
    ) -> Vec<Pending> {
        let mut cs = ChatState::load(state);
        let newest = items
            .iter()
            .filter_map(|v| serde_json::from_value::<Chat>(v.clone()).ok())
            .filter_map(|c| last_message_at(&c))
            .collect::<Vec<_>>();
        let since = cs.mark - MARGIN_SECS;
        // This page's last chat is older than the mark: the rest are too.
        if newest.last().is_none_or(|t| *t < since) {
            cs.enough = true;
        }
        if !state.baselined {
            // The baseline: where the chats stand now; nothing fires.
            cs.mark = newest.iter().copied().max().unwrap_or(started).max(cs.mark);
            cs.baseline = cs.mark;
            for c in items
                .iter()
                .filter_map(|v| serde_json::from_value::<Chat>(v.clone()).ok())
            {
                if let Some(t) = last_message_at(&c) {
                    cs.read.insert(c.id, t);
                }
            }
            cs.arrived.clear();
            cs.enough = true;
            cs.store(state);
            return Vec::new();
        }
        let mut arrived = std::mem::take(&mut cs.arrived);
        // As they were sent.
        arrived.sort_by_key(|m| seconds(m["created"].as_str()).unwrap_or(i64::MAX));
        let mut out = Vec::new();
        for m in arrived {
            let Some(id) = m["id"].as_str().map(str::to_string) else {
                continue;
            };
            if state.has_seen(&id) {
                continue;
            }
            state.remember(&id);
            if self.matches(&m) {
                out.push(Pending {
                    item_id: id.clone(),
                    key: id,
                    subject: m["text"].as_str().map(|t| t.chars().take(80).collect()),
                    payload: self.payload(a, &m),
                    attempts: 0,
                    next_at: 0,
                    failed: false,
                    target: None,
                });
            }
        }
        if let Some(t) = newest.iter().copied().max() {
            cs.mark = cs.mark.max(t);
        }
        cs.store(state);
        out
    }

    fn reads_from_the_top(&self) -> bool {
        true
    }

    fn stop_paging(&self, state: &State) -> bool {
        ChatState::load(state).enough
    }

    fn newest_request(&self, _now: i64) -> Request {
        crate::graph::teams::TeamsRequests::unbound().chats(10)
    }

    fn test_item(&self, a: &Automation, answer: &Value) -> Option<TestItem> {
        // The newest chat's last message, as the list shows it (no mentions in a preview).
        let chat: Chat = answer["value"]
            .as_array()?
            .iter()
            .filter_map(|v| serde_json::from_value::<Chat>(v.clone()).ok())
            .find(|c| self.chat.is_none_or(|want| want == c.id))?;
        let last = chat.last_message_preview.as_ref()?;
        let text = last
            .body
            .as_ref()
            .and_then(|b| b.content.clone())
            .map(|c| crate::html_visible::visible_text(&c, usize::MAX))
            .unwrap_or_default();
        let m = json!({
            "id": last.id,
            "chat_id": chat.id,
            "from_name": last.from.as_ref().and_then(|f| f.user.as_ref()).and_then(|u| u.display_name.clone()),
            "from_address": Value::Null,
            "created": last.created_date_time,
            "text": text,
            "web_url": chat.web_url,
            "mentions_me": false,
            "chat_topic": chat.topic,
        });
        Some(TestItem {
            id: last.id.clone(),
            subject: Some(text.chars().take(80).collect()),
            payload: self.payload(a, &m),
        })
    }

    fn nothing_to_test(&self) -> String {
        "No chat has a message yet: nothing ran.".into()
    }

    fn unreadable(&self) -> &'static str {
        "Patchbay could not read your chats."
    }
}
