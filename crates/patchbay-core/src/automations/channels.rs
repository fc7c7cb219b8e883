//! Channel automations: a message posted in one channel of a team, over the channel's message delta
//! (`/teams/{id}/channels/{id}/messages/delta`, which needs ChannelMessage.Read.All: an administrator's
//! approval). The delta lists top-level posts; a post that gained replies comes again, modified, and its new
//! replies are read then (one request a post, one after another). Each message fires once; the person's own,
//! system events and deleted messages never do, and an edit does not fire again.

use super::queue::{Pending, State};
use super::source::{BoxFuture, DeltaSource, SourceState, TestItem};
use super::{Automation, Trigger};
use crate::error::{ErrorCode, ErrorInfo};
use crate::graph::teams::{ChatMessage, TeamsRequests};
use crate::graph::{ConnectionGraph, Request};
use crate::teams::message::{is_shown, Place};
use crate::teams::Teams;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::time::Duration;

/// How long before the mark a post may be stamped and still count (clocks).
const MARGIN_SECS: i64 = 120;
/// Between two posts' reply reads: Teams allows about three message reads a second.
const SPACING: Duration = Duration::from_millis(350);

/// A message posted in a channel.
pub struct ChannelMessageArrives<'a> {
    pub team: &'a str,
    pub channel: &'a str,
}

/// What a channel automation keeps between rounds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChannelState {
    /// When the last round began, less nothing: posts and replies sent since fire (Unix seconds).
    #[serde(default)]
    pub mark: i64,
    /// Messages read this round, waiting to be taken.
    #[serde(default)]
    pub arrived: Vec<Value>,
}

impl SourceState for ChannelState {}

fn seconds(text: Option<&str>) -> Option<i64> {
    text.and_then(|t| t.parse::<Timestamp>().ok())
        .map(|t| t.as_second())
}

fn words(info: &ErrorInfo) -> String {
    info.clone()
        .for_surface(crate::error::Surface::Cli)
        .one_line()
}

impl ChannelMessageArrives<'_> {
    fn payload(&self, a: &Automation, m: &Value) -> Value {
        json!({
            "automation_id": a.id,
            "connection_id": a.connection_id,
            "trigger": "channel_message",
            "item": m,
        })
    }

    /// `messages` as their commands get them (the team and channel added), the person's own, the old and those
    /// already seen left out.
    async fn arrived(
        &self,
        teams: &Teams<'_>,
        state: &State,
        messages: Vec<ChatMessage>,
        since: i64,
    ) -> Result<Vec<Value>, String> {
        let me = teams.me().await.map_err(|e| words(&e))?.id.clone();
        let fresh: Vec<ChatMessage> = messages
            .into_iter()
            .filter(|m| {
                is_shown(m)
                    && !state.has_seen(&m.id)
                    && seconds(m.created_date_time.as_deref()).is_some_and(|t| t >= since)
                    && m.from
                        .as_ref()
                        .and_then(|f| f.user.as_ref())
                        .and_then(|u| u.id.as_deref())
                        != Some(me.as_str())
            })
            .collect();
        if fresh.is_empty() {
            return Ok(Vec::new());
        }
        let place = Place {
            me: &me,
            chat_id: None,
            link: None,
        };
        Ok(teams
            .to_msgs(&fresh, &place)
            .await
            .into_iter()
            .zip(fresh.iter())
            .filter_map(|(m, raw)| {
                let mut v = serde_json::to_value(m).ok()?;
                v["team_id"] = json!(self.team);
                v["channel_id"] = json!(self.channel);
                v["reply_to"] = json!(raw.reply_to_id);
                Some(v)
            })
            .collect())
    }
}

