//! `patchbay teams chats|messages|teams|channels|send`: a Microsoft Teams connection's chats and channels, through
//! the core's [`patchbay_core::teams`]. Tables and transcripts for a person (what others wrote made unable to
//! drive the terminal); with `--json`, one JSON document on stdout in the fixed interface's keys.

use super::invalid;
use crate::cli::{
    TeamsChannelsArgs, TeamsChatsArgs, TeamsCommand, TeamsMessagesArgs, TeamsSendArgs,
    TeamsTeamsArgs,
};
use crate::output;
use patchbay_core::error::ErrorInfo;
use patchbay_core::graph::teams::MESSAGE_LIMIT;
use patchbay_core::teams::{Chat, Msg, Teams};
use patchbay_core::Patchbay;
use std::io::Read;

/// The command group's name, as the catalogue's capabilities list it.
const GROUP: &str = "teams";
/// The most of stdin read for a text (more is refused as too long, by its size).
const STDIN_CAP: u64 = 1024 * 1024;

pub async fn run(core: &Patchbay, command: &TeamsCommand) -> Result<(), ErrorInfo> {
    match command {
        TeamsCommand::Chats(args) => chats(core, args).await,
        TeamsCommand::Messages(args) => messages(core, args).await,
        TeamsCommand::Teams(args) => teams(core, args).await,
        TeamsCommand::Channels(args) => channels(core, args).await,
        TeamsCommand::Send(args) => send(core, args).await,
    }
}

/// `TEAM_ID/CHANNEL_ID` (a channel's id has no `/`; a team's is a GUID).
fn channel_ids(text: &str) -> Result<(&str, &str), ErrorInfo> {
    match text.trim().split_once('/') {
        Some((team, channel)) if !team.trim().is_empty() && !channel.trim().is_empty() => {
            Ok((team.trim(), channel.trim()))
        }
        _ => Err(invalid(
            format!("{text:?} does not name a channel."),
            "Give the team's id and the channel's id with a / between them, as `teams teams` and `teams \
             channels` list them.",
        )),
    }
}

async fn chats(core: &Patchbay, args: &TeamsChatsArgs) -> Result<(), ErrorInfo> {
    let connection = super::connection_for_group(core, &args.conn, GROUP)?;
    let graph = core.graph(&connection.info.id).await?;
    let teams = Teams::new(&graph);
    let chats = teams.chats(args.top as usize).await?;
    if args.json {
        return output::json(&serde_json::json!({ "chats": chats }));
    }
    if chats.is_empty() {
        output::out("No chats.");
        return Ok(());
    }
    let me = teams.me().await?.address.clone().unwrap_or_default();
    let rows: Vec<Vec<String>> = chats
        .iter()
        .map(|c| {
            let (last, when) = match &c.last_message {
                Some(m) => (
                    format!(
                        "{}: {}",
                        m.from_name.as_deref().unwrap_or("?"),
                        clipped(&m.text, 60)
                    ),
                    when(&m.created),
                ),
                None => (String::new(), String::new()),
            };
            vec![chat_name(c, &me), last, when, c.id.clone()]
        })
        .collect();
    output::out(&output::table(
        &["CHAT", "LAST MESSAGE", "WHEN", "ID"],
        &rows,
    ));
    Ok(())
}

async fn messages(core: &Patchbay, args: &TeamsMessagesArgs) -> Result<(), ErrorInfo> {
    let connection = super::connection_for_group(core, &args.conn, GROUP)?;
    let graph = core.graph(&connection.info.id).await?;
    let teams = Teams::new(&graph);
    let top = args.top as usize;
    if let Some(channel) = &args.channel {
        let (team, channel) = channel_ids(channel)?;
        let posts = teams.channel_posts(team, channel, top).await?;
        if args.json {
            return output::json(&serde_json::json!({ "messages": posts }));
        }
        if posts.is_empty() {
            output::out("No messages.");
        }
        for post in &posts {
            output::out(&transcript(&post.message, ""));
            for reply in &post.replies {
                output::out(&transcript(reply, "    "));
            }
        }
        return Ok(());
    }
    let chat = args.chat.as_deref().unwrap_or_default().trim();
    let messages = match &args.since {
        Some(since) => {
            let since = since.trim().parse::<jiff::Timestamp>().map_err(|_| {
                invalid(
                    format!("--since {since:?} is not a time."),
                    "Give it as RFC 3339, e.g. 2026-11-02T09:00:00Z.",
                )
            })?;
            let since = since.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
            let mut changed = teams.messages_changed_since(chat, &since).await?;
            changed.truncate(top);
            changed
        }
        None => teams.messages(chat, top).await?,
    };
    if args.json {
        return output::json(&serde_json::json!({ "messages": messages }));
    }
    if messages.is_empty() {
        output::out("No messages.");
    }
    for m in &messages {
        output::out(&transcript(m, ""));
    }
    Ok(())
}

async fn teams(core: &Patchbay, args: &TeamsTeamsArgs) -> Result<(), ErrorInfo> {
    let connection = super::connection_for_group(core, &args.conn, GROUP)?;
    let graph = core.graph(&connection.info.id).await?;
    let teams = Teams::new(&graph).teams().await?;
    if args.json {
        return output::json(&serde_json::json!({ "teams": teams }));
    }
    if teams.is_empty() {
        output::out("You are in no team.");
        return Ok(());
    }
    let rows: Vec<Vec<String>> = teams
        .iter()
        .map(|t| vec![t.name.clone(), t.id.clone()])
        .collect();
    output::out(&output::table(&["TEAM", "ID"], &rows));
    Ok(())
}

