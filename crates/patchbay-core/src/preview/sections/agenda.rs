//! `agenda`: the calendar's occurrences over the next days, in the mailbox's zone and cut to its days.
//!
//! The mailbox's zone is not known until the batch answers, so the calendar is asked for in the zone last seen
//! (or this computer's), over a window wide enough for any zone; the answer is then moved into the mailbox's zone
//! and cut to its days. One round trip, whatever the zones.

use super::{once_each, Ask, Read, Source};
use crate::catalogue::SectionKind;
use crate::graph::calendar::{prefer_time_zone, Event};
use crate::graph::zone::Zone;
use crate::graph::{GraphError, Page, RawResponse, Request};
use crate::preview::convert;
use crate::preview::model::{AgendaEvent, SectionContent};
use jiff::tz::TimeZone;

/// Occurrences per calendar page: a busy week fits in one.
const AGENDA_PAGE: u32 = 100;

pub(crate) struct Agenda;

impl Source for Agenda {
    fn kind(&self) -> SectionKind {
        SectionKind::Events
    }

    fn subject(&self) -> &'static str {
        "The calendar"
    }

    fn in_mailbox_zone(&self) -> bool {
        true
    }

    fn request(&self, ask: &Ask<'_>) -> Request {
        let (from, to) = convert::fetch_window(ask.now, ask.options.days.clamp(1, 60));
        ask.graph
            .calendar()
            .view(&from, &to)
            .time_zone(ask.asked_zone.to_string())
            .top(AGENDA_PAGE)
            .request()
    }

    fn read(&self, answer: RawResponse, read: &Read<'_>) -> Result<SectionContent, GraphError> {
        let page: Page<Event> = answer.json()?;
        let window = convert::agenda_window(read.now, read.zone, read.options.days.clamp(1, 60));
        Ok(SectionContent::Events {
            items: agenda_items(page.value, read.asked, read.zone, window.as_ref()),
            next_link: page.next_link,
        })
    }

    /// The link keeps the window but not the header: ask for the same zone again.
    fn next_page_like(&self, asked_zone: &str) -> Request {
        Request::get("").header("Prefer", prefer_time_zone(asked_zone))
    }
}

/// Events moved into `zone`, cut to the agenda's days, in order of start.
fn agenda_items(
    events: Vec<Event>,
    asked: &TimeZone,
    zone: &Zone,
    window: Option<&(jiff::ZonedDateTime, jiff::ZonedDateTime)>,
) -> Vec<AgendaEvent> {
    let mut kept: Vec<(Option<jiff::Timestamp>, AgendaEvent)> = events
        .into_iter()
        .map(|e| convert::event(e, asked, zone))
        .filter(|(_, span)| window.is_none_or(|w| convert::overlaps(span, w)))
        .map(|(e, span)| (span.map(|(s, _)| s.timestamp()), e))
        .collect();
    kept.sort_by_key(|(start, _)| *start);
    once_each(kept.into_iter().map(|(_, e)| e).collect(), |e| &e.id)
}
