//! Who may see a chat (its members), and the answers when a chat or a message is not there.

use axum::http::StatusCode;

use crate::graph::teams::model::Chat;
use crate::graph::teams::not_found;
use crate::graph::{Caller, Reply};
use crate::state::Inner;

fn forbidden_thread(caller: &Caller, chat: &str) -> Reply {
    Reply::error(
        StatusCode::FORBIDDEN,
        "Forbidden",
        &format!(
            "Forbidden. AclCheckFailed-The initiator 8:orgid:{} does not have permission to access thread {chat}.",
            caller.user.id
        ),
    )
}

pub(super) fn chat_not_found(chat: &str) -> Reply {
    not_found(&format!("Chat '{chat}' was not found."))
}

/// The chat, if the caller is one of its members.
#[allow(clippy::result_large_err)]
pub fn visible<'a>(inner: &'a Inner, caller: &Caller, chat: &str) -> Result<&'a Chat, Reply> {
    let c = inner.teams.chat(chat).ok_or_else(|| chat_not_found(chat))?;
    if !c.has_member(&caller.user.id) {
        return Err(forbidden_thread(caller, chat));
    }
    Ok(c)
}

pub(super) fn message_not_found(id: &str) -> Reply {
    not_found(&format!("Message '{id}' was not found."))
}
