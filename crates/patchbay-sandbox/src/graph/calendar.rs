//! `GET /me/calendarView` (and `/me/calendar/calendarView`): the occurrences of the demo week
//! (calendar_data.rs) that overlap `[startDateTime, endDateTime)`, with start and end in the zone asked for by
//! `Prefer: outlook.timezone` (UTC without it).

use axum::http::StatusCode;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use serde_json::{json, Value};

use super::calendar_data::{Event, Kind, Person, When};
use super::odata::{self, percent_encode, Page, Query};
use super::zones::{self, local_date_time, parse_instant, utc};
use super::{access_denied, ids, Caller, GraphRequest, Reply};
use crate::state::{AppState, DemoUser};
use crate::DEMO_TENANT_ID;

pub(super) const READ_CALENDAR: &[&str] = &[
    "Calendars.ReadBasic",
    "Calendars.Read",
    "Calendars.ReadWrite",
];

const TYPE_NAME: &str = "Microsoft.OutlookServices.Event";

/// The properties of an event as served, for `$select`.
pub const PROPERTIES: &[&str] = &[
    "@odata.etag",
    "id",
    "createdDateTime",
    "lastModifiedDateTime",
    "changeKey",
    "categories",
    "transactionId",
    "originalStartTimeZone",
    "originalEndTimeZone",
    "iCalUId",
    "reminderMinutesBeforeStart",
    "isReminderOn",
    "hasAttachments",
    "subject",
    "bodyPreview",
    "importance",
    "sensitivity",
    "isAllDay",
    "isCancelled",
    "isOrganizer",
    "responseRequested",
    "seriesMasterId",
    "showAs",
    "type",
    "webLink",
    "onlineMeetingUrl",
    "isOnlineMeeting",
    "onlineMeetingProvider",
    "allowNewTimeProposals",
    "isDraft",
    "hideAttendees",
    "originalStart",
    "recurrence",
    "responseStatus",
    "body",
    "start",
    "end",
    "location",
    "locations",
    "attendees",
    "organizer",
    "onlineMeeting",
];

/// The instants an event covers when seen in `tz` (all-day events: local midnight to midnight).
pub(super) fn interval(e: &Event, tz: &TimeZone) -> Option<(Timestamp, Timestamp)> {
    match &e.when {
        When::Timed { start, end } => Some((*start, *end)),
        When::AllDay { first, end } => Some((
            tz.to_timestamp(first.at(0, 0, 0, 0)).ok()?,
            tz.to_timestamp(end.at(0, 0, 0, 0)).ok()?,
        )),
    }
}

/// Teams' invitation text, as Outlook appends it to the body (and so to `bodyPreview`).
fn teams_text(e: &Event) -> String {
    let digits = ids::digest(&[&e.id, "meeting-id"])
        .iter()
        .take(12)
        .map(|b| char::from(b'0' + b % 10))
        .collect::<String>();
    format!(
        "________________________________________________________________________________\r\nMicrosoft Teams \
         meeting\r\nJoin on your computer, mobile app or room device\r\nClick here to join the meeting\r\nMeeting \
         ID: {} {} {} {}\r\nPasscode: {}\r\nDownload Teams | Join on the web\r\nLearn More | Meeting options\r\n\
         ________________________________________________________________________________",
        &digits[0..3],
        &digits[3..6],
        &digits[6..9],
        &digits[9..12],
        &ids::hex(&[&e.id, "passcode"], 3)
    )
}

fn join_url(e: &Event, user: &DemoUser) -> String {
    let thread = ids::hex(&[&e.id, "thread"], 18).to_ascii_lowercase();
    let organizer_oid = if e.is_organizer {
        user.id.clone()
    } else {
        ids::guid(&[&e.organizer.address, "oid"])
    };
    format!(
        "https://teams.microsoft.com/l/meetup-join/19%3ameeting_{thread}%40thread.v2/0?context=%7b%22Tid%22%3a%22\
         {DEMO_TENANT_ID}%22%2c%22Oid%22%3a%22{organizer_oid}%22%7d"
    )
}

fn person_json(p: &Person) -> Value {
    json!({"emailAddress": {"name": p.name, "address": p.address}})
}

fn location_json(name: &str) -> Value {
    if name.is_empty() {
        json!({"displayName": "", "locationType": "default", "uniqueIdType": "unknown"})
    } else {
        json!({"displayName": name, "locationType": "default", "uniqueId": name, "uniqueIdType": "private"})
    }
}