impl DeltaSource for ChannelMessageArrives<'_> {
    fn code(&self) -> &'static str {
        "channel_message"
    }

    fn describe(&self) -> String {
        format!(
            "a message in channel {} of team {}",
            self.channel, self.team
        )
    }

    fn check(&self) -> Result<Trigger, ErrorInfo> {
        let (team, channel) = (self.team.trim(), self.channel.trim());
        if team.is_empty() || channel.is_empty() {
            return Err(ErrorInfo::new(
                ErrorCode::InvalidInput,
                "A channel automation needs its team and its channel.",
                "Give both ids (the team's and the channel's, as the Teams listings show them).",
            ));
        }
        Ok(Trigger::ChannelMessage {
            team: team.to_string(),
            channel: channel.to_string(),
        })
    }

    fn first_request(&self, state: &mut State, now: i64, prefer: &str) -> Request {
        let mut cs = ChannelState::load(state);
        if !state.baselined {
            cs.mark = now;
        }
        cs.store(state);
        TeamsRequests::unbound()
            .channel_delta(self.team, self.channel)
            .header("Prefer", prefer)
    }

    fn settle<'a>(
        &'a self,
        graph: &'a ConnectionGraph,
        state: &'a mut State,
        items: &'a [Value],
    ) -> BoxFuture<'a, Result<(), String>> {
        Box::pin(async move {
            if !state.baselined {
                return Ok(());
            }
            let mut cs = ChannelState::load(state);
            let since = cs.mark - MARGIN_SECS;
            let posts: Vec<ChatMessage> = items
                .iter()
                .filter_map(|v| serde_json::from_value(v.clone()).ok())
                .collect();
            let teams = Teams::new(graph);
            let mut found = Vec::new();
            // Posts made since, and the replies of posts changed since.
            found.extend(posts.iter().cloned());
            let changed: Vec<&ChatMessage> = posts
                .iter()
                .filter(|p| {
                    seconds(p.last_modified_date_time.as_deref()).is_some_and(|t| t >= since)
                })
                .collect();
            for (i, post) in changed.iter().enumerate() {
                if i > 0 {
                    tokio::time::sleep(SPACING).await;
                }
                let request = TeamsRequests::unbound().replies(
                    self.team,
                    self.channel,
                    &post.id,
                    crate::graph::teams::MAX_PAGE,
                );
                let response = graph
                    .send(&request)
                    .await
                    .map_err(|e| words(&e.to_error_info()))?;
                let page: crate::graph::Page<ChatMessage> = response
                    .json()
                    .map_err(|e| words(&crate::graph::session::graph_error_info(&e)))?;
                found.extend(page.value);
            }
            cs.arrived
                .extend(self.arrived(&teams, state, found, since).await?);
            cs.store(state);
            Ok(())
        })
    }

    fn take_page(
        &self,
        a: &Automation,
        state: &mut State,
        items: Vec<Value>,
        last: bool,
        started: i64,
    ) -> Vec<Pending> {
        let mut cs = ChannelState::load(state);
        if !state.baselined {
            // The baseline: every post there now is seen, none fires.
            for item in &items {
                if let Some(id) = item["id"].as_str() {
                    state.remember(id);
                }
            }
            cs.store(state);
            return Vec::new();
        }
        let mut arrived = std::mem::take(&mut cs.arrived);
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
        if last {
            cs.mark = cs.mark.max(started);
        }
        cs.store(state);
        out
    }

    fn newest_request(&self, _now: i64) -> Request {
        TeamsRequests::unbound().channel_messages(self.team, self.channel, 5)
    }

    fn test_item(&self, a: &Automation, answer: &Value) -> Option<TestItem> {
        let m: ChatMessage = answer["value"]
            .as_array()?
            .iter()
            .filter_map(|v| serde_json::from_value::<ChatMessage>(v.clone()).ok())
            .find(is_shown)?;
        let text = m
            .body
            .as_ref()
            .and_then(|b| b.content.clone())
            .map(|c| crate::html_visible::visible_text(&c, usize::MAX))
            .unwrap_or_default();
        let item = json!({
            "id": m.id,
            "from_name": m.from.as_ref().and_then(|f| f.user.as_ref()).and_then(|u| u.display_name.clone()),
            "from_address": Value::Null,
            "created": m.created_date_time,
            "text": text,
            "web_url": m.web_url,
            "mentions_me": false,
            "team_id": self.team,
            "channel_id": self.channel,
            "reply_to": Value::Null,
        });
        Some(TestItem {
            id: m.id.clone(),
            subject: Some(text.chars().take(80).collect()),
            payload: self.payload(a, &item),
        })
    }

    fn nothing_to_test(&self) -> String {
        "No message in the channel yet: nothing ran.".into()
    }

    fn unreadable(&self) -> &'static str {
        "Patchbay could not read the channel to its end."
    }
}
