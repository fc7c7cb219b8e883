//! Opening things from a Teams preview: a chat's newest messages (the chat and a page of its messages in one
//! `$batch`, then older pages through Graph's links), a team's channels, and the chats and teams an automation's
//! form offers to pick from. Only what people wrote is shown: system events and deleted messages are left out.

use super::model::{ChannelItem, ChatItem, ChatPage, TeamItem};
use super::sections::{chat_item, chat_line, team_item};
use super::Previews;
use crate::error::ErrorInfo;
use crate::graph::session::graph_error_info;
use crate::graph::teams::{self as graph_teams, ChatMessage, MAX_PAGE};
use crate::graph::zone::Zone;
use crate::graph::{Batch, ConnectionGraph, Page, RawResponse, Request};
use crate::teams::failure::{self, Subject};
use crate::teams::message::{is_shown, to_msg, Place};
use crate::teams::people::People;
use crate::teams::{decode_answer, Teams};

/// A chat's messages per page ("Load more" brings the older ones).
pub const CHAT_PAGE: u32 = 20;

impl Previews {
    /// Chat `chat_id`'s newest messages (a page), with its members' addresses: one `$batch`.
    pub async fn open_chat(&self, id: &str, chat_id: &str) -> Result<ChatPage, ErrorInfo> {
        let me = self.connections.record(id)?.info.account.oid;
        let connection = self.tokens.graph(id).await?;
        let requests = connection.graph().teams();
        let batch = Batch::new().add("chat", requests.chat(chat_id)).add(
            "messages",
            requests.chat_messages(chat_id).top(CHAT_PAGE).request(),
        );
        let mut answers = connection
            .batch(&batch)
            .await
            .map_err(|e| e.to_error_info())?;
        // The chat gives its members' addresses and its link; without it the messages still show.
        let chat = answers
            .take("chat")
            .ok()
            .filter(RawResponse::is_success)
            .and_then(|r| r.json::<graph_teams::Chat>().ok());
        let messages = answers.take("messages").map_err(|e| graph_error_info(&e))?;
        let page = chat_messages(&messages, chat_id)?;
        Ok(chat_page(
            chat_id,
            chat.as_ref(),
            page,
            &me,
            &self.preview_zone_of(id),
        ))
    }

    /// The next (older) page of a chat opened with [`Previews::open_chat`], from Graph's `@odata.nextLink` as
    /// given.
    pub async fn more_chat(
        &self,
        id: &str,
        chat_id: &str,
        next_link: &str,
    ) -> Result<ChatPage, ErrorInfo> {
        let me = self.connections.record(id)?.info.account.oid;
        let connection = self.tokens.graph(id).await?;
        let chat = Teams::new(&connection).chat(chat_id).await.ok();
        let answer = connection
            .follow(next_link, &Request::get(""))
            .await
            .map_err(|e| e.to_error_info())?;
        let page = chat_messages(&answer, chat_id)?;
        Ok(chat_page(
            chat_id,
            chat.as_ref(),
            page,
            &me,
            &self.preview_zone_of(id),
        ))
    }

    /// The channels of team `team_id` the person can see, as Teams lists them (General first).
    pub async fn team_channels(
        &self,
        id: &str,
        team_id: &str,
    ) -> Result<Vec<ChannelItem>, ErrorInfo> {
        let connection = self.tokens.graph(id).await?;
        let request = connection.graph().teams().channels(team_id);
        let mut found = Vec::new();
        Teams::new(&connection)
            .walk(
                &request,
                |r| failure::about(r, Subject::Team(team_id)),
                |page: Vec<graph_teams::Channel>| {
                    found.extend(page.into_iter().map(|c| ChannelItem {
                        name: c.display_name.filter(|n| !n.trim().is_empty()),
                        description: c.description.filter(|d| !d.trim().is_empty()),
                        web_url: c.web_url.filter(|u| !u.trim().is_empty()),
                        id: c.id,
                    }));
                    true
                },
            )
            .await?;
        Ok(found)
    }

    /// The person's chats to pick from (the latest 50), named as the preview names them.
    pub async fn chat_choices(&self, id: &str) -> Result<Vec<ChatItem>, ErrorInfo> {
        let me = self.connections.record(id)?.info.account.oid;
        let connection = self.tokens.graph(id).await?;
        let request = connection.graph().teams().chats(MAX_PAGE);
        let page: Page<graph_teams::Chat> = get(&connection, &request, Subject::Chats).await?;
        let zone = self.preview_zone_of(id);
        Ok(page
            .value
            .into_iter()
            .map(|c| chat_item(c, &me, &zone))
            .collect())
    }

    /// The teams the person is in, to pick from, by name.
    pub async fn team_choices(&self, id: &str) -> Result<Vec<TeamItem>, ErrorInfo> {
        let connection = self.tokens.graph(id).await?;
        let request = connection.graph().teams().joined_teams();
        let mut found: Vec<TeamItem> = Vec::new();
        Teams::new(&connection)
            .walk(
                &request,
                |r| failure::about(r, Subject::Teams),
                |page: Vec<graph_teams::Team>| {
                    found.extend(page.into_iter().map(team_item));
                    true
                },
            )
            .await?;
        found.sort_by_key(|t| (t.name.is_none(), t.name.as_deref().map(str::to_lowercase)));
        Ok(found)
    }
}

/// `request`'s answer, or its failure in words about `subject`.
async fn get<T: serde::de::DeserializeOwned>(
    connection: &ConnectionGraph,
    request: &Request,
    subject: Subject<'_>,
) -> Result<T, ErrorInfo> {
    let answer = connection
        .send(request)
        .await
        .map_err(|e| e.to_error_info())?;
    if !answer.is_success() {
        return Err(failure::about(&answer, subject));
    }
    decode_answer(&answer)
}

/// A page of a chat's messages, or its failure in words.
fn chat_messages(answer: &RawResponse, chat_id: &str) -> Result<Page<ChatMessage>, ErrorInfo> {
    if !answer.is_success() {
        return Err(failure::about(answer, Subject::Chat(chat_id)));
    }
    decode_answer(answer)
}

/// A page of messages as the preview shows them: what people wrote, newest first, senders' addresses from the
/// chat's members.
fn chat_page(
    chat_id: &str,
    chat: Option<&graph_teams::Chat>,
    page: Page<ChatMessage>,
    me: &str,
    zone: &Zone,
) -> ChatPage {
    let mut people = People::default();
    if let Some(chat) = chat {
        people.learn(&chat.members);
    }
    let place = Place {
        me,
        chat_id: Some(chat_id),
        link: chat.and_then(|c| c.web_url.as_deref()),
    };
    let items = page
        .value
        .iter()
        .filter(|m| is_shown(m))
        .map(|m| {
            let from = m
                .from
                .as_ref()
                .and_then(|f| f.user.as_ref())
                .and_then(|u| u.id.as_deref());
            chat_line(to_msg(m, &place, &people), from, me, zone)
        })
        .collect();
    ChatPage {
        chat_id: chat_id.to_string(),
        items: super::sections::once_each(items, |m| &m.id),
        next_link: page.next_link,
    }
}
