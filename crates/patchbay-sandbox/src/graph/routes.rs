//! Which resource a path under the version root names. Graph matches segments case-insensitively
//! (`/me/calendarview` works) and accepts OData key syntax (`/me/mailFolders('Inbox')/messages`).

use axum::http::StatusCode;

use super::odata::percent_decode;
use super::Reply;

#[derive(Debug, PartialEq, Eq)]
pub enum Target {
    Me,
    /// `/me/messages` (`None`) or `/me/mailFolders/{folder}/messages` (the folder as given, undecided).
    Messages(Option<String>),
    /// `/me/messages/{id}` (also under a folder, as all the message's own paths below).
    Message(MsgRef),
    /// `/me/calendarView` or `/me/calendar/calendarView`.
    CalendarView,
    MailboxSettings,
    /// `/me/messages/{id}/createReply`.
    CreateReply(MsgRef),
    /// `/me/messages/{id}/forward`.
    Forward(MsgRef),
    /// `/me/messages/{id}/move`.
    Move(MsgRef),
    /// `/me/messages/{id}/attachments`.
    Attachments(MsgRef),
    /// `/me/messages/{id}/attachments/{attachment}`.
    Attachment(MsgRef, String),
    /// `/me/messages/{id}/attachments/{attachment}/$value`.
    AttachmentValue(MsgRef, String),
    /// `/me/sendMail`.
    SendMail,
    /// `/me/events` (created; listing is `calendarView`).
    Events,
    /// `/me/mailFolders/{folder}/messages/delta`.
    MessagesDelta(String),
    /// `/me/calendarView/delta` or `/me/calendar/calendarView/delta`.
    CalendarViewDelta,
    /// `/me/mailFolders`.
    MailFolders,
    /// `/me/mailFolders/{folder}` (an ID or a well-known name, undecided).
    MailFolder(String),
    /// `/me/mailFolders/{folder}/childFolders`.
    ChildFolders(String),
}

/// A message, by its ID, as a path names it: `/me/messages/{id}` or `/me/mailFolders/{folder}/messages/{id}`
/// (the folder as given, undecided).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MsgRef {
    pub folder: Option<String>,
    pub id: String,
}

impl MsgRef {
    pub fn folder(&self) -> Option<&str> {
        self.folder.as_deref()
    }
}

/// What follows a message's ID in a path.
fn message_target(m: MsgRef, rest: &[&str], original: &[String]) -> Option<Target> {
    Some(match rest {
        [] => Target::Message(m),
        ["createreply"] => Target::CreateReply(m),
        ["forward"] => Target::Forward(m),
        ["move"] => Target::Move(m),
        ["attachments"] => Target::Attachments(m),
        ["attachments", _] => Target::Attachment(m, original[1].clone()),
        ["attachments", _, "$value"] => Target::AttachmentValue(m, original[1].clone()),
        _ => return None,
    })
}

#[allow(clippy::result_large_err)] // the error is the finished reply, returned once
pub fn resolve(raw_path: &str) -> Result<Target, Reply> {
    let path = percent_decode(raw_path);
    // OData key syntax, `mailFolders('Inbox')`, is the segment and its key.
    let mut segments: Vec<String> = Vec::new();
    for segment in path.trim_matches('/').split('/').filter(|s| !s.is_empty()) {
        match segment.split_once('(') {
            Some((name, _))
                if name.eq_ignore_ascii_case("mailfolders") && segment.ends_with(')') =>
            {
                segments.push(name.to_string());
                segments.push(odata_key(segment));
            }
            _ => segments.push(segment.to_string()),
        }
    }
    let lower: Vec<String> = segments.iter().map(|s| s.to_ascii_lowercase()).collect();
    let lower: Vec<&str> = lower.iter().map(String::as_str).collect();
    // A message's own paths, directly or under a folder.
    let message = match lower.as_slice() {
        ["me", "messages", _, rest @ ..] => message_target(
            MsgRef {
                folder: None,
                id: segments[2].clone(),
            },
            rest,
            &segments[3..],
        ),
        ["me", "mailfolders", _, "messages", id, rest @ ..]
            if !(rest.is_empty() && *id == "delta") =>
        {
            message_target(
                MsgRef {
                    folder: Some(segments[2].clone()),
                    id: segments[4].clone(),
                },
                rest,
                &segments[5..],
            )
        }
        _ => None,
    };
    if let Some(target) = message {
        return Ok(target);
    }
    let target = match lower.as_slice() {
        ["me"] => Target::Me,
        ["me", "messages"] => Target::Messages(None),
        ["me", "sendmail"] => Target::SendMail,
        ["me", "events"] | ["me", "calendar", "events"] => Target::Events,
        ["me", "mailfolders"] => Target::MailFolders,
        ["me", "mailfolders", _] => Target::MailFolder(segments[2].clone()),
        ["me", "mailfolders", _, "childfolders"] => Target::ChildFolders(segments[2].clone()),
        ["me", "mailfolders", _, "messages"] => Target::Messages(Some(segments[2].clone())),
        ["me", "mailfolders", _, "messages", "delta"] => Target::MessagesDelta(segments[2].clone()),
        ["me", "calendarview"] | ["me", "calendar", "calendarview"] => Target::CalendarView,
        ["me", "calendarview", "delta"] | ["me", "calendar", "calendarview", "delta"] => {
            Target::CalendarViewDelta
        }
        ["me", "mailboxsettings"] => Target::MailboxSettings,
        [] => return Err(not_found_segment("")),
        _ => {
            // Graph names the first segment it could not follow.
            let known = [
                "me",
                "messages",
                "mailfolders",
                "childfolders",
                "calendar",
                "calendarview",
                "createreply",
                "forward",
                "move",
                "attachments",
                "$value",
                "sendmail",
                "events",
                "delta",
            ];
            let bad = segments
                .iter()
                .find(|s| !known.contains(&s.to_ascii_lowercase().as_str()))
                .or(segments.last())
                .map(String::as_str)
                .unwrap_or("");
            return Err(not_found_segment(bad));
        }
    };
    Ok(target)
}

