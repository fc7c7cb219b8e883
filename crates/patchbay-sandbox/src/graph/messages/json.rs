//! A message as Graph renders it: its JSON, its HTML body, its recipients, its link into
//! Outlook on the web (shared with the delta query and the writes).

use serde_json::{json, Value};

use super::super::odata::percent_encode;
use super::super::zones::utc;
use super::inbox::Message;
use crate::state::DemoUser;

/// Outlook on the web's link to a message.
pub fn web_link(id: &str) -> String {
    format!(
        "https://outlook.office365.com/owa/?ItemID={}&exvsurl=1&viewmodel=ReadMessageItem",
        percent_encode(id)
    )
}

/// Graph's `bodyPreview`: the first 255 characters of the body text.
pub fn preview(body: &str) -> String {
    body.chars().take(255).collect()
}

/// The body as Outlook's HTML: each line escaped, lines joined by `<br>`.
pub fn html(body: &str) -> String {
    let lines: Vec<String> = body.split("\r\n").map(crate::util::escape_html).collect();
    format!(
        "<html><head>\r\n<meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\"></head><body>\
         <div>{}</div></body></html>",
        lines.join("<br>\r\n")
    )
}

/// `{"emailAddress": {"name", "address"}}`, without `name` when there is none (as Graph sends it).
pub fn recipient(who: (&str, &str)) -> Value {
    let mut address = json!({ "address": who.1 });
    if !who.0.is_empty() {
        address["name"] = json!(who.0);
    }
    json!({ "emailAddress": address })
}

pub fn to_json(m: &Message, user: &DemoUser, body_as_text: bool) -> Value {
    let folder = super::super::mail_folders::folder_id(user, m.folder);
    let to: Vec<Value> = if m.tpl.to.is_empty() {
        vec![recipient((&user.display_name, &user.email))]
    } else {
        m.tpl.to.iter().map(|w| recipient(*w)).collect()
    };
    let body = if body_as_text {
        json!({"contentType": "text", "content": m.body})
    } else {
        json!({"contentType": "html", "content": html(&m.body)})
    };
    json!({
        "@odata.etag": format!("W/\"{}\"", m.change_key),
        "id": m.id,
        "createdDateTime": utc(m.created),
        "lastModifiedDateTime": utc(m.modified),
        "changeKey": m.change_key,
        "categories": m.categories,
        "receivedDateTime": utc(m.received),
        "sentDateTime": utc(m.sent),
        "hasAttachments": m.has_attachments(),
        "internetMessageId": m.internet_message_id,
        "subject": m.tpl.subject,
        "bodyPreview": preview(&m.body),
        "importance": m.tpl.importance,
        "parentFolderId": folder,
        "conversationId": m.conversation_id,
        "isDeliveryReceiptRequested": false,
        "isReadReceiptRequested": false,
        "isRead": m.is_read,
        "isDraft": false,
        "webLink": web_link(&m.id),
        "inferenceClassification": if m.tpl.focused { "focused" } else { "other" },
        "body": body,
        "sender": recipient(m.tpl.from),
        "from": recipient(m.tpl.from),
        "toRecipients": to,
        "ccRecipients": [],
        "bccRecipients": [],
        "replyTo": [],
        "flag": {"flagStatus": "notFlagged"},
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sender_without_a_name_has_no_name_key() {
        let v = recipient(("", "noreply@woodgrovebank.example"));
        assert_eq!(
            v,
            json!({"emailAddress": {"address": "noreply@woodgrovebank.example"}})
        );
    }
}
