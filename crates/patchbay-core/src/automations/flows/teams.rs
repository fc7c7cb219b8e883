//! Post to Teams: the template filled from the item, posted as text in a chat or a channel through a Teams
//! connection (Teams' own sending: checked before it is sent, sent once).

use super::{done, failed, graph, invalid, template};
use crate::automations::action::Outcome;
use crate::error::ErrorInfo;
use crate::Patchbay;
use serde_json::Value;

/// `TEAM_ID/CHANNEL_ID` as its two ids, each checked.
pub fn split_channel(text: &str) -> Result<(&str, &str), ErrorInfo> {
    let Some((team, channel)) = text.split_once('/') else {
        return Err(invalid(
            format!("\"{text}\" is not TEAM_ID/CHANNEL_ID."),
            "Give the team's id and the channel's id with a / between them (from `patchbay teams teams` and \
             `patchbay teams channels`).",
        ));
    };
    let team = crate::agents::common::checked_id(team, "a team")?;
    let channel = crate::agents::common::checked_id(channel, "a channel")?;
    Ok((team, channel))
}

pub async fn post(
    core: &Patchbay,
    connection_id: &str,
    chat: Option<&str>,
    channel: Option<&str>,
    message: &str,
    payload: &Value,
) -> Outcome {
    let text = match template::fill(message, payload) {
        Ok(t) => t,
        Err(e) => return failed(core, connection_id, &e),
    };
    let graph = match graph(core, connection_id).await {
        Ok(g) => g,
        Err(o) => return o,
    };
    let teams = crate::teams::Teams::new(&graph);
    let sent = match (chat, channel) {
        (Some(chat), _) => teams
            .send_to_chat(chat, &text)
            .await
            .map(|_| format!("posted in chat {chat}")),
        (None, Some(channel)) => match split_channel(channel) {
            Ok((team, ch)) => teams
                .post_to_channel(team, ch, &text, None)
                .await
                .map(|_| format!("posted in channel {channel}")),
            Err(e) => Err(e),
        },
        (None, None) => Err(invalid(
            "No chat or channel to post in.",
            "Add the automation again with one.",
        )),
    };
    match sent {
        Ok(words) => done(words),
        Err(e) => failed(core, connection_id, &e),
    }
}
