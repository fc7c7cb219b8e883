//! `GET /me/mailboxSettings`: the mailbox's time zone (a Windows name such as "W. Europe Standard Time", or an
//! IANA name when set from Outlook on the web) and its date and time formats (.NET patterns: `dd.MM.yyyy`,
//! `h:mm tt`).

use super::request::Request;
use super::{Graph, GraphError};
use secrecy::SecretString;
use serde::Deserialize;

pub const PREVIEW_FIELDS: &[&str] = &["timeZone", "dateFormat", "timeFormat"];

#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct MailboxSettings {
    #[serde(default)]
    pub time_zone: Option<String>,
    #[serde(default)]
    pub date_format: Option<String>,
    #[serde(default)]
    pub time_format: Option<String>,
}

pub struct MailboxSettingsRequest<'a> {
    graph: &'a Graph,
}

impl<'a> MailboxSettingsRequest<'a> {
    pub(super) fn new(graph: &'a Graph) -> Self {
        Self { graph }
    }

    pub fn request(&self) -> Request {
        Request::get("me/mailboxSettings").query("$select", PREVIEW_FIELDS.join(","))
    }

    pub async fn send(self, token: &SecretString) -> Result<MailboxSettings, GraphError> {
        self.graph.send(&self.request(), token).await?.json()
    }
}
