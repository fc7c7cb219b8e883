//! The demo mailbox over real HTTP: messages, calendar view and mailbox settings in Graph v1.0's shapes.

mod common;

use std::collections::HashSet;

use common::*;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use patchbay_sandbox::Sandbox;
use reqwest::StatusCode;
use serde_json::{json, Value};

fn values(body: &Value) -> Vec<Value> {
    body["value"].as_array().cloned().unwrap_or_default()
}

fn anchor(sb: &Sandbox) -> Timestamp {
    Timestamp::try_from(sb.control().demo_anchor()).expect("anchor")
}

/// Day 0 of the demo week in `zone` (an IANA name).
fn today(sb: &Sandbox, zone: &str) -> Date {
    TimeZone::get(zone)
        .expect("zone")
        .to_datetime(anchor(sb))
        .date()
}

/// Graph's local format for `date` + `hh:mm` in Berlin, seen in `zone` (IANA).
fn berlin_wall_time_in(date: Date, hh: i8, mm: i8, zone: &str) -> String {
    let instant = TimeZone::get("Europe/Berlin")
        .expect("Berlin")
        .to_timestamp(date.at(hh, mm, 0, 0))
        .expect("instant");
    let local = TimeZone::get(zone).expect("zone").to_datetime(instant);
    format!("{}.0000000", local.strftime("%Y-%m-%dT%H:%M:%S"))
}

fn utc_midnight_iso(date: Date, zone: &str) -> String {
    TimeZone::get(zone)
        .expect("zone")
        .to_timestamp(date.at(0, 0, 0, 0))
        .expect("instant")
        .to_string()
}

fn find<'a>(events: &'a [Value], subject: &str) -> &'a Value {
    events
        .iter()
        .find(|e| e["subject"] == subject)
        .unwrap_or_else(|| panic!("no event '{subject}' in {events:#?}"))
}

