//! Mail: `GET /me/mailFolders/inbox/messages` and `GET /me/messages`, built and then sent
//! (`graph.mail().inbox().top(25)`), always with `$select` so only what is shown is fetched.

use super::request::Request;
use super::{EmailAddress, Graph, GraphError, Page};
use secrecy::SecretString;
use serde::Deserialize;

/// What is asked of a message wherever a list of them is shown or handed on: the preview, the assistant's
/// lists, an automation's delta rounds.
pub const SUMMARY_FIELDS: &[&str] = &[
    "id",
    "subject",
    "from",
    "receivedDateTime",
    "isRead",
    "bodyPreview",
    "webLink",
    "hasAttachments",
    "importance",
];

/// A message, as far as it was selected. Every field but `id` may be absent (not selected, or not set).
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Message {
    pub id: String,
    #[serde(default)]
    pub subject: Option<String>,
    #[serde(default)]
    pub from: Option<Recipient>,
    /// RFC 3339, UTC.
    #[serde(default)]
    pub received_date_time: Option<String>,
    #[serde(default)]
    pub is_read: Option<bool>,
    #[serde(default)]
    pub body_preview: Option<String>,
    #[serde(default)]
    pub web_link: Option<String>,
    #[serde(default)]
    pub has_attachments: Option<bool>,
    /// `low`, `normal` or `high`.
    #[serde(default)]
    pub importance: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Recipient {
    #[serde(default)]
    pub email_address: Option<EmailAddress>,
}

/// A folder as a path segment: a well-known name in any of the ways people write it (`Sent`, `sent items`,
/// `trash`, `spam`) as Graph names it (`sentitems`, `deleteditems`, `junkemail`), anything else as a folder id,
/// percent-encoded. The one rule for the assistant, the automations and the CLI.
pub fn folder_segment(folder: &str) -> String {
    match well_known_folder(folder) {
        Some(name) => name.to_string(),
        None => super::request::segment(folder.trim()),
    }
}

/// The well-known folder `folder` names in any of the ways people write it, as Graph names it (a folder's
/// `destinationId` in a move takes this or an id).
pub fn well_known_folder(folder: &str) -> Option<&'static str> {
    Some(match folder.trim().to_ascii_lowercase().as_str() {
        "inbox" => "inbox",
        "sent" | "sentitems" | "sent items" => "sentitems",
        "drafts" => "drafts",
        "archive" => "archive",
        "deleted" | "deleteditems" | "deleted items" | "trash" => "deleteditems",
        "junk" | "junkemail" | "junk email" | "spam" => "junkemail",
        "outbox" => "outbox",
        _ => return None,
    })
}

pub struct Mail<'a> {
    graph: &'a Graph,
}

impl<'a> Mail<'a> {
    pub(super) fn new(graph: &'a Graph) -> Self {
        Self { graph }
    }

    /// The Inbox folder (by its well-known name, which works in every mailbox language).
    pub fn inbox(&self) -> MessagesRequest<'a> {
        MessagesRequest::new(self.graph, "me/mailFolders/inbox/messages")
    }

    /// Every folder's messages.
    pub fn messages(&self) -> MessagesRequest<'a> {
        MessagesRequest::new(self.graph, "me/messages")
    }

    /// A folder's messages (a well-known name or an id: see [`folder_segment`]).
    pub fn folder(&self, folder: &str) -> MessagesRequest<'a> {
        MessagesRequest::new(
            self.graph,
            format!("me/mailFolders/{}/messages", folder_segment(folder)),
        )
    }

    /// One message, whole: recipients, body, and its attachments' names (never their content).
    pub fn message(&self, id: &str) -> Request {
        Request::get(format!("me/messages/{}", super::request::segment(id)))
            .query(
                "$select",
                "id,subject,from,toRecipients,ccRecipients,receivedDateTime,body,hasAttachments,webLink",
            )
            .query("$expand", "attachments($select=name,size,contentType)")
    }

    /// `POST /me/messages`: a draft in Drafts.
    pub fn create_draft(&self, message: serde_json::Value) -> Request {
        Request::post("me/messages", message)
    }

    /// `POST /me/messages/{id}/createReply`: a reply draft.
    pub fn create_reply(&self, id: &str, message: serde_json::Value) -> Request {
        Request::post(
            format!("me/messages/{}/createReply", super::request::segment(id)),
            serde_json::json!({ "message": message }),
        )
    }

    /// `POST /me/sendMail`: sent at once, a copy kept in Sent Items.
    pub fn send_mail(&self, message: serde_json::Value) -> Request {
        Request::post(
            "me/sendMail",
            serde_json::json!({ "message": message, "saveToSentItems": true }),
        )
    }
}

/// A message list, newest first, with the preview's fields unless told otherwise.
pub struct MessagesRequest<'a> {
    graph: &'a Graph,
    path: String,
    top: u32,
    select: Vec<&'static str>,
    filter: Option<String>,
    search: Option<String>,
}

impl<'a> MessagesRequest<'a> {
    fn new(graph: &'a Graph, path: impl Into<String>) -> Self {
        Self {
            graph,
            path: path.into(),
            top: 25,
            select: SUMMARY_FIELDS.to_vec(),
            filter: None,
            search: None,
        }
    }

