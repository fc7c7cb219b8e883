//! A connection proving itself: the person's own inbox and agenda, fetched in ONE Graph `$batch` — mailbox
//! settings (time zone, formats), the inbox's newest messages, and the calendar's occurrences — with each part
//! failing on its own (no Calendars.Read: the inbox still shows, and the agenda says what permission it needs).
//!
//! The agenda's days are the mailbox's days. Its zone is not known until the batch answers, so the calendar is
//! asked for in the zone last seen (or this computer's), over a window wide enough for any zone; the answer is
//! then moved into the mailbox's zone and cut to its days. One round trip, whatever the zones.

pub mod convert;
pub mod format;
pub mod model;

pub use model::{
    AgendaEvent, InboxMessage, Preview, PreviewPage, PreviewZone, ProblemKind, Section,
    SectionProblem,
};

use crate::clock;
use crate::connections::Connections;
use crate::error::ErrorInfo;
use crate::graph::calendar::Event;
use crate::graph::mail::Message;
use crate::graph::mailbox::MailboxSettings;
use crate::graph::session;
use crate::graph::zone::{self, Zone};
use crate::graph::{Batch, Page, Request};
use crate::tokens::TokenManager;
use convert::{CALENDAR, INBOX, MAILBOX_SETTINGS};
use jiff::tz::TimeZone;
use jiff::Timestamp;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::Mutex;

/// How much to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PreviewOptions {
    /// Newest messages (1–1000).
    pub top: u32,
    /// Days of agenda, today included (1–60).
    pub days: u32,
    pub inbox: bool,
    pub agenda: bool,
}

impl Default for PreviewOptions {
    fn default() -> Self {
        Self {
            top: 25,
            days: 7,
            inbox: true,
            agenda: true,
        }
    }
}

/// Occurrences per calendar page: a busy week fits in one.
const AGENDA_PAGE: u32 = 100;

/// The last preview of each connection, in memory only, so reopening shows it at once while a new one loads.
#[derive(Default)]
pub(crate) struct PreviewCache {
    last: Mutex<HashMap<String, Preview>>,
}

impl PreviewCache {
    fn get(&self, id: &str) -> Option<Preview> {
        self.last
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(id)
            .cloned()
    }

    fn put(&self, preview: &Preview) {
        self.last
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(preview.connection_id.clone(), preview.clone());
    }

    pub(crate) fn forget(&self, id: &str) {
        self.last
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(id);
    }
}

/// Previews of connections: what this process last fetched of each, and how to fetch it again.
pub struct Previews {
    tokens: Arc<TokenManager>,
    connections: Arc<Connections>,
    cache: PreviewCache,
}

impl Previews {
    pub(crate) fn new(tokens: Arc<TokenManager>, connections: Arc<Connections>) -> Self {
        Self {
            tokens,
            connections,
            cache: PreviewCache::default(),
        }
    }

    /// Forget what this process fetched of a connection (it was removed).
    pub(crate) fn forget(&self, id: &str) {
        self.cache.forget(id);
    }

    /// The last preview of `id` fetched by this process, if any.
    pub fn cached_preview(&self, id: &str) -> Option<Preview> {
        self.cache.get(id)
    }

    /// Fetch `id`'s preview: one `$batch` (one more only for a throttled or refused part).
    pub async fn preview(&self, id: &str, options: PreviewOptions) -> Result<Preview, ErrorInfo> {
        let requested = self.connections.record(id)?.info.scopes_requested;
        let connection = self.tokens.graph(id).await?;
        let graph = connection.graph();
        let now = Timestamp::now();
        // The zone to ask the calendar in: the mailbox's as last seen, or this computer's. Either way the
        // answer is moved into the mailbox's zone below.
        let asked_name = self
            .cached_preview(id)
            .and_then(|p| p.time_zone.reported)
            .unwrap_or_else(|| zone::local().iana);
        let asked = zone::resolve(&asked_name)
            .map(|z| z.tz)
            .unwrap_or(TimeZone::UTC);
        let (from, to) = convert::fetch_window(now, options.days.clamp(1, 60));
        let mut batch = Batch::new().add("settings", graph.mailbox_settings().request());
        if options.inbox {
            batch = batch.add(
                "inbox",
                graph
                    .mail()
                    .inbox()
                    .top(options.top.clamp(1, 1000))
                    .request(),
            );
        }
        if options.agenda {
            batch = batch.add(
                "agenda",
                graph
                    .calendar()
                    .view(&from, &to)
                    .time_zone(asked_name.clone())
                    .top(AGENDA_PAGE)
                    .request(),
            );
        }
        let mut answers = connection
            .batch(&batch)
            .await
            .map_err(|e| e.to_error_info())?;
        let fetched_at = clock::now_rfc3339();

        let time_zone = preview_zone(answers.take("settings").and_then(|r| r.json()), &requested);
        let zone = zone::resolve(&time_zone.iana).unwrap_or_else(zone::local);

        let inbox = match options.inbox.then(|| {
            answers
                .take("inbox")
                .and_then(|r| r.json::<Page<Message>>())
        }) {
            None => Section::Skipped,
            Some(Ok(page)) => Section::Loaded {
                items: once_each(
                    page.value
                        .into_iter()
                        .map(|m| convert::message(m, &zone))
                        .collect(),
                    |m| &m.id,
                ),
                next_link: page.next_link,
            },
            Some(Err(e)) => Section::Failed {
                problem: convert::problem(&e, INBOX, &requested),
            },
        };

        let agenda = match options
            .agenda
            .then(|| answers.take("agenda").and_then(|r| r.json::<Page<Event>>()))
        {
            None => Section::Skipped,
            Some(Ok(page)) => {
                let window = convert::agenda_window(now, &zone, options.days.clamp(1, 60));
                Section::Loaded {
                    items: agenda_items(page.value, &asked, &zone, window.as_ref()),
                    next_link: page.next_link,
                }
            }
            Some(Err(e)) => Section::Failed {
                problem: convert::problem(&e, CALENDAR, &requested),
            },
        };

        let preview = Preview {
            connection_id: id.to_string(),
            fetched_at,
            time_zone,
            inbox,
            agenda,
        };
        self.cache.put(&preview);
        Ok(preview)
    }

