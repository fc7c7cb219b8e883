//! `patchbay preview inbox|calendar`: a connection's newest mail or its agenda, as aligned columns in the
//! mailbox's time zone and formats, or as JSON for scripts. Mail content goes to stdout only.

use crate::cli::{PreviewCalendarArgs, PreviewCommand, PreviewInboxArgs};
use crate::output;
use patchbay_core::error::{ErrorCode, ErrorInfo};
use patchbay_core::preview::format::dotnet_to_strftime;
use patchbay_core::preview::{
    AgendaEvent, InboxMessage, Preview, PreviewOptions, PreviewZone, SectionBody, SectionContent,
    SectionProblem,
};
use patchbay_core::Patchbay;
use serde::Serialize;

pub async fn run(core: &Patchbay, command: &PreviewCommand) -> Result<(), ErrorInfo> {
    match command {
        PreviewCommand::Inbox(args) => inbox(core, args).await,
        PreviewCommand::Calendar(args) => calendar(core, args).await,
    }
}

/// `patchbay preview inbox --json`: one object per message.
#[derive(Serialize)]
struct InboxRow<'a> {
    id: &'a str,
    subject: Option<&'a str>,
    from_name: Option<&'a str>,
    from_address: Option<&'a str>,
    received: Option<&'a str>,
    is_read: Option<bool>,
    has_attachments: Option<bool>,
    preview: Option<&'a str>,
    web_link: Option<&'a str>,
}

/// `patchbay preview calendar --json`: one object per occurrence.
#[derive(Serialize)]
struct EventRow<'a> {
    id: &'a str,
    subject: Option<&'a str>,
    start: Option<&'a str>,
    end: Option<&'a str>,
    all_day: Option<bool>,
    location: Option<&'a str>,
    organizer: Option<&'a str>,
    join_url: Option<&'a str>,
    cancelled: Option<bool>,
    web_link: Option<&'a str>,
}

async fn inbox(core: &Patchbay, args: &PreviewInboxArgs) -> Result<(), ErrorInfo> {
    let id = core.get(&args.id)?.id.clone();
    let options = PreviewOptions {
        top: args.top,
        ..PreviewOptions::only(INBOX)
    };
    let preview = core.preview(&id, options).await?;
    let items = match section(&preview, INBOX, "inbox")? {
        Some(SectionContent::Messages { items, .. }) => items,
        _ => Vec::new(),
    };
    if args.json {
        let rows: Vec<InboxRow<'_>> = items
            .iter()
            .map(|m| InboxRow {
                id: &m.id,
                subject: m.subject.as_deref(),
                from_name: m.from_name.as_deref(),
                from_address: m.from_address.as_deref(),
                received: m.received.as_deref(),
                is_read: m.is_read,
                has_attachments: m.has_attachments,
                preview: m.preview.as_deref(),
                web_link: m.web_link.as_deref(),
            })
            .collect();
        return output::json(&rows);
    }
    zone_note(&preview.time_zone);
    if items.is_empty() {
        output::out("The inbox is empty.");
        return Ok(());
    }
    let clock = Clock::of(&preview.time_zone);
    let rows: Vec<Vec<String>> = items.iter().map(|m| inbox_row(m, &clock)).collect();
    output::out(&output::table(
        &["RECEIVED", "FLAGS", "FROM", "SUBJECT"],
        &rows,
    ));
    output::note("FLAGS: U unread, A attachments, ! high importance.");
    Ok(())
}

/// The most pages of events `preview calendar` follows (of 100 events each).
const MAX_PAGES: usize = 50;

