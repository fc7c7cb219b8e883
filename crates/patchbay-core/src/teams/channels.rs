//! Teams and channels: the teams the person is in, a team's channels, and a channel's posts with their replies
//! (which take ChannelMessage.Read.All: without it, the refusal names it and the administrator who approves it).

use super::failure::{self, Subject};
use super::message::{is_shown, Place};
use super::model::{Channel, ChannelPost, Team};
use super::Teams;
use crate::error::ErrorInfo;
use crate::graph::teams::{self as graph_teams, ChatMessage, MAX_PAGE};

impl Teams<'_> {
    /// The teams the person is a member of, by name.
    pub async fn teams(&self) -> Result<Vec<Team>, ErrorInfo> {
        let request = self.graph.graph().teams().joined_teams();
        let mut found: Vec<Team> = Vec::new();
        self.walk(
            &request,
            |r| failure::about(r, Subject::Teams),
            |page: Vec<graph_teams::Team>| {
                found.extend(page.into_iter().map(|t| Team {
                    name: t.display_name.unwrap_or_default(),
                    id: t.id,
                }));
                true
            },
        )
        .await?;
        found.sort_by_key(|t| t.name.to_lowercase());
        Ok(found)
    }

    /// A team's channels the person can see, as Teams lists them (General first).
    pub async fn channels(&self, team_id: &str) -> Result<Vec<Channel>, ErrorInfo> {
        let request = self.graph.graph().teams().channels(team_id);
        let mut found: Vec<Channel> = Vec::new();
        self.walk(
            &request,
            |r| failure::about(r, Subject::Team(team_id)),
            |page: Vec<graph_teams::Channel>| {
                found.extend(page.into_iter().map(|c| Channel {
                    name: c.display_name.unwrap_or_default(),
                    id: c.id,
                }));
                true
            },
        )
        .await?;
        Ok(found)
    }

    /// A channel's latest `top` posts that people wrote (latest activity first), each with its replies newest
    /// first (as many as Graph expands with a post).
    pub async fn channel_posts(
        &self,
        team_id: &str,
        channel_id: &str,
        top: usize,
    ) -> Result<Vec<ChannelPost>, ErrorInfo> {
        let top = top.max(1);
        let request = self.graph.graph().teams().channel_messages(
            team_id,
            channel_id,
            top.min(MAX_PAGE as usize) as u32,
        );
        let mut posts: Vec<ChatMessage> = Vec::new();
        self.walk(
            &request,
            |r| failure::about(r, Subject::ChannelMessages(team_id, channel_id)),
            |page: Vec<ChatMessage>| {
                posts.extend(page.into_iter().filter(is_shown));
                posts.len() < top
            },
        )
        .await?;
        posts.truncate(top);
        let me = self.me().await?.id.clone();
        let place = Place {
            me: &me,
            chat_id: None,
            link: None,
        };
        // One lookup of every sender, posts and replies alike.
        let mut all: Vec<ChatMessage> = posts.clone();
        all.extend(posts.iter().flat_map(|p| p.replies.iter().cloned()));
        let msgs = self.to_msgs(&all, &place).await;
        let by_id = |id: &str| msgs.iter().find(|m| m.id == id).cloned();
        Ok(posts
            .iter()
            .filter_map(|p| {
                let message = by_id(&p.id)?;
                let mut replies: Vec<&ChatMessage> =
                    p.replies.iter().filter(|r| is_shown(r)).collect();
                let at = |m: &&ChatMessage| {
                    m.created_date_time
                        .as_deref()
                        .and_then(|t| t.parse::<jiff::Timestamp>().ok())
                };
                replies.sort_by_key(|r| std::cmp::Reverse(at(r)));
                Some(ChannelPost {
                    message,
                    replies: replies.iter().filter_map(|r| by_id(&r.id)).collect(),
                })
            })
            .collect())
    }
}