    /// The next page of the inbox, from Graph's `@odata.nextLink` as given.
    pub async fn more_inbox(
        &self,
        id: &str,
        next_link: &str,
    ) -> Result<PreviewPage<InboxMessage>, ErrorInfo> {
        let zone = self.preview_zone_of(id);
        let page: Page<Message> = self.follow(id, next_link, &Request::get("")).await?;
        Ok(PreviewPage {
            items: page
                .value
                .into_iter()
                .map(|m| convert::message(m, &zone))
                .collect(),
            next_link: page.next_link,
        })
    }

    /// The next page of the agenda, from Graph's `@odata.nextLink` as given (it carries the window).
    pub async fn more_agenda(
        &self,
        id: &str,
        next_link: &str,
        days: u32,
    ) -> Result<PreviewPage<AgendaEvent>, ErrorInfo> {
        let zone = self.preview_zone_of(id);
        let asked_name = self
            .cached_preview(id)
            .and_then(|p| p.time_zone.reported)
            .unwrap_or_else(|| zone.iana.clone());
        let asked = zone::resolve(&asked_name)
            .map(|z| z.tz)
            .unwrap_or(TimeZone::UTC);
        // The link keeps the window but not the header: ask for the same zone again.
        let like = Request::get("").header(
            "Prefer",
            crate::graph::calendar::prefer_time_zone(&asked_name),
        );
        let page: Page<Event> = self.follow(id, next_link, &like).await?;
        let window = convert::agenda_window(Timestamp::now(), &zone, days.clamp(1, 60));
        Ok(PreviewPage {
            items: agenda_items(page.value, &asked, &zone, window.as_ref()),
            next_link: page.next_link,
        })
    }

    fn preview_zone_of(&self, id: &str) -> Zone {
        self.cached_preview(id)
            .and_then(|p| zone::resolve(&p.time_zone.iana))
            .unwrap_or_else(zone::local)
    }

    async fn follow<T: serde::de::DeserializeOwned>(
        &self,
        id: &str,
        link: &str,
        like: &Request,
    ) -> Result<T, ErrorInfo> {
        let response = self
            .tokens
            .graph(id)
            .await?
            .follow(link, like)
            .await
            .map_err(|e| e.to_error_info())?;
        response.json().map_err(|e| session::graph_error_info(&e))
    }
}

/// Items with an id seen before dropped (Graph should not repeat one; a list keyed by id must not see it twice).
fn once_each<T>(mut items: Vec<T>, id: impl Fn(&T) -> &String) -> Vec<T> {
    let mut seen = std::collections::HashSet::new();
    items.retain(|item| seen.insert(id(item).clone()));
    items
}

/// The zone (and formats) to show times in, from the mailbox settings' answer.
pub(crate) fn preview_zone(
    settings: Result<MailboxSettings, crate::graph::GraphError>,
    requested: &[String],
) -> PreviewZone {
    let local = zone::local();
    match settings {
        Ok(s) => {
            let hour12 = s.time_format.as_deref().and_then(convert::hour12);
            match s.time_zone.as_deref().and_then(zone::resolve) {
                Some(z) => PreviewZone {
                    iana: z.iana,
                    reported: s.time_zone,
                    from_mailbox: true,
                    hour12,
                    date_format: s.date_format,
                    time_format: s.time_format,
                    problem: None,
                },
                None => PreviewZone {
                    iana: local.iana,
                    reported: None,
                    from_mailbox: false,
                    hour12,
                    date_format: s.date_format,
                    time_format: s.time_format,
                    problem: Some(SectionProblem {
                        kind: ProblemKind::Other,
                        title: match &s.time_zone {
                            Some(name) => format!("The mailbox's time zone \"{name}\" is not one Patchbay knows."),
                            None => "The mailbox has no time zone set.".to_string(),
                        },
                        message: "Times are shown in this computer's time zone. Set the mailbox's time zone in \
                                  Outlook's settings to see them in it."
                            .to_string(),
                        permission: None,
                        detail: None,
                        request_id: None,
                    }),
                },
            }
        }
        Err(e) => PreviewZone {
            iana: local.iana,
            reported: None,
            from_mailbox: false,
            hour12: None,
            date_format: None,
            time_format: None,
            problem: Some(convert::problem(&e, MAILBOX_SETTINGS, requested)),
        },
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_graph_repeats_is_shown_once() {
        let items = vec![
            ("a".to_string(), 1),
            ("b".to_string(), 2),
            ("a".to_string(), 3),
        ];
        let kept = once_each(items, |(id, _)| id);
        assert_eq!(kept, vec![("a".to_string(), 1), ("b".to_string(), 2)]);
    }
}