async fn calendar(core: &Patchbay, args: &PreviewCalendarArgs) -> Result<(), ErrorInfo> {
    let id = core.get(&args.id)?.id.clone();
    let options = PreviewOptions {
        days: args.days,
        ..PreviewOptions::only(AGENDA)
    };
    let preview = core.preview(&id, options).await?;
    let (mut items, mut next) = match section(&preview, AGENDA, "calendar")? {
        Some(SectionContent::Events { items, next_link }) => (items, next_link),
        _ => (Vec::new(), None),
    };
    // A busy calendar over many days spans pages: all of them, never a silent first page.
    let mut pages = 1;
    while let Some(link) = next.take() {
        if pages == MAX_PAGES {
            output::note(&format!(
                "Only the first {pages} pages of events are shown; ask for fewer --days to see the rest."
            ));
            break;
        }
        let page = core.more_agenda(&id, &link, args.days).await?;
        items.extend(page.items);
        next = page.next_link;
        pages += 1;
    }
    if args.json {
        let rows: Vec<EventRow<'_>> = items
            .iter()
            .map(|e| EventRow {
                id: &e.id,
                subject: e.subject.as_deref(),
                start: e.start.as_deref(),
                end: e.end.as_deref(),
                all_day: e.all_day,
                location: e.location.as_deref(),
                organizer: e.organizer.as_deref(),
                join_url: e.join_url.as_deref(),
                cancelled: e.cancelled,
                web_link: e.web_link.as_deref(),
            })
            .collect();
        return output::json(&rows);
    }
    zone_note(&preview.time_zone);
    if items.is_empty() {
        output::out(&format!(
            "Nothing in the calendar for the next {} day{}.",
            args.days,
            if args.days == 1 { "" } else { "s" }
        ));
        return Ok(());
    }
    let clock = Clock::of(&preview.time_zone);
    let rows: Vec<Vec<String>> = items.iter().map(|e| event_row(e, &clock)).collect();
    output::out(&output::table(&["DAY", "TIME", "SUBJECT", "WHERE"], &rows));
    Ok(())
}

/// The catalogue's ids of the sections these commands print.
const INBOX: &str = "inbox";
const AGENDA: &str = "agenda";

/// Section `id`'s content (`None`: not asked for), its problem as the command's error, or, when the connection's
/// preview has no such section (its service has none), that in words (`noun`: "inbox").
fn section(preview: &Preview, id: &str, noun: &str) -> Result<Option<SectionContent>, ErrorInfo> {
    let Some(section) = preview.section(id) else {
        return Err(ErrorInfo::new(
            ErrorCode::InvalidInput,
            format!("This connection has no {noun} to preview."),
            "Its service has none: `patchbay preview` shows a mailbox's inbox and calendar.",
        ));
    };
    match &section.body {
        SectionBody::Loaded { content } => Ok(Some(content.clone())),
        SectionBody::Failed { problem } => Err(problem_error(problem)),
        SectionBody::Skipped => Ok(None),
    }
}

fn problem_error(p: &SectionProblem) -> ErrorInfo {
    let mut info = ErrorInfo::new(ErrorCode::ProviderError, p.title.clone(), p.message.clone());
    if p.permission.is_some() {
        info.code = ErrorCode::InvalidScope;
        info.message = format!("{} (`patchbay fix ID` signs in again.)", p.message);
    }
    let mut detail = p.detail.clone().unwrap_or_default();
    if let Some(id) = &p.request_id {
        detail.push_str(&format!(" (request-id {id})"));
    }
    if detail.is_empty() {
        info
    } else {
        info.with_detail(detail.trim().to_string())
    }
}

/// Which zone the times are in, on stderr (so stdout stays the table).
fn zone_note(zone: &PreviewZone) {
    match (&zone.reported, zone.from_mailbox) {
        (Some(reported), true) if reported != &zone.iana => output::note(&format!(
            "Times in the mailbox's time zone, {} ({reported}).",
            zone.iana
        )),
        (_, true) => output::note(&format!("Times in the mailbox's time zone, {}.", zone.iana)),
        (_, false) => {
            let why = zone
                .problem
                .as_ref()
                .map(|p| format!(" {}", p.title))
                .unwrap_or_default();
            output::note(&format!(
                "Times in this computer's time zone, {}.{why}",
                zone.iana
            ))
        }
    }
}

