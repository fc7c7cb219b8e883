//! Sending: to a chat, to a person (their one-on-one chat, found among the person's chats or started), to a
//! channel or as a reply to a post. The text goes as text (`contentType: text`): what was typed arrives as that
//! text, never as markup. An empty text, or one over Teams' 28 KB, is refused before anything is sent. A message
//! is posted once: after an answer that may mean it arrived (a 503, a 504, a time-out) it is not sent again, and
//! the failure says to look in the chat first.

use super::failure::{self, Subject};
use super::model::Sent;
use super::Teams;
use crate::error::{ErrorCode, ErrorInfo};
use crate::graph::session::{graph_error_info_for, CallError};
use crate::graph::teams::{self as graph_teams, ChatMessage, MAX_PAGE, MESSAGE_LIMIT};
use crate::graph::{RawResponse, Request};

/// `text`, checked before anything is sent: not empty, at most [`MESSAGE_LIMIT`] bytes.
pub fn check_text(text: &str) -> Result<(), ErrorInfo> {
    if text.trim().is_empty() {
        return Err(failure::empty_text());
    }
    if text.len() > MESSAGE_LIMIT {
        return Err(failure::too_long(text.len()));
    }
    Ok(())
}

/// `address`, when it looks like a person's sign-in name (`megan@contoso.com`).
pub fn check_address(address: &str) -> Result<&str, ErrorInfo> {
    let a = address.trim();
    let ok = a.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty()
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
    }) && !a.contains(char::is_whitespace)
        && !a.contains(['/', '?', '#', '(', ')']);
    if ok {
        Ok(a)
    } else {
        Err(ErrorInfo::new(
            ErrorCode::InvalidInput,
            format!("\"{a}\" is not a person's address."),
            "Give their work or school address, like megan@contoso.com.",
        ))
    }
}

impl Teams<'_> {
    /// Post `request`, once; its answer, or what its failure means.
    async fn post_once(
        &self,
        request: &Request,
        subject: Subject<'_>,
    ) -> Result<RawResponse, ErrorInfo> {
        let response = self.graph.send(request).await.map_err(|e| match &e {
            CallError::Graph(g) => graph_error_info_for(request, g),
            CallError::Token(_) => e.to_error_info(),
        })?;
        if response.is_success() {
            Ok(response)
        } else {
            Err(failure::send_failed(request, &response, subject))
        }
    }

    /// Send `text` to chat `chat_id`.
    pub async fn send_to_chat(&self, chat_id: &str, text: &str) -> Result<Sent, ErrorInfo> {
        check_text(text)?;
        // Its link, when the chat can be read (a message in a chat has none of its own); it is no reason not to
        // send when it cannot.
        let link = match self.chat(chat_id).await {
            Ok(chat) => chat.web_url,
            Err(e) if e.code == ErrorCode::NotFound => return Err(e),
            Err(_) => None,
        };
        self.post_in_chat(chat_id, text, link).await
    }

    async fn post_in_chat(
        &self,
        chat_id: &str,
        text: &str,
        link: Option<String>,
    ) -> Result<Sent, ErrorInfo> {
        let request = self.graph.graph().teams().send_chat_message(chat_id, text);
        let response = self.post_once(&request, Subject::Chat(chat_id)).await?;
        let m: ChatMessage = super::decode_answer(&response)?;
        Ok(Sent {
            id: m.id,
            chat_id: Some(m.chat_id.unwrap_or_else(|| chat_id.to_string())),
            web_url: m.web_url.or(link),
        })
    }

    /// Send `text` to the person with `address`, in their one-on-one chat: the one there is, or a new one.
    pub async fn send_to_person(&self, address: &str, text: &str) -> Result<Sent, ErrorInfo> {
        check_text(text)?;
        let address = check_address(address)?;
        let (chat_id, link) = self.one_on_one(address).await?;
        self.post_in_chat(&chat_id, text, link).await
    }

    /// The one-on-one chat with `address` (its id and link): found among the person's one-on-one chats by its
    /// other member's address, else started (Graph answers with the existing one if it was made meanwhile).
    pub async fn one_on_one(&self, address: &str) -> Result<(String, Option<String>), ErrorInfo> {
        let me = self.me().await?.clone();
        if me
            .address
            .as_deref()
            .is_some_and(|a| a.eq_ignore_ascii_case(address))
        {
            return Err(ErrorInfo::new(
                ErrorCode::InvalidInput,
                format!("{address} is this connection's own account: Teams has no one-on-one chat with oneself."),
                "Give someone else's address, or a chat's id.",
            ));
        }
        let request = self.graph.graph().teams().one_on_one_chats(MAX_PAGE);
        let mut found: Option<graph_teams::Chat> = None;
        self.walk(
            &request,
            |r| failure::about(r, Subject::Chats),
            |page: Vec<graph_teams::Chat>| {
                found = page.into_iter().find(|c| {
                    c.members.iter().any(|m| {
                        m.user_id
                            .as_deref()
                            .is_none_or(|id| !id.eq_ignore_ascii_case(&me.id))
                            && m.email
                                .as_deref()
                                .is_some_and(|e| e.eq_ignore_ascii_case(address))
                    })
                });
                found.is_none()
            },
        )
        .await?;
        if let Some(chat) = found {
            self.learn(&chat.members);
            return Ok((chat.id, chat.web_url));
        }
        let request = self
            .graph
            .graph()
            .teams()
            .create_one_on_one(&me.id, address);
        let response = self.post_once(&request, Subject::Person(address)).await?;
        let chat: graph_teams::Chat = super::decode_answer(&response)?;
        Ok((chat.id, chat.web_url))
    }

    /// Post `text` in a channel, or as a reply to post `reply_to`.
    pub async fn post_to_channel(
        &self,
        team_id: &str,
        channel_id: &str,
        text: &str,
        reply_to: Option<&str>,
    ) -> Result<Sent, ErrorInfo> {
        check_text(text)?;
        let teams = self.graph.graph().teams();
        let request = match reply_to {
            Some(post) => teams.reply_channel_message(team_id, channel_id, post, text),
            None => teams.post_channel_message(team_id, channel_id, text),
        };
        let response = self
            .post_once(&request, Subject::Channel(team_id, channel_id))
            .await?;
        let m: ChatMessage = super::decode_answer(&response)?;
        Ok(Sent {
            id: m.id,
            chat_id: None,
            web_url: m.web_url,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_are_checked_before_sending() {
        assert!(check_text("hi").is_ok());
        assert!(check_text(&"x".repeat(MESSAGE_LIMIT)).is_ok());
        let e = check_text(&"x".repeat(MESSAGE_LIMIT + 1)).unwrap_err();
        assert!(e.title.contains("nothing was sent"), "{}", e.title);
        // Bytes count, as Teams counts them: 10,000 three-byte characters are over.
        assert!(check_text(&"€".repeat(10_000)).is_err());
        assert!(check_text(" \n ").is_err());
    }

    #[test]
    fn addresses_look_like_sign_in_names() {
        assert_eq!(
            check_address(" megan@contoso.example ").unwrap(),
            "megan@contoso.example"
        );
        for bad in [
            "megan",
            "@contoso.com",
            "a@b",
            "a b@c.com",
            "a@c.com/..",
            "x@.com",
        ] {
            assert!(check_address(bad).is_err(), "{bad}");
        }
    }
}
