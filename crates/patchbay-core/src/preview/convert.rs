//! From Graph's shapes to the preview's: times into the preview's zone, empty strings to `None`, a part's failure
//! into words that say what to do.

use super::model::{AgendaEvent, InboxMessage, ProblemKind, SectionProblem};
use crate::catalogue::{self, Connector};
use crate::graph::calendar::{DateTimeTimeZone, Event};
use crate::graph::mail::Message;
use crate::graph::zone::{self, Zone};
use crate::graph::GraphError;
use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan, ZonedDateTime as Zoned};

/// A value that is there: `Some` unless missing or blank.
fn present(s: Option<String>) -> Option<String> {
    s.filter(|v| !v.trim().is_empty())
}

/// `2026-11-30T09:00:00+01:00`.
pub fn rfc3339(z: &Zoned) -> String {
    z.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string()
}

pub fn message(m: Message, zone: &Zone) -> InboxMessage {
    let from = m.from.and_then(|f| f.email_address);
    let received = m
        .received_date_time
        .as_deref()
        .and_then(|t| t.parse::<Timestamp>().ok())
        .map(|t| rfc3339(&t.to_zoned_datetime(zone.tz.clone())));
    InboxMessage {
        id: m.id,
        subject: present(m.subject),
        from_name: present(from.as_ref().and_then(|f| f.name.clone())),
        from_address: present(from.and_then(|f| f.address)),
        received,
        is_read: m.is_read,
        has_attachments: m.has_attachments,
        preview: present(m.body_preview),
        web_link: present(m.web_link),
        importance: present(m.importance),
    }
}

/// A Graph time (`2026-11-30T09:00:00.0000000` in the zone it names, or in `asked` when it names none Patchbay
/// knows) as an instant in `zone`. All-day times are dates, not instants: midnight stays midnight in `zone`.
fn event_time(t: &DateTimeTimeZone, asked: &TimeZone, zone: &Zone, all_day: bool) -> Option<Zoned> {
    let civil: DateTime = t.date_time.parse().ok()?;
    if all_day {
        return civil.to_zoned_datetime(zone.tz.clone()).ok();
    }
    let given = t
        .time_zone
        .as_deref()
        .and_then(zone::resolve)
        .map(|z| z.tz)
        .unwrap_or_else(|| asked.clone());
    Some(
        civil
            .to_zoned_datetime(given)
            .ok()?
            .with_time_zone(zone.tz.clone()),
    )
}

/// An event, with its start and end as instants in `zone` (`None` when Graph sent a time Patchbay cannot read).
pub fn event(e: Event, asked: &TimeZone, zone: &Zone) -> (AgendaEvent, Option<(Zoned, Zoned)>) {
    let all_day = e.is_all_day.unwrap_or(false);
    let start = e
        .start
        .as_ref()
        .and_then(|t| event_time(t, asked, zone, all_day));
    let end = e
        .end
        .as_ref()
        .and_then(|t| event_time(t, asked, zone, all_day));
    let organizer = e.organizer.and_then(|o| o.email_address);
    let organizer_address = present(organizer.as_ref().and_then(|o| o.address.clone()));
    let span = start.clone().zip(end.clone());
    (
        AgendaEvent {
            id: e.id,
            subject: present(e.subject),
            start: start.as_ref().map(rfc3339),
            end: end.as_ref().map(rfc3339),
            all_day: e.is_all_day,
            location: present(e.location.and_then(|l| l.display_name)),
            organizer: present(organizer.and_then(|o| o.name)).or(organizer_address.clone()),
            organizer_address,
            join_url: present(e.online_meeting.and_then(|m| m.join_url)),
            cancelled: e.is_cancelled,
            web_link: present(e.web_link),
            show_as: present(e.show_as),
        },
        span,
    )
}

/// The agenda's days in `zone`: from today's midnight, `days` calendar days (a DST day is 23 or 25 hours).
pub fn agenda_window(now: Timestamp, zone: &Zone, days: u32) -> Option<(Zoned, Zoned)> {
    let start = now.to_zoned_datetime(zone.tz.clone()).start_of_day().ok()?;
    let end = start.checked_add(i64::from(days).days()).ok()?;
    Some((start, end))
}

/// What to ask Graph for before the mailbox's zone is known: wide enough to hold the agenda's days in any
/// zone on Earth (UTC−12 to UTC+14, plus an hour for a DST day), so one round trip always suffices and the
/// days are cut once the zone is known.
pub fn fetch_window(now: Timestamp, days: u32) -> (String, String) {
    let margin = 27.hours();
    let start = now.checked_sub(margin).unwrap_or(now);
    let end = now
        .checked_add((i64::from(days) * 24).hours())
        .and_then(|t| t.checked_add(margin))
        .unwrap_or(now);
    (
        start.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
        end.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
    )
}