/// The mailbox's date and time formats, as strftime.
struct Clock {
    date: String,
    time: String,
}

impl Clock {
    fn of(zone: &PreviewZone) -> Self {
        Clock {
            date: zone
                .date_format
                .as_deref()
                .map(dotnet_to_strftime)
                .unwrap_or_else(|| "%Y-%m-%d".into()),
            time: zone
                .time_format
                .as_deref()
                .map(dotnet_to_strftime)
                .unwrap_or_else(|| "%H:%M".into()),
        }
    }
}

/// An RFC 3339 time with its offset, parsed back (the offset is the mailbox zone's at that instant).
fn parse(t: Option<&str>) -> Option<jiff::civil::DateTime> {
    let ts: jiff::Timestamp = t?.parse().ok()?;
    let offset = offset_of(t?)?;
    Some(offset.to_datetime(ts))
}

fn offset_of(t: &str) -> Option<jiff::tz::Offset> {
    // `…+01:00` / `…-05:00` / `…Z`.
    if t.ends_with('Z') {
        return Some(jiff::tz::Offset::UTC);
    }
    let (sign, rest) = match t.len().checked_sub(6).map(|i| t.split_at(i)) {
        Some((_, tail)) if tail.starts_with('+') => (1, &tail[1..]),
        Some((_, tail)) if tail.starts_with('-') => (-1, &tail[1..]),
        _ => return None,
    };
    let (h, m) = rest.split_once(':')?;
    let secs = sign * (h.parse::<i32>().ok()? * 3600 + m.parse::<i32>().ok()? * 60);
    jiff::tz::Offset::from_seconds(secs).ok()
}

fn inbox_row(m: &InboxMessage, clock: &Clock) -> Vec<String> {
    let received = parse(m.received.as_deref())
        .map(|d| format!("{} {}", d.strftime(&clock.date), d.strftime(&clock.time)))
        .unwrap_or_default();
    let mut flags = String::new();
    if m.is_read == Some(false) {
        flags.push('U');
    }
    if m.has_attachments == Some(true) {
        flags.push('A');
    }
    if m.importance.as_deref() == Some("high") {
        flags.push('!');
    }
    let from = m
        .from_name
        .clone()
        .or_else(|| m.from_address.clone())
        .unwrap_or_else(|| "(unknown sender)".into());
    let subject = m.subject.clone().unwrap_or_else(|| "(no subject)".into());
    vec![received, flags, clip(&from, 28), clip(&subject, 70)]
}

fn event_row(e: &AgendaEvent, clock: &Clock) -> Vec<String> {
    let start = parse(e.start.as_deref());
    let end = parse(e.end.as_deref());
    let day = start
        .map(|s| format!("{} {}", s.strftime("%a"), s.strftime(&clock.date)))
        .unwrap_or_default();
    let time = match (e.all_day, start, end) {
        (Some(true), Some(s), Some(en)) => {
            // All-day ends at the next midnight (exclusive): the last day is the one before.
            let last = en.date().yesterday().unwrap_or(en.date());
            if last > s.date() {
                format!("all day, until {}", last.strftime(&clock.date))
            } else {
                "all day".to_string()
            }
        }
        (_, Some(s), Some(en)) => {
            let mut t = format!("{}–{}", s.strftime(&clock.time), en.strftime(&clock.time));
            if en.date() > s.date() {
                t.push_str(&format!(" (ends {})", en.strftime(&clock.date)));
            }
            t
        }
        (_, Some(s), None) => s.strftime(&clock.time).to_string(),
        _ => String::new(),
    };
    let mut subject = e.subject.clone().unwrap_or_else(|| "(no subject)".into());
    // Outlook already prefixes a cancelled meeting's subject with "Canceled: " for its attendees.
    let says_so = ["canceled", "cancelled"]
        .iter()
        .any(|w| subject.to_lowercase().starts_with(w));
    if e.cancelled == Some(true) && !says_so {
        subject = format!("[cancelled] {subject}");
    }
    // Outlook fills a Teams meeting's location with "Microsoft Teams Meeting": that is the online part.
    let place = match (&e.location, &e.join_url) {
        (Some(l), Some(_)) if l.contains("Teams Meeting") => "online (Teams)".to_string(),
        (Some(l), Some(_)) => format!("{l} + online"),
        (Some(l), None) => l.clone(),
        (None, Some(_)) => "online meeting".to_string(),
        (None, None) => String::new(),
    };
    vec![day, time, clip(&subject, 60), clip(&place, 40)]
}