#[tokio::test]
async fn inbox_top_25_newest_first_with_select() {
    let (sb, client) = start().await;
    let token = access_token(&client, &sb, "adele@contoso.example", MAILBOX_SCOPES).await;
    let url = graph(
        &sb,
        "/me/mailFolders/inbox/messages?$top=25&$orderby=receivedDateTime%20desc&$select=subject,from,receivedDateTime,isRead",
    );
    let answer = graph_get(&client, &url, &token, None).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert!(answer.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    let body = answer.body;
    assert!(body["@odata.context"]
        .as_str()
        .unwrap()
        .ends_with("/messages(subject,from,receivedDateTime,isRead)"));
    let messages = values(&body);
    assert_eq!(messages.len(), 25);
    let allowed: HashSet<&str> = [
        "@odata.etag",
        "id",
        "subject",
        "from",
        "receivedDateTime",
        "isRead",
    ]
    .into();
    for m in &messages {
        let keys: HashSet<&str> = m.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, allowed, "{m}");
    }
    let received: Vec<Timestamp> = messages
        .iter()
        .map(|m| m["receivedDateTime"].as_str().unwrap().parse().unwrap())
        .collect();
    assert!(received.windows(2).all(|w| w[0] > w[1]), "newest first");
    let age = anchor(&sb).duration_since(received[0]);
    assert!(age.as_secs() > 0 && age.as_secs() < 10 * 60, "{age:?}");
    assert_eq!(
        messages[0]["subject"],
        "Re: Window display for the winter campaign"
    );
    assert_eq!(
        messages[0]["from"],
        json!({"emailAddress": {"name": "Megan Bowen", "address": "megan@contoso.example"}})
    );
    assert_eq!(messages[0]["isRead"], false);
    let next = body["@odata.nextLink"].as_str().unwrap();
    let base = sb.base_url().as_str().trim_end_matches('/').to_string();
    assert!(
        next.starts_with(&format!("{base}/graph/v1.0/me/mailFolders/inbox/messages?")),
        "{next}"
    );
    assert!(next.contains("%24skip=25"), "{next}");

    // OData key syntax and a different case name the same folder.
    let answer = graph_get(
        &client,
        &graph(
            &sb,
            "/me/mailFolders('Inbox')/messages?$top=1&$select=subject",
        ),
        &token,
        None,
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(values(&answer.body)[0]["id"], messages[0]["id"]);
    // Other well-known folders exist, but are empty; unknown ones do not.
    let answer = graph_get(
        &client,
        &graph(&sb, "/me/mailFolders/sentitems/messages"),
        &token,
        None,
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(values(&answer.body).len(), 0);
    let answer = graph_get(
        &client,
        &graph(&sb, "/me/mailFolders/nope/messages"),
        &token,
        None,
    )
    .await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    assert_eq!(answer.body["error"]["code"], "ErrorItemNotFound");
}

#[tokio::test]
async fn the_awkward_messages_are_there() {
    let (sb, client) = start().await;
    let token = access_token(&client, &sb, "megan@contoso.example", MAILBOX_SCOPES).await;
    let answer = graph_get(&client, &graph(&sb, "/me/messages?$top=100"), &token, None).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert!(answer.body.get("@odata.nextLink").is_none());
    let messages = values(&answer.body);
    assert_eq!(messages.len(), 60);

    let by_subject = |s: &str| messages.iter().find(|m| m["subject"] == s);
    let empty = by_subject("").expect("a message with an empty subject");
    assert_eq!(empty["hasAttachments"], true);
    let nameless = messages
        .iter()
        .find(|m| m["from"]["emailAddress"]["address"] == "noreply@woodgrovebank.example")
        .expect("the sender without a name");
    assert!(nameless["from"]["emailAddress"].get("name").is_none());
    assert!(nameless["sender"]["emailAddress"].get("name").is_none());
    assert!(messages
        .iter()
        .any(|m| m["subject"].as_str().unwrap().chars().count() > 200));
    for subject in [
        "【ご確認ください】12月の販売促進キャンペーンについて",
        "تأكيد الحجز: فندق الواحة، دبي",
        "Πρόσκληση: Συνέδριο Λιανικής Αθήνας",
        "Отчёт о продажах за неделю",
        "🎉 Team lunch on Friday — vote for the place! 🍕🌮🍣",
    ] {
        assert!(by_subject(subject).is_some(), "{subject}");
    }
    let with_attachments = messages
        .iter()
        .filter(|m| m["hasAttachments"] == true)
        .count();
    assert!(with_attachments >= 5, "{with_attachments}");
    for importance in ["low", "normal", "high"] {
        assert!(messages.iter().any(|m| m["importance"] == importance));
    }
    let unread = messages.iter().filter(|m| m["isRead"] == false).count();
    assert!((14..=26).contains(&unread), "{unread} unread");
    assert!(messages
        .iter()
        .any(|m| m["inferenceClassification"] == "other"));
    assert!(messages
        .iter()
        .any(|m| m["bodyPreview"].as_str().unwrap().contains("\r\n")));
    let mut ids = HashSet::new();
    for m in &messages {
        let id = m["id"].as_str().unwrap();
        assert!(id.starts_with("AAMkAD"), "{id}");
        assert!(ids.insert(id.to_string()), "duplicate {id}");
        assert!(m["bodyPreview"].as_str().unwrap().chars().count() <= 255);
        assert_eq!(m["isDraft"], false);
        assert_eq!(m["flag"]["flagStatus"], "notFlagged");
        assert_eq!(
            m["@odata.etag"],
            format!("W/\"{}\"", m["changeKey"].as_str().unwrap())
        );
        assert!(m["webLink"]
            .as_str()
            .unwrap()
            .starts_with("https://outlook.office365.com/owa/?ItemID=AAMkAD"));
        assert!(m["webLink"]
            .as_str()
            .unwrap()
            .ends_with("%3D%3D&exvsurl=1&viewmodel=ReadMessageItem"));
        for field in [
            "createdDateTime",
            "lastModifiedDateTime",
            "receivedDateTime",
            "sentDateTime",
        ] {
            let t = m[field].as_str().unwrap();
            assert_eq!(t.len(), 20, "{field}: {t}");
            assert!(t.ends_with('Z') && t.parse::<Timestamp>().is_ok(), "{t}");
        }
        assert!(!m["toRecipients"].as_array().unwrap().is_empty());
        assert!(m["conversationId"].as_str().unwrap().starts_with("AAQkAD"));
        assert!(m["parentFolderId"].as_str().unwrap().starts_with("AQMkAD"));
        assert!(["focused", "other"].contains(&m["inferenceClassification"].as_str().unwrap()));
    }
    // Everything within the last three weeks.
    let oldest: Timestamp = messages[59]["receivedDateTime"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(anchor(&sb).duration_since(oldest).as_hours() <= 21 * 24);

    // One message by ID, with a plain-text body on request.
    let id = empty["id"].as_str().unwrap();
    let answer = graph_get(
        &client,
        &graph(&sb, &format!("/me/messages/{id}?$select=subject,body")),
        &token,
        Some("outlook.body-content-type=\"text\""),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.body["body"]["contentType"], "text");
    assert_eq!(
        answer.headers["preference-applied"],
        "outlook.body-content-type=\"text\""
    );
}

#[tokio::test]
async fn paging_visits_every_message_exactly_once() {
    let (sb, client) = start().await;
    let token = access_token(&client, &sb, "alex@contoso.example", MAILBOX_SCOPES).await;
    let mut url = graph(&sb, "/me/messages?$top=7&$select=subject,receivedDateTime");
    let mut seen: Vec<(String, String)> = Vec::new();
    let mut pages = 0;
    loop {
        let answer = graph_get(&client, &url, &token, None).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        pages += 1;
        for m in values(&answer.body) {
            assert!(m.get("bodyPreview").is_none(), "$select kept across pages");
            seen.push((
                m["id"].as_str().unwrap().to_string(),
                m["receivedDateTime"].as_str().unwrap().to_string(),
            ));
        }
        match answer.body["@odata.nextLink"].as_str() {
            Some(next) => url = next.to_string(),
            None => break,
        }
    }
    assert_eq!(pages, 9);
    assert_eq!(seen.len(), 60);
    let unique: HashSet<&String> = seen.iter().map(|(id, _)| id).collect();
    assert_eq!(unique.len(), 60);
    assert!(seen.windows(2).all(|w| w[0].1 > w[1].1));
    assert_eq!(sb.control().stats().graph_requests, 9);

    // Oldest first on request.
    let answer = graph_get(
        &client,
        &graph(
            &sb,
            "/me/messages?$orderby=receivedDateTime%20asc&$top=1&$select=id",
        ),
        &token,
        None,
    )
    .await;
    assert_eq!(values(&answer.body)[0]["id"], seen[59].0.as_str());
}

#[tokio::test]
async fn filter_and_query_option_errors() {
    let (sb, client) = start().await;
    let token = access_token(&client, &sb, "adele@contoso.example", MAILBOX_SCOPES).await;
    let all = graph_get(
        &client,
        &graph(&sb, "/me/messages?$top=100&$select=receivedDateTime,isRead"),
        &token,
        None,
    )
    .await;
    let all = values(&all.body);
    let cutoff = all[11]["receivedDateTime"].as_str().unwrap().to_string();
    let answer = graph_get(
        &client,
        &graph(
            &sb,
            &format!("/me/messages?$top=100&$filter=receivedDateTime%20ge%20{cutoff}"),
        ),
        &token,
        None,
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(values(&answer.body).len(), 12);

    let answer = graph_get(
        &client,
        &graph(
            &sb,
            &format!(
                "/me/messages?$top=100&$filter=receivedDateTime lt {cutoff} and isRead eq false"
            ),
        ),
        &token,
        None,
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let expected = all[12..].iter().filter(|m| m["isRead"] == false).count();
    assert_eq!(values(&answer.body).len(), expected);
    assert!(values(&answer.body).iter().all(|m| m["isRead"] == false));

    for (query, status, code) in [
        ("$filter=subject eq 'x'", 400, "BadRequest"),
        ("$filter=receivedDateTime ge 'yesterday'", 400, "BadRequest"),
        ("$select=subject,colour", 400, "RequestBroker--ParseUri"),
        ("$top=0", 400, "ErrorInvalidParameter"),
        ("$top=1001", 400, "ErrorInvalidParameter"),
        ("$orderby=nonsense desc", 400, "RequestBroker--ParseUri"),
    ] {
        let answer = graph_get(
            &client,
            &graph(&sb, &format!("/me/messages?{query}")),
            &token,
            None,
        )
        .await;
        assert_eq!(answer.status.as_u16(), status, "{query}: {}", answer.body);
        assert_eq!(answer.body["error"]["code"], code, "{query}");
        assert!(answer.body["error"]["innerError"]["request-id"].is_string());
    }
    let answer = graph_get(
        &client,
        &graph(&sb, "/me/messages?$select=colour"),
        &token,
        None,
    )
    .await;
    assert_eq!(
        answer.body["error"]["message"],
        "Could not find a property named 'colour' on type 'Microsoft.OutlookServices.Message'."
    );
}

#[tokio::test]
async fn calendar_view_in_windows_iana_and_utc() {
    let (sb, client) = start().await;
    let token = access_token(&client, &sb, "adele@contoso.example", MAILBOX_SCOPES).await;
    let day0 = today(&sb, "Europe/Berlin");
    let day1 = day0.checked_add(1.day()).unwrap();
    let url = graph(
        &sb,
        &format!(
            "/me/calendarView?startDateTime={}&endDateTime={}&$top=100",
            utc_midnight_iso(day0, "Europe/Berlin"),
            utc_midnight_iso(day0.checked_add(7.days()).unwrap(), "Europe/Berlin"),
        ),
    );

    // A Windows name: wall times in Munich, the name echoed as given.
    let answer = graph_get(
        &client,
        &url,
        &token,
        Some("outlook.timezone=\"W. Europe Standard Time\""),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(
        answer.headers["preference-applied"],
        "outlook.timezone=\"W. Europe Standard Time\""
    );
    let events = values(&answer.body);
    let planning = find(&events, "Quarterly planning");
    assert_eq!(
        planning["start"],
        json!({"dateTime": format!("{day1}T14:00:00.0000000"), "timeZone": "W. Europe Standard Time"})
    );
    assert_eq!(
        planning["end"]["dateTime"],
        format!("{day1}T15:30:00.0000000")
    );
    assert_eq!(planning["isOnlineMeeting"], true);
    assert_eq!(planning["onlineMeetingProvider"], "teamsForBusiness");
    assert!(planning["onlineMeeting"]["joinUrl"]
        .as_str()
        .unwrap()
        .starts_with("https://teams.microsoft.com/l/meetup-join/"));
    assert_eq!(
        planning["location"]["displayName"],
        "Conference Room Rainier"
    );
    assert_eq!(planning["organizer"]["emailAddress"]["name"], "Lee Gu");
    assert_eq!(planning["isOrganizer"], false);
    assert_eq!(planning["type"], "singleInstance");
    assert_eq!(planning["seriesMasterId"], Value::Null);
    assert!(planning["webLink"]
        .as_str()
        .unwrap()
        .ends_with("&exvsurl=1&path=/calendar/item"));
    assert!(planning["attendees"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["emailAddress"]["address"] == "adele@contoso.example"
            && a["type"] == "required"
            && a["status"]["response"] == "accepted"));

    // Sorted by start; everything overlapping the window, nothing outside it.
    let starts: Vec<&str> = events
        .iter()
        .filter(|e| e["isAllDay"] == false)
        .map(|e| e["start"]["dateTime"].as_str().unwrap())
        .collect();
    assert!(starts.windows(2).all(|w| w[0] <= w[1]));
    for outside in [
        "Campaign retrospective",
        "Team building day",
        "Monthly all-hands",
        "Board meeting prep",
        "Out of office",
    ] {
        assert!(
            !events.iter().any(|e| e["subject"] == outside),
            "{outside} is outside the window"
        );
    }
    // The catch-up is today, after the anchor.
    let catch_up = events
        .iter()
        .find(|e| e["subject"] == "Catch-up with Megan")
        .expect("catch-up today");
    assert!(catch_up["start"]["dateTime"]
        .as_str()
        .unwrap()
        .starts_with(&day0.to_string()));

    // The all-day events stay at midnight, the multi-day one spans three days.
    let summit = find(&events, "Contoso Partner Summit (Seattle)");
    let day4 = day0.checked_add(4.days()).unwrap();
    let day7 = day0.checked_add(7.days()).unwrap();
    assert_eq!(summit["isAllDay"], true);
    assert_eq!(summit["showAs"], "workingElsewhere");
    assert_eq!(
        summit["start"]["dateTime"],
        format!("{day4}T00:00:00.0000000")
    );
    assert_eq!(
        summit["end"]["dateTime"],
        format!("{day7}T00:00:00.0000000")
    );
    let birthday = find(&events, "Megan's birthday 🎂");
    assert_eq!(birthday["showAs"], "free");

    // The stand-up series: occurrences of one master, one of them moved by 30 minutes.
    let standups: Vec<&Value> = events
        .iter()
        .filter(|e| e["subject"] == "Daily stand-up")
        .collect();
    assert!(standups.len() >= 4, "{}", standups.len());
    let master = &standups[0]["seriesMasterId"];
    assert!(master.is_string());
    assert!(standups.iter().all(|e| &e["seriesMasterId"] == master));
    let moved: Vec<&&Value> = standups
        .iter()
        .filter(|e| e["type"] == "exception")
        .collect();
    assert_eq!(moved.len(), 1);
    assert!(moved[0]["start"]["dateTime"]
        .as_str()
        .unwrap()
        .ends_with("T09:45:00.0000000"));
    assert!(standups
        .iter()
        .filter(|e| e["type"] == "occurrence")
        .all(|e| e["start"]["dateTime"]
            .as_str()
            .unwrap()
            .ends_with("T09:15:00.0000000")));

    // The rest of the cast.
    let flight = find(&events, "Overnight flight CT 481 to Seattle");
    let day3 = day0.checked_add(3.days()).unwrap();
    assert_eq!(
        flight["start"]["dateTime"],
        format!("{day3}T22:00:00.0000000")
    );
    assert_eq!(
        flight["end"]["dateTime"],
        format!("{day4}T06:00:00.0000000")
    );
    let cancelled = events
        .iter()
        .find(|e| e["isCancelled"] == true)
        .expect("a cancelled meeting");
    assert!(cancelled["subject"]
        .as_str()
        .unwrap()
        .starts_with("Canceled: "));
    let redmond = find(&events, "Product roadmap review (Redmond)");
    assert_eq!(redmond["originalStartTimeZone"], "Pacific Standard Time");
    let focus = find(&events, "Focus time: budget review");
    assert_eq!(focus["location"]["displayName"], "");
    assert_eq!(focus["locations"], json!([]));
    assert_eq!(focus["onlineMeeting"], Value::Null);
    assert_eq!(focus["onlineMeetingProvider"], "unknown");
    assert_eq!(
        find(&events, "Lunch & learn: Power BI tips")["showAs"],
        "tentative"
    );
    assert_eq!(find(&events, "Dentist appointment")["showAs"], "oof");
    assert!(find(&events, "週次レビュー（東京チーム）")["isOnlineMeeting"] == true);
    assert!(events
        .iter()
        .any(|e| e["subject"].as_str().unwrap().chars().count() > 100));
    assert!(
        events
            .iter()
            .filter(|e| e["isOnlineMeeting"] == true)
            .count()
            >= 5
    );

    // An IANA name: the same meeting at New York's wall time.
    let answer = graph_get(
        &client,
        &url,
        &token,
        Some("odata.maxpagesize=50, outlook.timezone=\"America/New_York\""),
    )
    .await;
    assert_eq!(
        answer.headers["preference-applied"],
        "outlook.timezone=\"America/New_York\""
    );
    let events = values(&answer.body);
    let planning = find(&events, "Quarterly planning");
    assert_eq!(
        planning["start"],
        json!({"dateTime": berlin_wall_time_in(day1, 14, 0, "America/New_York"), "timeZone": "America/New_York"})
    );
    let summit = find(&events, "Contoso Partner Summit (Seattle)");
    assert_eq!(
        summit["start"]["dateTime"],
        format!("{day4}T00:00:00.0000000")
    );
    assert_eq!(summit["start"]["timeZone"], "America/New_York");

    // No preference (or one that does not resolve): UTC, nothing applied.
    for prefer in [None, Some("outlook.timezone=\"Atlantis/Capital\"")] {
        let answer = graph_get(&client, &url, &token, prefer).await;
        assert_eq!(answer.status, StatusCode::OK);
        assert!(answer.headers.get("preference-applied").is_none());
        let events = values(&answer.body);
        let planning = find(&events, "Quarterly planning");
        assert_eq!(
            planning["start"],
            json!({"dateTime": berlin_wall_time_in(day1, 14, 0, "UTC"), "timeZone": "UTC"})
        );
        let summit = find(&events, "Contoso Partner Summit (Seattle)");
        assert_eq!(
            summit["start"]["dateTime"],
            format!("{day4}T00:00:00.0000000")
        );
    }
}

#[tokio::test]
async fn calendar_view_pages_and_checks_its_window() {
    let (sb, client) = start().await;
    let token = access_token(&client, &sb, "megan@contoso.example", MAILBOX_SCOPES).await;
    let day0 = today(&sb, "America/New_York");
    let start = format!("{day0}T00:00:00");
    let end = format!("{}T00:00:00", day0.checked_add(14.days()).unwrap());
    let mut url = graph(
        &sb,
        &format!("/me/calendar/calendarView?startDateTime={start}&endDateTime={end}&$top=5&$select=subject,start,end"),
    );
    let mut ids = Vec::new();
    loop {
        let answer = graph_get(
            &client,
            &url,
            &token,
            Some("outlook.timezone=\"Eastern Standard Time\""),
        )
        .await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        for e in values(&answer.body) {
            assert_eq!(e["start"]["timeZone"], "Eastern Standard Time");
            assert!(e.get("attendees").is_none());
            ids.push(e["id"].as_str().unwrap().to_string());
        }
        match answer.body["@odata.nextLink"].as_str() {
            Some(next) => {
                assert!(next.contains("startDateTime="), "{next}");
                url = next.to_string();
            }
            None => break,
        }
    }
    let unique: HashSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len());
    assert!(ids.len() > 20, "{}", ids.len());

    for query in [
        "",
        "?startDateTime=2026-01-01T00:00:00Z",
        "?startDateTime=soon&endDateTime=later",
    ] {
        let answer = graph_get(
            &client,
            &graph(&sb, &format!("/me/calendarView{query}")),
            &token,
            None,
        )
        .await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST);
        assert_eq!(answer.body["error"]["code"], "ErrorInvalidParameter");
        assert_eq!(
            answer.body["error"]["message"],
            "This request requires a time window specified by the query string parameters StartDateTime and EndDateTime."
        );
    }
    let answer = graph_get(
        &client,
        &graph(
            &sb,
            &format!("/me/calendarView?startDateTime={start}&endDateTime={end}&$select=colour"),
        ),
        &token,
        None,
    )
    .await;
    assert_eq!(
        answer.body["error"]["message"],
        "Could not find a property named 'colour' on type 'Microsoft.OutlookServices.Event'."
    );
}

#[tokio::test]
async fn scopes_are_checked_per_resource() {
    let (sb, client) = start().await;
    // The common test scopes: User.Read and Mail.Read, no calendar or mailbox settings.
    let token = access_token(&client, &sb, "adele@contoso.example", SCOPES).await;
    let answer = graph_get(&client, &graph(&sb, "/me/messages?$top=1"), &token, None).await;
    assert_eq!(answer.status, StatusCode::OK);
    for path in [
        "/me/calendarView?startDateTime=2026-01-01T00:00:00Z&endDateTime=2026-01-08T00:00:00Z",
        "/me/mailboxSettings",
    ] {
        let answer = graph_get(&client, &graph(&sb, path), &token, None).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{path}");
        assert_eq!(answer.body["error"]["code"], "ErrorAccessDenied");
        assert_eq!(
            answer.body["error"]["message"],
            "Access is denied. Check credentials and try again."
        );
    }
    let token = access_token(
        &client,
        &sb,
        "adele@contoso.example",
        "openid User.Read Calendars.Read",
    )
    .await;
    let answer = graph_get(&client, &graph(&sb, "/me/messages"), &token, None).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert_eq!(answer.body["error"]["code"], "ErrorAccessDenied");
    let answer = graph_get(&client, &graph(&sb, "/me/contacts/x"), &token, None).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        answer.body["error"]["message"],
        "Resource not found for the segment 'contacts'."
    );
}

#[tokio::test]
async fn mailbox_settings_and_the_time_zone_control() {
    let (sb, client) = start().await;
    let token = access_token(&client, &sb, "adele@contoso.example", MAILBOX_SCOPES).await;
    let answer = graph_get(&client, &graph(&sb, "/me/mailboxSettings"), &token, None).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let s = &answer.body;
    assert!(s["@odata.context"]
        .as_str()
        .unwrap()
        .ends_with("/mailboxSettings"));
    assert_eq!(s["timeZone"], "W. Europe Standard Time");
    assert_eq!(s["dateFormat"], "dd.MM.yyyy");
    assert_eq!(s["timeFormat"], "HH:mm");
    assert_eq!(
        s["language"],
        json!({"locale": "de-DE", "displayName": "German (Germany)"})
    );
    assert_eq!(
        s["workingHours"]["timeZone"]["name"],
        "W. Europe Standard Time"
    );
    assert_eq!(s["workingHours"]["startTime"], "08:00:00.0000000");
    assert_eq!(s["automaticRepliesSetting"]["status"], "disabled");
    assert_eq!(
        s["delegateMeetingMessageDeliveryOptions"],
        "sendToDelegateOnly"
    );
    assert_eq!(s["userPurpose"], "user");

    let answer = graph_get(
        &client,
        &graph(&sb, "/me/mailboxSettings?$select=timeZone"),
        &token,
        None,
    )
    .await;
    let keys: Vec<&String> = answer.body.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["@odata.context", "timeZone"]);

    // Megan's zone is an IANA name.
    let megan = access_token(&client, &sb, "megan@contoso.example", MAILBOX_SCOPES).await;
    let answer = graph_get(&client, &graph(&sb, "/me/mailboxSettings"), &megan, None).await;
    assert_eq!(answer.body["timeZone"], "America/New_York");
    assert_eq!(answer.body["timeFormat"], "h:mm tt");

    // Adele moves to Redmond: her settings say so and her week is laid out there.
    sb.control()
        .set_mailbox_time_zone("adele@contoso.example", "Pacific Standard Time")
        .unwrap();
    assert_eq!(
        sb.control()
            .mailbox_time_zone("adele@contoso.example")
            .unwrap(),
        "Pacific Standard Time"
    );
    let answer = graph_get(&client, &graph(&sb, "/me/mailboxSettings"), &token, None).await;
    assert_eq!(answer.body["timeZone"], "Pacific Standard Time");
    assert_eq!(
        answer.body["workingHours"]["timeZone"]["name"],
        "Pacific Standard Time"
    );
    let day0 = today(&sb, "America/Los_Angeles");
    let day1 = day0.checked_add(1.day()).unwrap();
    let url = graph(
        &sb,
        &format!(
            "/me/calendarView?startDateTime={}&endDateTime={}&$top=100",
            utc_midnight_iso(day0, "America/Los_Angeles"),
            utc_midnight_iso(day0.checked_add(7.days()).unwrap(), "America/Los_Angeles"),
        ),
    );
    let answer = graph_get(
        &client,
        &url,
        &token,
        Some("outlook.timezone=\"Pacific Standard Time\""),
    )
    .await;
    let planning = find(&values(&answer.body), "Quarterly planning").clone();
    assert_eq!(
        planning["start"]["dateTime"],
        format!("{day1}T14:00:00.0000000")
    );

    // Over HTTP too, with the same checks.
    let post = |body: Value| {
        let client = client.clone();
        let url = sb.base_url().join("_sandbox/mailbox-timezone").unwrap();
        async move {
            let resp = client.post(url).json(&body).send().await.unwrap();
            (resp.status(), resp.json::<Value>().await.unwrap())
        }
    };
    let (status, body) =
        post(json!({"email": "adele@contoso.example", "time_zone": "Europe/Paris"})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let answer = graph_get(&client, &graph(&sb, "/me/mailboxSettings"), &token, None).await;
    assert_eq!(answer.body["timeZone"], "Europe/Paris");
    let (status, _) =
        post(json!({"email": "adele@contoso.example", "time_zone": "Mars/Olympus"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = post(json!({"email": "ghost@contoso.example", "time_zone": "UTC"})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The home page shows each mailbox's zone.
    let page = get(&client, &sb.base_url().join("_sandbox/").unwrap()).await;
    assert!(page.html.contains("Europe/Paris"));
    assert!(page.html.contains("America/New_York"));

    // A reset brings the defaults back.
    sb.control().reset();
    assert_eq!(
        sb.control()
            .mailbox_time_zone("adele@contoso.example")
            .unwrap(),
        "W. Europe Standard Time"
    );
}

#[tokio::test]
async fn the_profile_honours_select() {
    let (sb, client) = start().await;
    let token = access_token(&client, &sb, "adele@contoso.example", MAILBOX_SCOPES).await;
    let answer = graph_get(
        &client,
        &graph(&sb, "/me?$select=displayName,MAIL"),
        &token,
        None,
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let body = answer.body.as_object().expect("an object");
    let keys: HashSet<&str> = body.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        HashSet::from(["@odata.context", "displayName", "mail"]),
        "{body:?}"
    );
    assert!(body["@odata.context"]
        .as_str()
        .unwrap()
        .ends_with("/$metadata#users(displayName,mail)/$entity"));
    assert_eq!(body["mail"], "adele@contoso.example");

    let all = graph_get(&client, &graph(&sb, "/me"), &token, None).await;
    assert_eq!(all.body["jobTitle"], "Retail Manager");
    assert!(all.body["@odata.context"]
        .as_str()
        .unwrap()
        .ends_with("/$metadata#users/$entity"));

    let unknown = graph_get(&client, &graph(&sb, "/me?$select=shoeSize"), &token, None).await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST, "{}", unknown.body);
}