/// `mailFolders('Inbox')` → `Inbox`; `mailFolders(Inbox)` → `Inbox`.
fn odata_key(segment: &str) -> String {
    let inner = segment
        .split_once('(')
        .map(|(_, rest)| rest.trim_end_matches(')'))
        .unwrap_or("");
    inner.trim_matches('\'').to_string()
}

fn not_found_segment(segment: &str) -> Reply {
    Reply::error(
        StatusCode::BAD_REQUEST,
        "BadRequest",
        &format!("Resource not found for the segment '{segment}'."),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_paths_case_insensitively() {
        assert_eq!(resolve("/me").ok(), Some(Target::Me));
        assert_eq!(resolve("me/").ok(), Some(Target::Me));
        assert_eq!(
            resolve("/me/mailFolders/Inbox/messages").ok(),
            Some(Target::Messages(Some("Inbox".into())))
        );
        assert_eq!(
            resolve("/me/mailFolders('Inbox')/messages").ok(),
            Some(Target::Messages(Some("Inbox".into())))
        );
        assert_eq!(
            resolve("/me/mailFolders(%27inbox%27)/messages").ok(),
            Some(Target::Messages(Some("inbox".into())))
        );
        assert_eq!(resolve("/ME/CalendarView").ok(), Some(Target::CalendarView));
        assert_eq!(resolve("/me/mailFolders").ok(), Some(Target::MailFolders));
        assert_eq!(
            resolve("/me/MailFolders('SentItems')").ok(),
            Some(Target::MailFolder("SentItems".into()))
        );
        assert_eq!(
            resolve("/me/mailFolders/AQMkAD%3D%3D/childFolders").ok(),
            Some(Target::ChildFolders("AQMkAD==".into()))
        );
        assert_eq!(
            resolve("/me/calendar/calendarView").ok(),
            Some(Target::CalendarView)
        );
        let m = |folder: Option<&str>, id: &str| MsgRef {
            folder: folder.map(str::to_string),
            id: id.into(),
        };
        assert_eq!(
            resolve("/me/messages/AAMkAD%3D%3D").ok(),
            Some(Target::Message(m(None, "AAMkAD==")))
        );
        assert_eq!(
            resolve("/me/mailFolders/Inbox/messages/AAMk-1/attachments/AAMk-2/%24value").ok(),
            Some(Target::AttachmentValue(
                m(Some("Inbox"), "AAMk-1"),
                "AAMk-2".into()
            ))
        );
        assert_eq!(
            resolve("/me/messages/AAMk-1/attachments/AAMk-2/$value").ok(),
            Some(Target::AttachmentValue(m(None, "AAMk-1"), "AAMk-2".into()))
        );
        assert_eq!(
            resolve("/me/messages/AAMk-1/Attachments").ok(),
            Some(Target::Attachments(m(None, "AAMk-1")))
        );
        assert_eq!(
            resolve("/me/mailFolders('archive')/messages/AAMk-1/move").ok(),
            Some(Target::Move(m(Some("archive"), "AAMk-1")))
        );
        assert_eq!(
            resolve("/me/messages/AAMk-1/forward").ok(),
            Some(Target::Forward(m(None, "AAMk-1")))
        );
        assert_eq!(
            resolve("/me/mailFolders/inbox/messages/delta").ok(),
            Some(Target::MessagesDelta("inbox".into()))
        );
        let err = resolve("/me/drive/root").err().map(|r| r.body);
        assert_eq!(
            err.as_ref().map(|b| b["error"]["message"].clone()),
            Some("Resource not found for the segment 'drive'.".into())
        );
    }
}
