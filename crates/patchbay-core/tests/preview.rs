//! The preview and `graph` calls against the sandbox's Graph over real HTTP: one round trip, the mailbox's time
//! zone, parts failing on their own, a refused token renewed once, throttling waited out, paging.

mod common;

use common::*;
use patchbay_core::catalogue::AuthType;
use patchbay_core::error::ErrorCode;
use patchbay_core::graph::{Collected, Request};
use patchbay_core::preview::{
    AgendaEvent, InboxMessage, Preview, PreviewOptions, ProblemKind, SectionBody, SectionContent,
};
use std::collections::HashSet;

const MEGAN: &str = "megan@contoso.example";

fn graph_requests(h: &Harness) -> u64 {
    h.sandbox.control().stats().graph_requests
}

fn token_requests(h: &Harness) -> u64 {
    h.sandbox.control().stats().token_requests.values().sum()
}

fn body<'a>(p: &'a Preview, id: &str) -> &'a SectionBody {
    &p.section(id)
        .unwrap_or_else(|| panic!("no section {id}"))
        .body
}

fn inbox(p: &Preview) -> &[InboxMessage] {
    match body(p, "inbox") {
        SectionBody::Loaded {
            content: SectionContent::Messages { items, .. },
        } => items,
        other => panic!("the inbox did not load: {other:?}"),
    }
}

fn inbox_next_link(p: &Preview) -> Option<String> {
    match body(p, "inbox") {
        SectionBody::Loaded {
            content: SectionContent::Messages { next_link, .. },
        } => next_link.clone(),
        other => panic!("the inbox did not load: {other:?}"),
    }
}

fn agenda(p: &Preview) -> &[AgendaEvent] {
    match body(p, "agenda") {
        SectionBody::Loaded {
            content: SectionContent::Events { items, .. },
        } => items,
        other => panic!("the agenda did not load: {other:?}"),
    }
}

fn instant(t: &Option<String>) -> jiff::Timestamp {
    t.as_deref().unwrap().parse().unwrap()
}

#[tokio::test]
async fn the_preview_is_one_round_trip_in_the_mailbox_time_zone() {
    let h = Harness::new().await;
    let c = h.connect_as(h.request(AuthType::BuiltInApp), ADELE).await;
    let (graph_before, tokens_before) = (graph_requests(&h), token_requests(&h));
    let p = h
        .core
        .preview(&c.id, PreviewOptions::default())
        .await
        .unwrap();
    assert_eq!(graph_requests(&h) - graph_before, 1, "one $batch");
    assert_eq!(
        token_requests(&h) - tokens_before,
        0,
        "the stored token is used"
    );

    // Adele's mailbox reports a Windows zone name.
    assert_eq!(p.time_zone.iana, "Europe/Berlin");
    assert_eq!(
        p.time_zone.reported.as_deref(),
        Some("W. Europe Standard Time")
    );
    assert!(p.time_zone.from_mailbox);
    assert_eq!(p.time_zone.hour12, Some(false));
    assert!(p.time_zone.problem.is_none());

    let messages = inbox(&p);
    assert_eq!(messages.len(), 25);
    let received: Vec<jiff::Timestamp> = messages.iter().map(|m| instant(&m.received)).collect();
    assert!(received.windows(2).all(|w| w[0] >= w[1]), "newest first");
    for m in messages {
        let r = m.received.as_deref().unwrap();
        assert!(
            r.ends_with("+01:00") || r.ends_with("+02:00"),
            "{r} in Berlin's offset"
        );
        assert!(m.web_link.as_deref().unwrap().starts_with("https://"));
        assert!(m.is_read.is_some() && m.has_attachments.is_some());
    }
    assert!(messages.iter().any(|m| m.is_read == Some(false)));
    assert!(messages.iter().any(|m| m.has_attachments == Some(true)));
    assert!(
        inbox_next_link(&p).is_some(),
        "more than 25 messages: a next page"
    );

    // The agenda: today and six more days in Berlin, in order, nothing outside them.
    let events = agenda(&p);
    assert!(!events.is_empty());
    let berlin = jiff::tz::TimeZone::get("Europe/Berlin").unwrap();
    let today = jiff::Timestamp::now()
        .to_zoned_datetime(berlin)
        .start_of_day()
        .unwrap();
    let window_start = today.timestamp();
    let window_end = today
        .checked_add(jiff::Span::new().days(7))
        .unwrap()
        .timestamp();
    for e in events {
        let (start, end) = (instant(&e.start), instant(&e.end));
        assert!(
            start < window_end && (end > window_start || start == window_start),
            "{e:?}"
        );
        let s = e.start.as_deref().unwrap();
        assert!(s.ends_with("+01:00") || s.ends_with("+02:00"), "{s}");
        if e.all_day == Some(true) {
            assert!(s.contains("T00:00:00"), "all-day starts at midnight: {s}");
        }
    }
    let starts: Vec<jiff::Timestamp> = events.iter().map(|e| instant(&e.start)).collect();
    assert!(starts.windows(2).all(|w| w[0] <= w[1]), "in order of start");
    assert!(events.iter().any(|e| e.all_day == Some(true)));
    assert!(events.iter().any(|e| e.cancelled == Some(true)));
    assert!(events.iter().any(|e| e.join_url.is_some()));

    // The last preview is kept (in memory) for the window to show at once.
    assert_eq!(h.core.cached_preview(&c.id), Some(p));
}