/// At most `max` terminal cells, with an ellipsis when cut (never mid-character).
fn clip(s: &str, max: usize) -> String {
    use unicode_width::UnicodeWidthChar;
    let one_line = s.replace(['\n', '\r', '\t'], " ");
    if unicode_width::UnicodeWidthStr::width(one_line.as_str()) <= max {
        return one_line;
    }
    let mut cut = String::new();
    let mut used = 0;
    for c in one_line.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > max {
            break;
        }
        used += w;
        cut.push(c);
    }
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clock(date: &str, time: &str) -> Clock {
        Clock {
            date: dotnet_to_strftime(date),
            time: dotnet_to_strftime(time),
        }
    }

    fn event(start: &str, end: &str, all_day: bool) -> AgendaEvent {
        AgendaEvent {
            id: "e".into(),
            subject: None,
            start: Some(start.into()),
            end: Some(end.into()),
            all_day: Some(all_day),
            location: None,
            organizer: None,
            organizer_address: None,
            join_url: Some("https://teams.example/j".into()),
            cancelled: Some(true),
            web_link: None,
            show_as: None,
        }
    }

    #[test]
    fn rows_read_in_the_mailbox_formats_and_say_what_is_missing() {
        let c = clock("dd.MM.yyyy", "HH:mm");
        let row = event_row(
            &event(
                "2026-11-30T22:00:00+01:00",
                "2026-12-01T06:00:00+01:00",
                false,
            ),
            &c,
        );
        assert_eq!(row[0], "Mon 30.11.2026");
        assert_eq!(row[1], "22:00–06:00 (ends 01.12.2026)");
        assert_eq!(row[2], "[cancelled] (no subject)");
        assert_eq!(row[3], "online meeting");
        let mut teams = event(
            "2026-11-30T10:00:00+01:00",
            "2026-11-30T11:00:00+01:00",
            false,
        );
        teams.subject = Some("Canceled: Vendor sync".into());
        teams.location = Some("Microsoft Teams Meeting".into());
        let row = event_row(&teams, &c);
        assert_eq!(row[2], "Canceled: Vendor sync");
        assert_eq!(row[3], "online (Teams)");
        let row = event_row(
            &event(
                "2026-12-01T00:00:00+09:00",
                "2026-12-04T00:00:00+09:00",
                true,
            ),
            &clock("M/d/yyyy", "h:mm tt"),
        );
        assert_eq!(row[1], "all day, until 12/3/2026");
        let m = InboxMessage {
            id: "m".into(),
            subject: None,
            from_name: None,
            from_address: Some("noreply@example.com".into()),
            received: Some("2026-11-29T09:15:00-05:00".into()),
            is_read: Some(false),
            has_attachments: Some(true),
            preview: None,
            web_link: None,
            importance: Some("high".into()),
        };
        let row = inbox_row(&m, &clock("M/d/yyyy", "h:mm tt"));
        assert_eq!(
            row,
            [
                "11/29/2026 9:15 AM",
                "UA!",
                "noreply@example.com",
                "(no subject)"
            ]
        );
        assert_eq!(clip("ab\ncdef", 4), "ab …");
        assert_eq!(clip("週次レビュー", 7), "週次レ…");
    }
}