pub(super) fn to_json(e: &Event, user: &DemoUser, zone_label: &str, tz: &TimeZone) -> Value {
    let (start, end) = match &e.when {
        When::Timed { start, end } => (
            local_date_time(tz.to_datetime(*start)),
            local_date_time(tz.to_datetime(*end)),
        ),
        When::AllDay { first, end } => (
            local_date_time(first.at(0, 0, 0, 0)),
            local_date_time(end.at(0, 0, 0, 0)),
        ),
    };
    let text = match (e.teams, e.agenda.is_empty()) {
        (true, true) => teams_text(e),
        (true, false) => format!("{}\r\n\r\n{}", e.agenda, teams_text(e)),
        (false, _) => e.agenda.clone(),
    };
    let place = match (&e.location, e.teams) {
        (Some(place), _) => place.clone(),
        // A Teams meeting without a room: Outlook fills in the location.
        (None, true) => "Microsoft Teams Meeting".into(),
        (None, false) => String::new(),
    };
    let locations: Vec<Value> = if place.is_empty() {
        Vec::new()
    } else {
        vec![location_json(&place)]
    };
    let response_time = if e.response == "organizer" || e.response == "none" {
        "0001-01-01T00:00:00Z".to_string()
    } else {
        utc(e.created + SignedDuration::from_mins(47))
    };
    let attendees: Vec<Value> = e
        .attendees
        .iter()
        .map(|(p, kind, response)| {
            let time = if *response == "none" {
                "0001-01-01T00:00:00Z".to_string()
            } else {
                utc(e.created + SignedDuration::from_mins(90))
            };
            json!({
                "type": kind,
                "status": {"response": response, "time": time},
                "emailAddress": {"name": p.name, "address": p.address},
            })
        })
        .collect();
    let all_day = matches!(e.when, When::AllDay { .. });
    // Two halves: one `json!` this size exceeds the macro's recursion limit.
    let mut entity = json!({
        "@odata.etag": format!("W/\"{}\"", e.change_key),
        "id": e.id,
        "createdDateTime": utc(e.created),
        "lastModifiedDateTime": utc(e.modified),
        "changeKey": e.change_key,
        "categories": [],
        "transactionId": null,
        "originalStartTimeZone": e.original_zone,
        "originalEndTimeZone": e.original_zone,
        "iCalUId": e.ical_uid,
        // Outlook's defaults: 15 minutes before, 18 hours before an all-day event.
        "reminderMinutesBeforeStart": if all_day { 1080 } else { 15 },
        "isReminderOn": !e.cancelled,
        "hasAttachments": false,
        "subject": e.subject,
        "bodyPreview": text.chars().take(255).collect::<String>(),
        "importance": e.importance,
        "sensitivity": "normal",
        "isAllDay": all_day,
        "isCancelled": e.cancelled,
        "isOrganizer": e.is_organizer,
        "responseRequested": true,
        "seriesMasterId": e.series_master_id,
        "showAs": e.show_as,
        "type": match e.kind {
            Kind::SingleInstance => "singleInstance",
            Kind::Occurrence => "occurrence",
            Kind::Exception => "exception",
        },
        "webLink": format!(
            "https://outlook.office365.com/owa/?itemid={}&exvsurl=1&path=/calendar/item",
            percent_encode(&e.id)
        ),
        "onlineMeetingUrl": null,
        "isOnlineMeeting": e.teams,
        "onlineMeetingProvider": if e.teams { "teamsForBusiness" } else { "unknown" },
        "allowNewTimeProposals": true,
        "isDraft": false,
        "hideAttendees": false,
    });
    let rest = json!({
        "originalStart": e.original_start.map(utc),
        "recurrence": null,
        "responseStatus": {"response": e.response, "time": response_time},
        "body": {
            "contentType": "html",
            "content": format!(
                "<html><body><div>{}</div></body></html>",
                crate::util::escape_html(&text).replace("\r\n", "<br>\r\n")
            ),
        },
        "start": {"dateTime": start, "timeZone": zone_label},
        "end": {"dateTime": end, "timeZone": zone_label},
        "location": location_json(&place),
        "locations": locations,
        "attendees": attendees,
        "organizer": person_json(&e.organizer),
        "onlineMeeting": if e.teams { json!({"joinUrl": join_url(e, user)}) } else { Value::Null },
    });
    if let (Value::Object(a), Value::Object(b)) = (&mut entity, rest) {
        a.extend(b);
    }
    entity
}

