//! The calendar tools: `list_events` (occurrences in a window, in the mailbox's zone) and `create_event`, built
//! with the Graph client's calendar requests ([`crate::graph::calendar`]).

use super::common::{answer, check_addresses, fit, instant, invalid, utc_literal};
use super::log::WriteLog;
use super::mail::{created, Created};
use super::session::ToolSession;
use super::Allow;
use crate::error::ErrorInfo;
use crate::graph::calendar::Event;
use crate::graph::zone;
use crate::graph::{ConnectionGraph, Page};
use crate::model::ConnectionSummary;
use crate::preview::convert;
use jiff::tz::TimeZone;
use jiff::Timestamp;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// The most events a `list_events` call returns (one page), and the widest window it takes.
pub const MAX_EVENTS: u32 = 50;
pub const MAX_EVENT_DAYS: i64 = 62;

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListEventsArgs {
    /// The connection's id or name; may be left out when only one is served.
    #[serde(default)]
    pub connection: Option<String>,
    /// From (RFC 3339, or a date: this computer's midnight); default now.
    #[serde(default)]
    pub start: Option<String>,
    /// Until (RFC 3339, or a date: this computer's midnight); default seven days after `start`.
    #[serde(default)]
    pub end: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateEventArgs {
    /// The connection's id or name; may be left out when only one is served.
    #[serde(default)]
    pub connection: Option<String>,
    pub subject: String,
    /// RFC 3339 (`2026-12-07T10:00:00+01:00`), or a local time (`2026-12-07T10:00`) in `time_zone`.
    pub start: String,
    pub end: String,
    /// An IANA (`Europe/Berlin`) or Windows zone name for local times; default the mailbox's zone.
    #[serde(default)]
    pub time_zone: Option<String>,
    #[serde(default)]
    pub location: Option<String>,
    /// Addresses to invite.
    #[serde(default)]
    pub attendees: Option<Vec<String>>,
    /// Plain text.
    #[serde(default)]
    pub body: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct EventItem {
    pub id: String,
    pub subject: Option<String>,
    /// RFC 3339 in the mailbox's zone; an all-day event runs midnight to midnight.
    pub start: Option<String>,
    pub end: Option<String>,
    pub all_day: Option<bool>,
    pub location: Option<String>,
    /// The organiser's name (or address).
    pub organizer: Option<String>,
    pub join_url: Option<String>,
    pub cancelled: Option<bool>,
    pub web_link: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Events {
    /// The mailbox's zone (IANA), the times' zone.
    pub time_zone: String,
    pub events: Vec<EventItem>,
    /// More events fall in the window than were returned: ask for a shorter one.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub truncated: bool,
}

/// `list_events`: the calendar's occurrences in a window, asked in UTC and moved into the mailbox's zone.
pub async fn list_events(
    session: &ToolSession,
    graph: &ConnectionGraph,
    requested: &[String],
    args: &ListEventsArgs,
) -> Result<Events, ErrorInfo> {
    let local = zone::local().tz;
    let start = match args.start.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(s) => instant(s, &local, "start")?,
        None => Timestamp::now(),
    };
    let end = match args.end.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(s) => instant(s, &local, "end")?,
        None => start + jiff::SignedDuration::from_hours(7 * 24),
    };
    if end <= start {
        return Err(invalid(
            "The end is not after the start.",
            "Give an end later than the start.",
        ));
    }
    if end.duration_since(start) > jiff::SignedDuration::from_hours(MAX_EVENT_DAYS * 24) {
        return Err(invalid(
            format!("The window is longer than {MAX_EVENT_DAYS} days."),
            "Ask for a shorter one (a few weeks at most), in several calls if need be.",
        ));
    }
    let view = graph
        .graph()
        .calendar()
        .view(&utc_literal(start), &utc_literal(end))
        .time_zone("UTC")
        .top(MAX_EVENTS)
        .request();
    let (zone, response) = session.with_zone(graph, requested, view).await?;
    let page: Page<Event> = answer(response)?;
    let more = page.next_link.is_some();
    let mut timed: Vec<(Option<Timestamp>, EventItem)> = page
        .value
        .into_iter()
        .map(|e| {
            let (e, span) = convert::event(e, &TimeZone::UTC, &zone.zone);
            (
                span.map(|(s, _)| s.timestamp()),
                EventItem {
                    id: e.id,
                    subject: e.subject,
                    start: e.start,
                    end: e.end,
                    all_day: e.all_day,
                    location: e.location,
                    organizer: e.organizer,
                    join_url: e.join_url,
                    cancelled: e.cancelled,
                    web_link: e.web_link,
                },
            )
        })
        .collect();
    timed.sort_by_key(|(start, _)| *start);
    let mut events: Vec<EventItem> = timed.into_iter().map(|(_, e)| e).collect();
    let cut = fit(&mut events, 128);
    Ok(Events {
        time_zone: zone.zone.iana,
        events,
        truncated: more || cut,
    })
}

/// A time for Graph's `dateTimeTimeZone`: an instant in `zone`, or a local time as given.
fn graph_time(text: &str, zone_name: &str, what: &str) -> Result<(String, Timestamp), ErrorInfo> {
    let text = text.trim();
    let tz = zone::resolve(zone_name).map(|z| z.tz).ok_or_else(|| {
        invalid(
            format!("The time zone \"{zone_name}\" is not one Patchbay knows."),
            "Use an IANA name such as Europe/Berlin, or a Windows one such as W. Europe Standard Time.",
        )
    })?;
    if let Ok(t) = text.parse::<Timestamp>() {
        let local = t.to_zoned_datetime(tz).datetime();
        return Ok((local.strftime("%Y-%m-%dT%H:%M:%S").to_string(), t));
    }
    let civil = text.parse::<jiff::civil::DateTime>().map_err(|_| {
        invalid(
            format!("The {what} \"{text}\" is not a time Patchbay can read."),
            "Use RFC 3339 (2026-12-07T10:00:00+01:00) or a local time (2026-12-07T10:00) with time_zone.",
        )
    })?;
    let t = civil
        .to_zoned_datetime(tz)
        .map_err(|e| {
            invalid(
                format!("The {what} \"{text}\" does not exist in {zone_name}."),
                e.to_string(),
            )
        })?
        .timestamp();
    Ok((civil.strftime("%Y-%m-%dT%H:%M:%S").to_string(), t))
}

/// `create_event`: an event in the default calendar. Attendees are invited by mail the moment it is saved
/// (Exchange sends the invitations, with the subject, body and location), so an event with attendees is a send:
/// only with `--allow-send`. Recorded in the log.
pub async fn create_event(
    session: &ToolSession,
    graph: &ConnectionGraph,
    log: &WriteLog,
    connection: &ConnectionSummary,
    allow: Allow,
    args: &CreateEventArgs,
) -> Result<Created, ErrorInfo> {
    let attendees_given: Vec<String> = args
        .attendees
        .clone()
        .unwrap_or_default()
        .into_iter()
        .filter(|a| !a.trim().is_empty())
        .collect();
    if !attendees_given.is_empty() && !allow.send {
        return Err(invalid(
            "Inviting attendees sends them mail: Exchange mails the invitation, with the event's subject, body \
             and location, the moment the event is saved.",
            "patchbay mcp was started without --allow-send, so create_event makes events without attendees only. \
             Leave attendees out, or ask the person to allow sending.",
        ));
    }
    let intent = log.intend(
        connection,
        "create_event",
        &attendees_given,
        Some(&args.subject),
        !attendees_given.is_empty(),
    )?;
    let outcome = async {
        let attendees = check_addresses(&attendees_given, "attendees")?;
        let zone_name = match args.time_zone.as_deref().filter(|z| !z.trim().is_empty()) {
            Some(z) => z.trim().to_string(),
            None if args.start.trim().parse::<Timestamp>().is_ok() => "UTC".to_string(),
            // A local time needs a zone: the mailbox's.
            None => session
                .zone(graph, &connection.info.scopes_requested)
                .await?
                .reported
                .filter(|z| zone::resolve(z).is_some())
                .ok_or_else(|| {
                    invalid(
                        "The times have no zone, and the mailbox's zone could not be had.",
                        "Give time_zone (like Europe/Berlin) or times with an offset.",
                    )
                })?,
        };
        let (start, start_at) = graph_time(&args.start, &zone_name, "start")?;
        let (end, end_at) = graph_time(&args.end, &zone_name, "end")?;
        if end_at <= start_at {
            return Err(invalid("The event ends before it starts.", "Give an end later than the start."));
        }
        let mut event = json!({
            "subject": args.subject,
            "start": {"dateTime": start, "timeZone": zone_name},
            "end": {"dateTime": end, "timeZone": zone_name},
            "attendees": attendees.into_iter().map(|mut a| { a["type"] = json!("required"); a }).collect::<Vec<_>>(),
        });
        if let Some(location) = args.location.as_deref().filter(|l| !l.trim().is_empty()) {
            event["location"] = json!({"displayName": location});
        }
        if let Some(body) = &args.body {
            event["body"] = json!({"contentType": "text", "content": body});
        }
        created(graph.send(&graph.graph().calendar().create_event(event)).await.map_err(|e| e.to_error_info())?)
    }
    .await;
    intent.finish(&outcome);
    outcome
}
