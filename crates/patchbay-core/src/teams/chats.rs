//! Chats: the person's chats, latest message first, and a chat's messages, newest first.

use super::failure::{self, Subject};
use super::message::{preview_msg, Place};
use super::model::{Chat, Msg};
use super::Teams;
use crate::error::ErrorInfo;
use crate::graph::teams::{self as graph_teams, ChatMessage, MAX_PAGE};

/// What a page asks for when `wanted` more items are wanted (Teams serves at most 50 a page).
fn page_for(wanted: usize) -> u32 {
    wanted.clamp(1, MAX_PAGE as usize) as u32
}

impl Teams<'_> {
    /// The person's chats, latest message first, at most `limit` (pages of up to 50 followed as needed): each
    /// with its members' addresses and its last message.
    pub async fn chats(&self, limit: usize) -> Result<Vec<Chat>, ErrorInfo> {
        let limit = limit.max(1);
        let request = self.graph.graph().teams().chats(page_for(limit));
        let mut found: Vec<graph_teams::Chat> = Vec::new();
        self.walk(
            &request,
            |r| failure::about(r, Subject::Chats),
            |page: Vec<graph_teams::Chat>| {
                found.extend(page);
                found.len() < limit
            },
        )
        .await?;
        found.truncate(limit);
        for c in &found {
            self.learn(&c.members);
        }
        let people = self.people();
        Ok(found
            .iter()
            .map(|c| {
                let place = Place {
                    me: "",
                    chat_id: Some(&c.id),
                    link: c.web_url.as_deref(),
                };
                Chat {
                    id: c.id.clone(),
                    topic: c.topic.clone().filter(|t| !t.trim().is_empty()),
                    chat_type: c.chat_type.clone().unwrap_or_default(),
                    members: c.members.iter().filter_map(|m| m.email.clone()).collect(),
                    last_message: c
                        .last_message_preview
                        .as_ref()
                        .and_then(|m| preview_msg(m, &place, &people)),
                    web_url: c.web_url.clone(),
                }
            })
            .collect())
    }

    /// One chat as Graph answers it, with its members (whose addresses are learnt for the messages' senders).
    pub async fn chat(&self, chat_id: &str) -> Result<graph_teams::Chat, ErrorInfo> {
        let request = self.graph.graph().teams().chat(chat_id);
        let chat: graph_teams::Chat = self
            .get(&request, |r| failure::about(r, Subject::Chat(chat_id)))
            .await?;
        self.learn(&chat.members);
        Ok(chat)
    }

    /// A chat's newest `top` messages that people wrote, newest first (pages of up to 50 followed until there
    /// are `top`, or no more).
    pub async fn messages(&self, chat_id: &str, top: usize) -> Result<Vec<Msg>, ErrorInfo> {
        let top = top.max(1);
        let chat = self.chat(chat_id).await?;
        let request = self
            .graph
            .graph()
            .teams()
            .chat_messages(chat_id)
            .top(page_for(top))
            .request();
        let raw = self.collect(&request, chat_id, top).await?;
        let me = self.me().await?.id.clone();
        let place = Place {
            me: &me,
            chat_id: Some(&chat.id),
            link: chat.web_url.as_deref(),
        };
        let mut msgs = self.to_msgs(&raw, &place).await;
        msgs.truncate(top);
        Ok(msgs)
    }

    /// What was written or edited in a chat after `since` (RFC 3339, UTC), newest first: every page of
    /// `lastModifiedDateTime gt since` (Graph filters on the property it orders by, so it orders by it too). An
    /// edit comes back with its first `created`: compare it to `since` to tell a new message from an edited one.
    /// Deleted messages and system events are left out.
    pub async fn messages_changed_since(
        &self,
        chat_id: &str,
        since: &str,
    ) -> Result<Vec<Msg>, ErrorInfo> {
        let chat = self.chat(chat_id).await?;
        let request = self
            .graph
            .graph()
            .teams()
            .chat_messages(chat_id)
            .top(MAX_PAGE)
            .changed_since(since)
            .request();
        let raw = self.collect(&request, chat_id, usize::MAX).await?;
        let me = self.me().await?.id.clone();
        let place = Place {
            me: &me,
            chat_id: Some(&chat.id),
            link: chat.web_url.as_deref(),
        };
        let mut msgs = self.to_msgs(&raw, &place).await;
        let at = |m: &Msg| m.created.parse::<jiff::Timestamp>().ok();
        msgs.sort_by_key(|m| std::cmp::Reverse(at(m)));
        Ok(msgs)
    }

    /// The messages of `request` and its pages until `wanted` of them are ones people wrote.
    async fn collect(
        &self,
        request: &crate::graph::Request,
        chat_id: &str,
        wanted: usize,
    ) -> Result<Vec<ChatMessage>, ErrorInfo> {
        let mut raw: Vec<ChatMessage> = Vec::new();
        let mut shown = 0usize;
        self.walk(
            request,
            |r| failure::about(r, Subject::Chat(chat_id)),
            |page: Vec<ChatMessage>| {
                shown += page.iter().filter(|m| super::message::is_shown(m)).count();
                raw.extend(page);
                shown < wanted
            },
        )
        .await?;
        Ok(raw)
    }
}
