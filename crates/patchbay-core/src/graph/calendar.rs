//! Calendar: `GET /me/calendarView`, every occurrence (recurring series expanded) overlapping a window, in the
//! time zone asked for with `Prefer: outlook.timezone` (Graph answers in UTC otherwise).

use super::request::Request;
use super::{Graph, GraphError, Page};
use secrecy::SecretString;
use serde::Deserialize;

/// What the agenda shows of an event.
pub const PREVIEW_FIELDS: &[&str] = &[
    "id",
    "subject",
    "start",
    "end",
    "isAllDay",
    "location",
    "organizer",
    "onlineMeeting",
    "showAs",
    "isCancelled",
    "webLink",
];

/// An event occurrence, as far as it was selected.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    pub id: String,
    #[serde(default)]
    pub subject: Option<String>,
    #[serde(default)]
    pub start: Option<DateTimeTimeZone>,
    #[serde(default)]
    pub end: Option<DateTimeTimeZone>,
    #[serde(default)]
    pub is_all_day: Option<bool>,
    #[serde(default)]
    pub location: Option<Location>,
    #[serde(default)]
    pub organizer: Option<super::mail::Recipient>,
    #[serde(default)]
    pub online_meeting: Option<OnlineMeeting>,
    /// `free`, `tentative`, `busy`, `oof`, `workingElsewhere`, `unknown`.
    #[serde(default)]
    pub show_as: Option<String>,
    #[serde(default)]
    pub is_cancelled: Option<bool>,
    #[serde(default)]
    pub web_link: Option<String>,
}

/// Graph's civil time plus the zone it is in: `{"dateTime": "2026-11-30T09:00:00.0000000", "timeZone": "UTC"}`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct DateTimeTimeZone {
    pub date_time: String,
    #[serde(default)]
    pub time_zone: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Location {
    #[serde(default)]
    pub display_name: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct OnlineMeeting {
    #[serde(default)]
    pub join_url: Option<String>,
}

pub struct Calendar<'a> {
    graph: &'a Graph,
}

impl<'a> Calendar<'a> {
    pub(super) fn new(graph: &'a Graph) -> Self {
        Self { graph }
    }

    /// `POST /me/events`: an event in the default calendar (Exchange sends invitations to its attendees).
    pub fn create_event(&self, event: serde_json::Value) -> Request {
        Request::post("me/events", event)
    }

    /// Occurrences overlapping `[start, end)`, both RFC 3339 instants.
    pub fn view(&self, start: &str, end: &str) -> CalendarViewRequest<'a> {
        CalendarViewRequest {
            graph: self.graph,
            start: start.to_string(),
            end: end.to_string(),
            time_zone: None,
            top: 100,
            select: PREVIEW_FIELDS.to_vec(),
        }
    }
}

pub struct CalendarViewRequest<'a> {
    graph: &'a Graph,
    start: String,
    end: String,
    time_zone: Option<String>,
    top: u32,
    select: Vec<&'static str>,
}

impl<'a> CalendarViewRequest<'a> {
    /// Ask for times in `zone` (a Windows name such as "W. Europe Standard Time" or an IANA one; Graph takes
    /// both).
    pub fn time_zone(mut self, zone: impl Into<String>) -> Self {
        self.time_zone = Some(zone.into());
        self
    }

    /// At most `n` per page (1 to 1000).
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

    pub fn request(&self) -> Request {
        let mut r = Request::get("me/calendarView")
            .query("startDateTime", self.start.clone())
            .query("endDateTime", self.end.clone())
            .query("$select", self.select.join(","))
            .query("$top", self.top.to_string())
            .query("$orderby", "start/dateTime");
        if let Some(zone) = &self.time_zone {
            r = r.header("Prefer", prefer_time_zone(zone));
        }
        r
    }

    pub async fn send(self, token: &SecretString) -> Result<Page<Event>, GraphError> {
        self.graph.send(&self.request(), token).await?.json()
    }
}

/// `outlook.timezone="…"`; a quote or a control character in the name would break the header, and no zone
/// name has one, so they are dropped.
pub fn prefer_time_zone(zone: &str) -> String {
    let clean: String = zone
        .chars()
        .filter(|c| *c != '"' && *c != '\\' && !c.is_control())
        .collect();
    format!("outlook.timezone=\"{clean}\"")
}

#[cfg(test)]
mod tests {
    use super::*;
    use url::Url;

    #[test]
    fn the_view_asks_for_the_window_the_fields_and_the_zone() {
        let g = Graph::new(
            Url::parse("https://graph.microsoft.com/").unwrap(),
            reqwest::Client::new(),
        );
        let r = g
            .calendar()
            .view("2026-11-29T00:00:00Z", "2026-12-06T00:00:00Z")
            .time_zone("W. Europe Standard Time")
            .request();
        assert_eq!(r.path, "me/calendarView");
        let q: std::collections::HashMap<_, _> = r.query.iter().cloned().collect();
        assert_eq!(q["startDateTime"], "2026-11-29T00:00:00Z");
        assert_eq!(q["endDateTime"], "2026-12-06T00:00:00Z");
        assert!(q["$select"].starts_with("id,subject,start,end,isAllDay"));
        assert_eq!(
            r.headers,
            vec![(
                "Prefer".to_string(),
                "outlook.timezone=\"W. Europe Standard Time\"".to_string()
            )]
        );
        assert_eq!(prefer_time_zone("a\"b\n"), "outlook.timezone=\"ab\"");
    }
}