/// Whether an event overlaps the agenda's window (an event without readable times is kept: better shown than
/// silently dropped).
pub fn overlaps(span: &Option<(Zoned, Zoned)>, window: &(Zoned, Zoned)) -> bool {
    match span {
        Some((start, end)) => {
            // A zero-length event at the window's start still belongs to it.
            (*end > window.0 || *start == window.0) && *start < window.1
        }
        None => true,
    }
}

/// Whether a .NET time pattern is a 12-hour clock (`h:mm tt`) or a 24-hour one (`HH:mm`).
pub fn hour12(time_format: &str) -> Option<bool> {
    if time_format.contains('h') || time_format.contains('t') {
        Some(true)
    } else if time_format.contains('H') {
        Some(false)
    } else {
        None
    }
}

/// What a section needs to work: the permission, every scope that carries it, and the wizard's feature that asks
/// for it — from the catalogue (a section's `needs`), so these words and the wizard cannot disagree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Need {
    /// The least permission that grants it.
    pub permission: String,
    /// Every scope that includes `permission` (Graph's "least privileged or higher").
    pub covered_by: Vec<String>,
    /// The wizard's name for the feature that asks for it.
    pub wizard_feature: String,
}

impl Need {
    /// A catalogue need of `connector`, in words.
    pub fn of(need: &catalogue::Need, connector: &Connector) -> Self {
        Self {
            permission: need.scope.clone(),
            covered_by: need.carried_by.clone(),
            wizard_feature: wizard_feature(connector, &need.carried_by)
                .unwrap_or_else(|| need.scope.clone()),
        }
    }

    /// Whether a connection that asked for `scopes` asked for this (full scope URIs or short names).
    pub fn requested_by(&self, scopes: &[String]) -> bool {
        scopes.iter().any(|s| {
            let short = s.rsplit('/').next().unwrap_or(s);
            self.covered_by
                .iter()
                .any(|c| c.eq_ignore_ascii_case(short))
        })
    }
}

/// The label of `connector`'s first feature that asks for one of `scopes` (the least one first).
fn wizard_feature(connector: &Connector, scopes: &[String]) -> Option<String> {
    scopes.iter().find_map(|scope| {
        connector
            .features
            .iter()
            .find(|f| f.scopes.iter().any(|s| s.eq_ignore_ascii_case(scope)))
            .map(|f| f.label.clone())
    })
}

/// What the mailbox's time zone (the context of a section whose times are the mailbox's) is called.
pub const MAILBOX_ZONE: &str = "The mailbox's time zone";

/// What reading the mailbox's time zone needs, for a connection of `connector`.
pub fn mailbox_settings_need(connector: Option<&Connector>) -> Need {
    let covered_by = vec![
        "MailboxSettings.Read".to_string(),
        "MailboxSettings.ReadWrite".to_string(),
    ];
    Need {
        permission: covered_by[0].clone(),
        wizard_feature: connector
            .and_then(|c| wizard_feature(c, &covered_by))
            .unwrap_or_else(|| "Mailbox settings".to_string()),
        covered_by,
    }
}