async fn channels(core: &Patchbay, args: &TeamsChannelsArgs) -> Result<(), ErrorInfo> {
    let connection = super::connection_for_group(core, &args.conn, GROUP)?;
    let graph = core.graph(&connection.info.id).await?;
    let channels = Teams::new(&graph).channels(args.team.trim()).await?;
    if args.json {
        return output::json(&serde_json::json!({ "channels": channels }));
    }
    let rows: Vec<Vec<String>> = channels
        .iter()
        .map(|c| vec![c.name.clone(), c.id.clone()])
        .collect();
    output::out(&output::table(&["CHANNEL", "ID"], &rows));
    Ok(())
}

async fn send(core: &Patchbay, args: &TeamsSendArgs) -> Result<(), ErrorInfo> {
    // What is sent is settled, and checked, before anything else: a text too long costs no sign-in.
    let text = match &args.text {
        Some(text) => text.clone(),
        None => read_stdin()?,
    };
    patchbay_core::teams::send::check_text(&text)?;
    let channel = args.channel.as_deref().map(channel_ids).transpose()?;
    let connection = super::connection_for_group(core, &args.conn, GROUP)?;
    let graph = core.graph(&connection.info.id).await?;
    let teams = Teams::new(&graph);
    let sent = match (&args.chat, &args.to, channel) {
        (Some(chat), _, _) => teams.send_to_chat(chat.trim(), &text).await?,
        (_, Some(to), _) => teams.send_to_person(to, &text).await?,
        (_, _, Some((team, channel))) => {
            teams
                .post_to_channel(team, channel, &text, args.reply_to.as_deref())
                .await?
        }
        _ => {
            return Err(invalid(
                "Nowhere to send to.",
                "Give --chat ID, --to ADDR or --channel TEAM_ID/CHANNEL_ID.",
            ))
        }
    };
    if args.json {
        return output::json(&sent);
    }
    let place = match (&sent.chat_id, &args.to) {
        (Some(_), Some(to)) => format!("to {}", to.trim()),
        (Some(chat), None) => format!("to the chat {chat}"),
        (None, _) => "in the channel".to_string(),
    };
    let link = sent
        .web_url
        .as_deref()
        .map(|u| format!(" Open it: {u}"))
        .unwrap_or_default();
    output::out(&format!("Sent {place}.{link}"));
    Ok(())
}

/// stdin as UTF-8 text, without one final newline.
fn read_stdin() -> Result<String, ErrorInfo> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .lock()
        .take(STDIN_CAP + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| {
            invalid(
                "The text could not be read from stdin.",
                "Pipe the text in, or give it with --text.",
            )
            .with_detail(e.to_string())
        })?;
    if bytes.len() as u64 > STDIN_CAP {
        return Err(patchbay_core::teams::failure::too_long(bytes.len()));
    }
    let mut text = String::from_utf8(bytes).map_err(|e| {
        invalid(
            "The text on stdin is not UTF-8; nothing was sent.",
            "Convert it to UTF-8 first (for example with iconv).",
        )
        .with_detail(e.to_string())
    })?;
    if text.ends_with('\n') {
        text.pop();
        if text.ends_with('\r') {
            text.pop();
        }
    }
    debug_assert!(MESSAGE_LIMIT as u64 <= STDIN_CAP);
    Ok(text)
}

/// A chat as a person names it: its topic, or who else is in it.
fn chat_name(c: &Chat, me: &str) -> String {
    if let Some(topic) = &c.topic {
        return topic.clone();
    }
    let others: Vec<&str> = c
        .members
        .iter()
        .map(String::as_str)
        .filter(|m| !m.eq_ignore_ascii_case(me))
        .collect();
    if others.is_empty() {
        format!("({})", c.chat_type)
    } else {
        others.join(", ")
    }
}

/// One message as a transcript's lines: when, who (and whether it mentions you), then the text indented.
fn transcript(m: &Msg, indent: &str) -> String {
    let who = match (&m.from_name, &m.from_address) {
        (Some(name), Some(address)) => format!("{name} <{address}>"),
        (Some(name), None) => name.clone(),
        (None, Some(address)) => address.clone(),
        (None, None) => "(unknown)".into(),
    };
    let mention = if m.mentions_me {
        "  (mentions you)"
    } else {
        ""
    };
    let mut out = format!("{indent}{}  {who}{mention}", when(&m.created));
    for line in m.text.lines() {
        out.push_str(&format!("\n{indent}  {line}"));
    }
    out
}

/// The time in this computer's zone, to the minute.
fn when(created: &str) -> String {
    created
        .parse::<jiff::Timestamp>()
        .map(|t| {
            t.to_zoned_datetime(jiff::tz::TimeZone::system())
                .strftime("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_default()
}

/// `text` on one line, at most `max` characters (an ellipsis when cut).
fn clipped(text: &str, max: usize) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match line.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &line[..at]),
        None => line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channels_are_named_by_team_and_channel() {
        assert_eq!(
            channel_ids("t-1/19:abc@thread.tacv2").unwrap(),
            ("t-1", "19:abc@thread.tacv2")
        );
        for bad in ["t-1", "/c", "t/", ""] {
            assert!(channel_ids(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn long_texts_are_clipped_on_one_line() {
        assert_eq!(clipped("a\nb  c", 10), "a b c");
        assert_eq!(clipped("héllo world", 5), "héllo…");
    }
}
