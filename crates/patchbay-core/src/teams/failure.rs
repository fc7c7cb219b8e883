//! What went wrong with Teams, in words: Graph's answers named by what the person asked for (a chat, a team, a
//! channel, a person), the permission an administrator must approve for channel messages, a text too long to
//! send. Graph's own code and message go in the detail.

use crate::error::{ErrorCode, ErrorInfo};
use crate::graph::session::{graph_error_info, graph_error_info_for};
use crate::graph::teams::MESSAGE_LIMIT;
use crate::graph::{GraphErrorBody, RawResponse, Request};

/// The permission channel messages take, which only an administrator can approve.
pub const CHANNEL_READ_SCOPE: &str = "ChannelMessage.Read.All";

/// What a request was about.
#[derive(Debug, Clone, Copy)]
pub enum Subject<'a> {
    /// The person's chats.
    Chats,
    Chat(&'a str),
    /// The person's teams.
    Teams,
    Team(&'a str),
    /// A team's channel (team, channel).
    Channel(&'a str, &'a str),
    /// A channel's messages (team, channel).
    ChannelMessages(&'a str, &'a str),
    /// A one-on-one chat with this address.
    Person(&'a str),
}

impl Subject<'_> {
    fn words(&self) -> String {
        match self {
            Subject::Chats => "your chats".into(),
            Subject::Chat(id) => format!("the chat {id}"),
            Subject::Teams => "your teams".into(),
            Subject::Team(id) => format!("the team {id}"),
            Subject::Channel(t, c) | Subject::ChannelMessages(t, c) => {
                format!("the channel {c} of team {t}")
            }
            Subject::Person(a) => format!("a chat with {a}"),
        }
    }
}

/// Graph's code and message, and its request id, for the detail.
fn detail(response: &RawResponse) -> String {
    let body = body(response);
    let mut d = format!("HTTP {}: {}", response.status, body.summary());
    if let Some(id) = &body.request_id {
        d.push_str(&format!(" (request-id {id})"));
    }
    d
}

fn body(response: &RawResponse) -> GraphErrorBody {
    GraphErrorBody::parse(
        response.status,
        &response.body,
        response.header("request-id"),
    )
}

/// Graph's own message, as a quoted sentence.
fn said(response: &RawResponse) -> String {
    let body = body(response);
    let message = body.message.trim().trim_end_matches('.');
    if message.is_empty() {
        "it gave no reason.".into()
    } else {
        format!("\"{}.\"", message.chars().take(300).collect::<String>())
    }
}

/// Channel messages without ChannelMessage.Read.All.
pub fn channel_permission() -> ErrorInfo {
    ErrorInfo::new(
        ErrorCode::InvalidScope,
        format!(
            "Reading channel messages needs the permission {CHANNEL_READ_SCOPE}, which this connection does not \
             have; only an administrator can approve it for an organisation."
        ),
        format!(
            "Ask your Microsoft 365 administrator to grant {CHANNEL_READ_SCOPE} to Patchbay's app. Then use Fix on a \
             connection made with \"Read channel messages\" chosen, or make one with it."
        ),
    )
}

/// A failed answer about `subject`, in words.
pub fn about(response: &RawResponse, subject: Subject<'_>) -> ErrorInfo {
    let what = subject.words();
    let message = body(response).message;
    let info = match response.status {
        403 if matches!(subject, Subject::ChannelMessages(..))
            && (message.contains(CHANNEL_READ_SCOPE) || message.contains("Missing scope")) =>
        {
            channel_permission()
        }
        403 if message.contains("AclCheckFailed") || message.contains("not a member") => {
            ErrorInfo::new(
                ErrorCode::NotFound,
                format!("This account is not a member of {what}."),
                "Check the id: list the chats, or the teams, to see those this account is in.",
            )
        }
        403 => ErrorInfo::new(
            ErrorCode::InvalidScope,
            format!("Microsoft refused access to {what}: this connection lacks a permission it needs."),
            "Use Fix to sign in again granting Teams' permissions, or ask an administrator to consent.",
        ),
        404 => match subject {
            Subject::Person(address) => ErrorInfo::new(
                ErrorCode::NotFound,
                format!("There is no {address} in your organisation's Teams."),
                "Check the address: it is the person's work or school sign-in name.",
            ),
            Subject::Chats | Subject::Teams => ErrorInfo::new(
                ErrorCode::NotFound,
                format!("Microsoft found none of {what}."),
                "Check that this is a work or school account with Teams.",
            ),
            _ => ErrorInfo::new(
                ErrorCode::NotFound,
                format!("There is no {what} for this account."),
                "Check the id: list the chats, or the teams and their channels, to see their ids.",
            ),
        },
        413 => too_long_answer(),
        400 => ErrorInfo::new(
            ErrorCode::InvalidInput,
            format!("Microsoft refused the request for {what}: {}", said(response)),
            "Check the ids as a list gave them.",
        ),
        _ => match response.error() {
            Some(e) => return graph_error_info(&e),
            None => ErrorInfo::new(
                ErrorCode::ProviderError,
                format!("Microsoft answered HTTP {} about {what}.", response.status),
                "Try again; if it persists, report it.",
            ),
        },
    };
    info.with_detail(detail(response))
}

/// A send that failed: named as [`about`] when Graph refused it outright; an answer that may come after the
/// message was sent (a 503, a 504) says so, and says to look before sending again.
pub fn send_failed(request: &Request, response: &RawResponse, subject: Subject<'_>) -> ErrorInfo {
    match response.error() {
        Some(e) if matches!(response.status, 503 | 504) => graph_error_info_for(request, &e),
        _ => about(response, subject),
    }
}

fn too_long_answer() -> ErrorInfo {
    ErrorInfo::new(
        ErrorCode::InvalidInput,
        "Teams refused the message as too long.",
        "Send a shorter text (Teams takes about 28 KB), or split it into several messages.",
    )
}

/// A text over Teams' limit, refused before anything was sent.
pub fn too_long(bytes: usize) -> ErrorInfo {
    ErrorInfo::new(
        ErrorCode::InvalidInput,
        format!(
            "The text is {} KB, more than Teams takes in one message ({} KB); nothing was sent.",
            bytes.div_ceil(1024),
            MESSAGE_LIMIT / 1024
        ),
        "Send a shorter text, or split it into several messages.",
    )
}

/// An empty text, refused before anything was sent.
pub fn empty_text() -> ErrorInfo {
    ErrorInfo::new(
        ErrorCode::InvalidInput,
        "The text is empty; nothing was sent.",
        "Give the text to send.",
    )
}

/// Pages that do not end.
pub fn too_many_pages() -> ErrorInfo {
    ErrorInfo::new(
        ErrorCode::ProviderError,
        "Patchbay stopped following Microsoft's pages before the last one: there were too many.",
        "Ask for fewer (a smaller top); if it persists, report it.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, message: &str) -> RawResponse {
        RawResponse {
            status,
            headers: vec![],
            body: serde_json::to_vec(&serde_json::json!({
                "error": {"code": "Forbidden", "message": message}
            }))
            .unwrap(),
        }
    }

    #[test]
    fn channel_messages_without_the_permission_name_it_and_the_administrator() {
        let r = answer(
            403,
            "Missing scope permissions on the request. API requires one of 'ChannelMessage.Read.All'.",
        );
        let info = about(&r, Subject::ChannelMessages("t", "c"));
        assert!(info.title.contains(CHANNEL_READ_SCOPE), "{}", info.title);
        assert!(info.title.contains("administrator"), "{}", info.title);
        assert!(
            info.message.contains("Read channel messages"),
            "{}",
            info.message
        );
        assert!(info.detail.unwrap().contains("Missing scope"));
        // A chat this account is not in.
        let r = answer(
            403,
            "Forbidden. AclCheckFailed-The initiator does not have permission",
        );
        let info = about(&r, Subject::Chat("19:x"));
        assert_eq!(info.code, ErrorCode::NotFound);
        assert!(info.title.contains("19:x"));
    }

    #[test]
    fn a_text_too_long_says_its_size_and_that_nothing_was_sent() {
        let info = too_long(30 * 1024 + 1);
        assert!(info.title.contains("31 KB"), "{}", info.title);
        assert!(info.title.contains("nothing was sent"));
    }

    #[test]
    fn a_send_that_may_have_arrived_is_said_so() {
        let request = Request::post("chats/c/messages", serde_json::json!({})).not_idempotent();
        let r = RawResponse {
            status: 504,
            headers: vec![],
            body: vec![],
        };
        let info = send_failed(&request, &r, Subject::Chat("c"));
        assert!(
            info.title.contains("may have carried it out"),
            "{}",
            info.title
        );
        assert!(info.message.contains("chat"), "{}", info.message);
    }
}