    /// At most `n` per page (Graph allows 1 to 1000).
    pub fn top(mut self, n: u32) -> Self {
        self.top = n.clamp(1, 1000);
        self
    }

    pub fn select(mut self, fields: &[&'static str]) -> Self {
        self.select = std::iter::once("id")
            .chain(fields.iter().copied().filter(|f| *f != "id"))
            .collect();
        self
    }

    /// Only messages received at or after `since` (RFC 3339).
    pub fn received_since(mut self, since: &str) -> Self {
        self.filter = Some(format!("receivedDateTime ge {since}"));
        self
    }

    /// Only messages that pass every clause. Graph wants the property it sorts by first in `$filter` when both
    /// are given ("InefficientFilter" otherwise), so `receivedDateTime` always leads.
    pub fn filter_all(mut self, mut clauses: Vec<String>) -> Self {
        if clauses.is_empty() {
            return self;
        }
        if !clauses[0].starts_with("receivedDateTime") {
            clauses.insert(0, "receivedDateTime ge 1900-01-01T00:00:00Z".to_string());
        }
        self.filter = Some(clauses.join(" and "));
        self
    }

    /// Outlook's search over subject, body and sender: the query in double quotes as Graph requires (a `"`
    /// inside escaped with `\`). Graph refuses `$orderby` with `$search`: results come newest first on their
    /// own.
    pub fn search(mut self, query: &str) -> Self {
        self.search = Some(format!(
            "\"{}\"",
            query.replace('\\', "\\\\").replace('"', "\\\"")
        ));
        self
    }

    pub fn request(&self) -> Request {
        let mut r = Request::get(self.path.clone())
            .query("$select", self.select.join(","))
            .query("$top", self.top.to_string());
        match &self.search {
            Some(q) => r = r.query("$search", q.clone()),
            None => r = r.query("$orderby", "receivedDateTime desc"),
        }
        if let Some(f) = &self.filter {
            r = r.query("$filter", f.clone());
        }
        r
    }

    pub async fn send(self, token: &SecretString) -> Result<Page<Message>, GraphError> {
        self.graph.send(&self.request(), token).await?.json()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use url::Url;

    #[test]
    fn the_inbox_request_selects_the_preview_fields_newest_first() {
        let g = Graph::new(
            Url::parse("https://graph.microsoft.com/").unwrap(),
            reqwest::Client::new(),
        );
        let r = g.mail().inbox().top(25).request();
        assert_eq!(r.path, "me/mailFolders/inbox/messages");
        let q: std::collections::HashMap<_, _> = r.query.iter().cloned().collect();
        assert_eq!(q["$top"], "25");
        assert_eq!(q["$orderby"], "receivedDateTime desc");
        assert_eq!(
            q["$select"],
            "id,subject,from,receivedDateTime,isRead,bodyPreview,webLink,hasAttachments,importance"
        );
        let r = g.mail().messages().top(0).select(&["subject"]).request();
        let q: std::collections::HashMap<_, _> = r.query.iter().cloned().collect();
        assert_eq!(q["$top"], "1");
        assert_eq!(q["$select"], "id,subject");
    }

    #[test]
    fn searches_quote_and_filters_lead_with_the_sort_key() {
        let g = Graph::new(
            Url::parse("https://graph.microsoft.com/").unwrap(),
            reqwest::Client::new(),
        );
        let r = g.mail().messages().search(r#"say "hi" \ bye"#).request();
        let q: std::collections::HashMap<_, _> = r.query.iter().cloned().collect();
        assert_eq!(q["$search"], r#""say \"hi\" \\ bye""#);
        assert!(!q.contains_key("$orderby"));
        let r = g
            .mail()
            .folder("sent")
            .filter_all(vec!["isRead eq false".into()])
            .request();
        assert_eq!(r.path, "me/mailFolders/sentitems/messages");
        let q: std::collections::HashMap<_, _> = r.query.iter().cloned().collect();
        assert_eq!(
            q["$filter"],
            "receivedDateTime ge 1900-01-01T00:00:00Z and isRead eq false"
        );
    }

    #[test]
    fn folders_are_named_as_graph_names_them() {
        assert_eq!(folder_segment("inbox"), "inbox");
        assert_eq!(folder_segment(" Sent "), "sentitems");
        assert_eq!(folder_segment("Sent Items"), "sentitems");
        assert_eq!(folder_segment("Trash"), "deleteditems");
        assert_eq!(folder_segment("AAMk/x?y z"), "AAMk%2Fx%3Fy%20z");
    }

    #[test]
    fn a_sender_without_a_name_and_an_empty_subject_parse() {
        let m: Message = serde_json::from_str(
            r#"{"id":"A","subject":"","from":{"emailAddress":{"address":"noreply@example.com"}}}"#,
        )
        .unwrap();
        assert_eq!(m.subject.as_deref(), Some(""));
        let from = m.from.unwrap().email_address.unwrap();
        assert_eq!(from.name, None);
        assert_eq!(from.address.as_deref(), Some("noreply@example.com"));
    }
}