pub(super) fn window_error() -> Reply {
    Reply::bad_request(
        "ErrorInvalidParameter",
        "This request requires a time window specified by the query string parameters StartDateTime and \
         EndDateTime.",
    )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SortKey {
    Start,
    End,
    Subject,
}

/// `$orderby=start/dateTime` (the default, ascending), `end/dateTime` or `subject`, `asc` or `desc`.
#[allow(clippy::result_large_err)] // the error is the finished reply, returned once
fn order_by(raw: Option<&str>) -> Result<(SortKey, bool), Reply> {
    let Some(raw) = raw.filter(|r| !r.trim().is_empty()) else {
        return Ok((SortKey::Start, false));
    };
    let mut words = raw.split_whitespace();
    let name = words.next().unwrap_or("");
    let descending = match words.next().map(str::to_ascii_lowercase).as_deref() {
        None | Some("asc") => false,
        Some("desc") => true,
        Some(other) => {
            return Err(Reply::bad_request(
                "BadRequest",
                &format!("Invalid $orderby: '{other}' is neither 'asc' nor 'desc'."),
            ))
        }
    };
    let key = match name.to_ascii_lowercase().as_str() {
        "start/datetime" | "start" => SortKey::Start,
        "end/datetime" | "end" => SortKey::End,
        "subject" => SortKey::Subject,
        _ if words.next().is_some() || raw.contains(',') => {
            return Err(Reply::bad_request(
                "BadRequest",
                "The sandbox sorts calendar views by one key: start/dateTime, end/dateTime or subject.",
            ))
        }
        _ if PROPERTIES.iter().any(|p| p.eq_ignore_ascii_case(name)) => {
            return Err(Reply::bad_request(
                "BadRequest",
                &format!(
                    "The sandbox cannot sort events by '{name}'. Use start/dateTime, end/dateTime or subject."
                ),
            ))
        }
        _ => {
            return Err(Reply::bad_request(
                "RequestBroker--ParseUri",
                &format!("Could not find a property named '{name}' on type '{TYPE_NAME}'."),
            ))
        }
    };
    Ok((key, descending))
}

pub fn calendar_view(st: &AppState, caller: &Caller, req: &GraphRequest) -> Reply {
    if !caller.has_any(READ_CALENDAR) {
        return access_denied();
    }
    let user = &caller.user;
    let q = Query::parse(req.query);
    let window = (
        q.get("startDateTime").and_then(parse_instant),
        q.get("endDateTime").and_then(parse_instant),
    );
    let (Some(from), Some(until)) = window else {
        return window_error();
    };
    let selection = match odata::selection(&q, PROPERTIES, TYPE_NAME) {
        Ok(s) => s,
        Err(reply) => return reply,
    };
    let paging = match odata::paging(&q) {
        Ok(p) => p,
        Err(reply) => return reply,
    };
    let (key, descending) = match order_by(q.get("$orderby")) {
        Ok(o) => o,
        Err(reply) => return reply,
    };
    let preferred = zones::preferred(req.headers);
    let (label, tz) = match &preferred {
        Some((name, tz)) => (name.as_str(), tz.clone()),
        None => ("UTC", TimeZone::UTC),
    };
    let events = match super::calendar_delta::current(st, user) {
        Ok(e) => e,
        Err(e) => {
            return Reply::error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "generalException",
                &format!("The demo calendar could not be laid out: {e}"),
            )
        }
    };
    let mut seen: Vec<(Timestamp, Timestamp, Event)> = events
        .into_iter()
        .filter_map(|e| interval(&e, &tz).map(|(s, t)| (s, t, e)))
        .filter(|(start, end, _)| *start < until && *end > from)
        .collect();
    seen.sort_by(|a, b| {
        let ordering = match key {
            SortKey::Start => a.0.cmp(&b.0),
            SortKey::End => a.1.cmp(&b.1),
            SortKey::Subject => a.2.subject.to_lowercase().cmp(&b.2.subject.to_lowercase()),
        };
        let ordering = if descending {
            ordering.reverse()
        } else {
            ordering
        };
        ordering
            .then_with(|| a.0.cmp(&b.0))
            .then_with(|| a.1.cmp(&b.1))
            .then_with(|| a.2.id.cmp(&b.2.id))
    });
    let items: Vec<Value> = seen
        .iter()
        .map(|(_, _, e)| {
            odata::project(
                to_json(e, user, label, &tz),
                selection.as_deref(),
                &["@odata.etag", "id"],
            )
        })
        .collect();
    let page = Page {
        base: &st.base,
        path: req.path,
        query: &q,
        context: odata::context(
            &st.base,
            &format!("users('{}')/calendarView", user.id),
            selection.as_deref(),
        ),
        paging,
    };
    let reply = Reply::ok(page.render(items));
    match preferred {
        Some((name, _)) => {
            reply.with_header("Preference-Applied", format!("outlook.timezone=\"{name}\""))
        }
        None => reply,
    }
}

#[cfg(test)]
mod tests {
    use super::super::calendar_data::events;
    use super::super::calendar_data::testing::{anchor, by_subject};
    use super::*;
    use crate::state::demo_users;

    #[test]
    fn all_day_events_float_and_timed_events_convert() -> Result<(), jiff::Error> {
        let users = demo_users();
        let events = events(&users[0], "W. Europe Standard Time", anchor())?;
        let tokyo = TimeZone::get("Asia/Tokyo")?;
        let summit = by_subject(&events, "Contoso Partner Summit (Seattle)")
            .map(|e| to_json(e, &users[0], "Tokyo Standard Time", &tokyo));
        let summit = summit.unwrap_or_default();
        assert_eq!(summit["start"]["dateTime"], "2026-12-03T00:00:00.0000000");
        assert_eq!(summit["end"]["dateTime"], "2026-12-06T00:00:00.0000000");
        assert_eq!(summit["start"]["timeZone"], "Tokyo Standard Time");
        assert_eq!(summit["isAllDay"], true);
        let planning = by_subject(&events, "Quarterly planning")
            .map(|e| to_json(e, &users[0], "Tokyo Standard Time", &tokyo));
        // 14:00 in Munich is 22:00 in Tokyo in winter.
        assert_eq!(
            planning.unwrap_or_default()["start"]["dateTime"],
            "2026-11-30T22:00:00.0000000"
        );
        Ok(())
    }
}