/// A section's failure in words, for a connection that asked for `requested` scopes. `feature` is what the
/// section shows, as a sentence starts ("The inbox"); `need` what it needs, when it needs a permission.
pub fn problem(
    e: &GraphError,
    feature: &str,
    need: Option<&Need>,
    requested: &[String],
) -> SectionProblem {
    let body = e.body();
    let detail = body.map(|b| b.summary()).or_else(|| match e {
        GraphError::Network { detail, .. } => Some(detail.clone()),
        GraphError::Decode(d) => Some(d.clone()),
        _ => None,
    });
    let request_id = body.and_then(|b| b.request_id.clone());
    let (kind, title, message, permission) = match (e, need) {
        // Signing in again asks for the same scopes: when this one was never asked for, say so instead of
        // offering a Fix that would end in the same refusal.
        (GraphError::Forbidden(_), Some(need)) if !need.requested_by(requested) => (
            ProblemKind::NotRequested,
            format!("{feature} needs permission {}.", need.permission),
            format!(
                "This connection was set up without it. To see this here, add a connection with \"{}\" ticked.",
                need.wizard_feature
            ),
            Some(need.permission.clone()),
        ),
        (GraphError::Forbidden(_), Some(need)) => (
            ProblemKind::MissingPermission,
            format!("{feature} needs permission {}.", need.permission),
            format!(
                "This connection was not granted {}. Use Fix to sign in again and grant it; if your organisation \
                 requires it, ask an administrator to consent.",
                need.permission
            ),
            Some(need.permission.clone()),
        ),
        (GraphError::Throttled { retry_after, .. }, _) => (
            ProblemKind::Throttled,
            format!("{feature} is not shown: Microsoft is limiting requests right now."),
            match retry_after {
                Some(d) => format!("Refresh in {} s.", d.as_secs().max(1)),
                None => "Refresh in a minute.".to_string(),
            },
            None,
        ),
        (GraphError::Server { .. } | GraphError::Network { .. }, _) => (
            ProblemKind::Unavailable,
            format!("{feature} could not be loaded: Microsoft Graph did not answer properly."),
            "This is usually brief. Refresh in a minute.".to_string(),
            None,
        ),
        (GraphError::Unauthorized(_), _) => (
            ProblemKind::SignInRefused,
            format!("{feature} could not be loaded: Microsoft did not accept this connection's sign-in."),
            "Patchbay renewed the sign-in and Microsoft still refused it. Use Fix to sign in again.".to_string(),
            None,
        ),
        _ => (
            ProblemKind::Other,
            format!("{feature} could not be loaded."),
            "Microsoft Graph's answer is below; Copy diagnostics has it too.".to_string(),
            None,
        ),
    };
    SectionProblem {
        kind,
        title,
        message,
        permission,
        detail,
        request_id,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::Catalogue;
    use crate::graph::{EmailAddress, GraphErrorBody};

    fn zone(name: &str) -> Zone {
        zone::resolve(name).unwrap()
    }

    fn t(date_time: &str, tz: &str) -> Option<DateTimeTimeZone> {
        Some(DateTimeTimeZone {
            date_time: date_time.into(),
            time_zone: Some(tz.into()),
        })
    }

    #[test]
    fn messages_keep_missing_values_missing() {
        let m = Message {
            id: "A".into(),
            subject: Some(String::new()),
            from: Some(crate::graph::mail::Recipient {
                email_address: Some(EmailAddress {
                    name: None,
                    address: Some("noreply@example.com".into()),
                }),
            }),
            received_date_time: Some("2026-11-29T08:15:00Z".into()),
            ..Message::default()
        };
        let out = message(m, &zone("W. Europe Standard Time"));
        assert_eq!(out.subject, None);
        assert_eq!(out.from_name, None);
        assert_eq!(out.from_address.as_deref(), Some("noreply@example.com"));
        assert_eq!(out.received.as_deref(), Some("2026-11-29T09:15:00+01:00"));
        assert_eq!(out.is_read, None);
    }

    #[test]
    fn event_times_move_into_the_mailbox_zone_whatever_zone_graph_used() {
        let berlin = zone("Europe/Berlin");
        let e = Event {
            id: "E".into(),
            // Graph answered in Pacific time (the zone asked for before the mailbox's was known).
            start: t("2026-11-30T08:00:00.0000000", "Pacific Standard Time"),
            end: t("2026-11-30T09:00:00.0000000", "Pacific Standard Time"),
            is_all_day: Some(false),
            ..Event::default()
        };
        let (out, span) = event(e, &TimeZone::UTC, &berlin);
        assert_eq!(out.start.as_deref(), Some("2026-11-30T17:00:00+01:00"));
        assert_eq!(out.end.as_deref(), Some("2026-11-30T18:00:00+01:00"));
        assert!(span.is_some());
    }

    #[test]
    fn an_unnamed_zone_is_the_one_asked_for_and_all_day_stays_midnight() {
        let tokyo = zone("Tokyo Standard Time");
        let e = Event {
            id: "E".into(),
            start: Some(DateTimeTimeZone {
                date_time: "2026-11-30T09:00:00.0000000".into(),
                time_zone: None,
            }),
            end: None,
            ..Event::default()
        };
        let (out, span) = event(e, &TimeZone::get("Europe/London").unwrap(), &tokyo);
        assert_eq!(out.start.as_deref(), Some("2026-11-30T18:00:00+09:00"));
        assert_eq!(out.end, None);
        assert!(span.is_none());

        let holiday = Event {
            id: "H".into(),
            start: t("2026-12-01T00:00:00.0000000", "UTC"),
            end: t("2026-12-04T00:00:00.0000000", "UTC"),
            is_all_day: Some(true),
            ..Event::default()
        };
        let (out, _) = event(holiday, &TimeZone::UTC, &tokyo);
        assert_eq!(out.start.as_deref(), Some("2026-12-01T00:00:00+09:00"));
        assert_eq!(out.end.as_deref(), Some("2026-12-04T00:00:00+09:00"));
    }

    #[test]
    fn the_window_is_calendar_days_in_the_zone_and_the_fetch_covers_every_zone() {
        let now: Timestamp = "2026-03-28T23:30:00Z".parse().unwrap();
        let berlin = zone("Europe/Berlin");
        // 00:30 on the 29th in Berlin, the day clocks go forward.
        let (start, end) = agenda_window(now, &berlin, 2).unwrap();
        assert_eq!(rfc3339(&start), "2026-03-29T00:00:00+01:00");
        assert_eq!(rfc3339(&end), "2026-03-31T00:00:00+02:00");
        let (from, to) = fetch_window(now, 2);
        for name in ["Pacific/Kiritimati", "Etc/GMT+12", "Europe/Berlin", "UTC"] {
            let (s, e) = agenda_window(now, &zone(name), 2).unwrap();
            assert!(
                s.timestamp() >= from.parse::<Timestamp>().unwrap(),
                "{name}"
            );
            assert!(e.timestamp() <= to.parse::<Timestamp>().unwrap(), "{name}");
        }
    }

    #[test]
    fn overlap_keeps_events_running_into_the_window_and_drops_those_outside() {
        let z = zone("UTC");
        let at = |s: &str| {
            s.parse::<Timestamp>()
                .unwrap()
                .to_zoned_datetime(z.tz.clone())
        };
        let window = (at("2026-11-30T00:00:00Z"), at("2026-12-07T00:00:00Z"));
        let span = |a: &str, b: &str| Some((at(a), at(b)));
        assert!(overlaps(
            &span("2026-11-29T22:00:00Z", "2026-11-30T06:00:00Z"),
            &window
        ));
        assert!(!overlaps(
            &span("2026-11-29T08:00:00Z", "2026-11-30T00:00:00Z"),
            &window
        ));
        assert!(!overlaps(
            &span("2026-12-07T00:00:00Z", "2026-12-07T01:00:00Z"),
            &window
        ));
        assert!(overlaps(
            &span("2026-11-30T00:00:00Z", "2026-11-30T00:00:00Z"),
            &window
        ));
        assert!(overlaps(&None, &window));
    }

    #[test]
    fn clocks_and_problems_read_as_words() {
        assert_eq!(hour12("h:mm tt"), Some(true));
        assert_eq!(hour12("HH:mm"), Some(false));
        assert_eq!(hour12("H:mm"), Some(false));
        assert_eq!(hour12(""), None);
        let forbidden = GraphError::Forbidden(GraphErrorBody {
            code: "ErrorAccessDenied".into(),
            message: "Access is denied. Check credentials and try again.".into(),
            request_id: Some("r-1".into()),
            ..GraphErrorBody::default()
        });
        let asked = vec![
            "openid".to_string(),
            "https://graph.microsoft.com/Calendars.ReadWrite".to_string(),
        ];
        let outlook = Catalogue::builtin().get("outlook365").unwrap().clone();
        let calendar = Need::of(
            outlook.capabilities.preview[1].needs.as_ref().unwrap(),
            &outlook,
        );
        let inbox = Need::of(
            outlook.capabilities.preview[0].needs.as_ref().unwrap(),
            &outlook,
        );
        let p = problem(&forbidden, "The calendar", Some(&calendar), &asked);
        assert_eq!(p.kind, ProblemKind::MissingPermission);
        assert_eq!(p.title, "The calendar needs permission Calendars.Read.");
        assert_eq!(p.permission.as_deref(), Some("Calendars.Read"));
        assert_eq!(p.request_id.as_deref(), Some("r-1"));
        assert!(p.detail.unwrap().starts_with("ErrorAccessDenied"));

        // Never asked for: Fix would ask for the same scopes again, so the words point to a new connection.
        let p = problem(
            &forbidden,
            "The calendar",
            Some(&calendar),
            &["Mail.Read".to_string()],
        );
        assert_eq!(p.kind, ProblemKind::NotRequested);
        assert!(p.message.contains("\"Read calendar\""), "{}", p.message);

        // Refused even after a refresh: a new sign-in is the fix.
        let refused = GraphError::Unauthorized(GraphErrorBody::default());
        assert_eq!(
            problem(&refused, "The inbox", Some(&inbox), &asked).kind,
            ProblemKind::SignInRefused
        );
    }
}