#[tokio::test]
async fn an_iana_mailbox_zone_is_used_as_reported() {
    let h = Harness::new().await;
    let c = h.connect_as(h.request(AuthType::BuiltInApp), MEGAN).await;
    let p = h
        .core
        .preview(&c.id, PreviewOptions::default())
        .await
        .unwrap();
    assert_eq!(p.time_zone.iana, "America/New_York");
    assert_eq!(p.time_zone.hour12, Some(true));
    let first = inbox(&p)[0].received.clone().unwrap();
    assert!(
        first.ends_with("-05:00") || first.ends_with("-04:00"),
        "{first}"
    );
}

#[tokio::test]
async fn without_calendar_permission_the_inbox_shows_and_the_agenda_names_it() {
    let h = Harness::new().await;
    let calendars: Vec<String> = [
        "Calendars.Read",
        "Calendars.ReadWrite",
        "Calendars.Read.Shared",
        "Calendars.ReadWrite.Shared",
    ]
    .map(String::from)
    .to_vec();
    h.sandbox
        .control()
        .deny_scopes(&h.core.builtin_app().client_id, calendars)
        .unwrap();
    let c = h.connect_as(h.request(AuthType::BuiltInApp), ADELE).await;
    let p = h
        .core
        .preview(&c.id, PreviewOptions::default())
        .await
        .unwrap();
    assert_eq!(inbox(&p).len(), 25);
    match body(&p, "agenda") {
        SectionBody::Failed { problem } => {
            assert_eq!(problem.kind, ProblemKind::MissingPermission);
            assert_eq!(problem.permission.as_deref(), Some("Calendars.Read"));
            assert_eq!(
                problem.title,
                "The calendar needs permission Calendars.Read."
            );
            assert!(problem
                .detail
                .as_deref()
                .unwrap()
                .starts_with("ErrorAccessDenied"));
            assert!(problem.request_id.is_some());
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_token_graph_refuses_is_renewed_once_and_the_batch_sent_again() {
    let h = Harness::new().await;
    let c = h.connect_as(h.request(AuthType::BuiltInApp), ADELE).await;
    // Still valid by its expiry time, but Graph no longer accepts it.
    assert!(
        h.sandbox
            .control()
            .expire_access_tokens(Some(ADELE))
            .unwrap()
            >= 1
    );
    let (graph_before, tokens_before) = (graph_requests(&h), token_requests(&h));
    let p = h
        .core
        .preview(&c.id, PreviewOptions::default())
        .await
        .unwrap();
    assert_eq!(inbox(&p).len(), 25);
    assert_eq!(token_requests(&h) - tokens_before, 1, "one refresh");
    assert_eq!(
        graph_requests(&h) - graph_before,
        2,
        "refused, then answered"
    );
}

#[tokio::test]
async fn a_throttled_batch_waits_as_told_then_answers() {
    let h = Harness::new().await;
    let c = h.connect_as(h.request(AuthType::BuiltInApp), ADELE).await;
    h.sandbox.control().fail_next(429, 1, Some(1)).unwrap();
    let started = std::time::Instant::now();
    let p = h
        .core
        .preview(&c.id, PreviewOptions::default())
        .await
        .unwrap();
    assert!(
        started.elapsed() >= std::time::Duration::from_secs(1),
        "Retry-After honoured"
    );
    assert_eq!(inbox(&p).len(), 25);
}

#[tokio::test]
async fn load_more_and_paginate_visit_every_message_once() {
    let h = Harness::new().await;
    let c = h.connect_as(h.request(AuthType::BuiltInApp), ADELE).await;
    let p = h
        .core
        .preview(&c.id, PreviewOptions::default())
        .await
        .unwrap();
    let mut seen: Vec<String> = inbox(&p).iter().map(|m| m.id.clone()).collect();
    let mut next_link = inbox_next_link(&p);
    while let Some(link) = next_link {
        let page = h.core.more_inbox(&c.id, &link).await.unwrap();
        seen.extend(page.items.iter().map(|m| m.id.clone()));
        next_link = page.next_link;
    }
    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "no message twice");
    assert!(seen.len() >= 50, "the whole demo inbox: {}", seen.len());

    let request = Request::get("me/mailFolders/inbox/messages")
        .query("$select", "id")
        .query("$top", "7");
    let graph = h.core.graph(&c.id).await.unwrap();
    match graph.pages(&request).await.unwrap() {
        Collected::Items(items) => assert_eq!(items.len(), seen.len()),
        Collected::Failed(r) => panic!("HTTP {}", r.status),
    }
    // A resource, not a list: --paginate says so.
    let e = graph.pages(&Request::get("me")).await.unwrap_err();
    assert!(e.title.contains("not a list"), "{e:?}");
    // A link outside the connection's Graph is never followed.
    let e = h
        .core
        .more_inbox(&c.id, "https://evil.example/v1.0/me/messages")
        .await
        .unwrap_err();
    assert!(e.title.contains("outside Microsoft Graph"), "{e:?}");
}

#[tokio::test]
async fn a_revoked_connection_says_to_sign_in_again() {
    let h = Harness::new().await;
    let c = h.connect_as(h.request(AuthType::BuiltInApp), ADELE).await;
    h.sandbox.control().revoke_user(ADELE).unwrap();
    h.sandbox
        .control()
        .expire_access_tokens(Some(ADELE))
        .unwrap();
    let e = h
        .core
        .preview(&c.id, PreviewOptions::default())
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::RefreshTokenRevoked, "{e:?}");
}
