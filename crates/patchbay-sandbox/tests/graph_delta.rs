//! Delta queries over real HTTP: delivered mail in the plain listing as well as in delta; the calendar view's
//! delta with its window carried in the tokens, a change and a deletion; and a token of another run of the
//! sandbox answered 410, as Graph answers a sync state it no longer has.

mod common;

use common::*;
use patchbay_sandbox::{EventChange, SandboxOptions};
use reqwest::StatusCode;
use serde_json::Value;

const ADELE: &str = "adele@contoso.example";

fn values(body: &Value) -> Vec<Value> {
    body["value"].as_array().cloned().unwrap_or_default()
}

/// Follow a round to its deltaLink: every item, and the deltaLink.
async fn whole_round(client: &reqwest::Client, first: &str, token: &str) -> (Vec<Value>, String) {
    let mut items = Vec::new();
    let mut url = first.to_string();
    loop {
        let page = graph_get(client, &url, token, Some("odata.maxpagesize=20")).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        items.extend(values(&page.body));
        if let Some(next) = page.body["@odata.nextLink"].as_str() {
            url = next.to_string();
        } else {
            return (
                items,
                page.body["@odata.deltaLink"]
                    .as_str()
                    .expect("a deltaLink")
                    .to_string(),
            );
        }
    }
}

#[tokio::test]
async fn delivered_mail_is_listed_and_a_token_of_another_run_is_gone() {
    let tenant = tempfile::tempdir().unwrap();
    let opts = || SandboxOptions {
        control: true,
        tenant_file: Some(tenant.path().join("tenant.json")),
        ..SandboxOptions::default()
    };
    let (a, client) = start_with(opts()).await;
    let token = access_token(&client, &a, ADELE, MAILBOX_SCOPES).await;
    let (_, link) = whole_round(
        &client,
        &graph(&a, "/me/mailFolders/inbox/messages/delta"),
        &token,
    )
    .await;
    let id = a
        .control()
        .deliver_mail(
            ADELE,
            ("Ada", "ada@contoso.example"),
            "Hello there",
            "The body.",
            true,
        )
        .unwrap();
    // In the plain listing, newest first, and by itself.
    let list = graph_get(&client, &graph(&a, "/me/messages?$top=1"), &token, None).await;
    assert_eq!(values(&list.body)[0]["id"], id.as_str());
    assert_eq!(values(&list.body)[0]["subject"], "Hello there");
    let one = graph_get(
        &client,
        &graph(&a, &format!("/me/messages/{id}")),
        &token,
        None,
    )
    .await;
    assert_eq!(one.status, StatusCode::OK);
    assert_eq!(one.body["hasAttachments"], true);
    // And in the next delta round.
    let (items, _) = whole_round(&client, &link, &token).await;
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], id.as_str());

    // Another run of the sandbox (same tenant, so the token is good) has no such sync state.
    let (b, _) = start_with(opts()).await;
    let elsewhere = link.replace(
        a.base_url().as_str().trim_end_matches('/'),
        b.base_url().as_str().trim_end_matches('/'),
    );
    let gone = graph_get(&client, &elsewhere, &token, None).await;
    assert_eq!(gone.status, StatusCode::GONE, "{}", gone.body);
    assert_eq!(gone.body["error"]["code"], "syncStateNotFound");
    a.shutdown().await;
    b.shutdown().await;
}

#[tokio::test]
async fn the_calendar_view_delta_reports_added_changed_and_deleted_events() {
    let (sb, client) = start().await;
    let token = access_token(&client, &sb, ADELE, MAILBOX_SCOPES).await;
    let now = jiff::Timestamp::now();
    let start = now.strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
    let end = (now + jiff::SignedDuration::from_hours(24 * 14))
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let first = graph(
        &sb,
        &format!("/me/calendarView/delta?startDateTime={start}&endDateTime={end}"),
    );
    let (week, link) = whole_round(&client, &first, &token).await;
    assert!(!week.is_empty(), "the demo week");
    assert!(week.iter().all(|e| e.get("@removed").is_none()));
    // Without the window: refused, as Graph does.
    let bare = graph_get(&client, &graph(&sb, "/me/calendarView/delta"), &token, None).await;
    assert_eq!(bare.status, StatusCode::BAD_REQUEST);

    let at = now + jiff::SignedDuration::from_hours(30);
    let added = sb
        .control()
        .add_event(
            ADELE,
            "Design review",
            at,
            at + jiff::SignedDuration::from_hours(1),
        )
        .unwrap();
    let (items, link) = whole_round(&client, &link, &token).await;
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], added.as_str());
    assert_eq!(items[0]["subject"], "Design review");
    let key = items[0]["changeKey"].clone();

    sb.control()
        .change_event(
            ADELE,
            &added,
            EventChange {
                subject: Some("Design review (moved)".into()),
                ..EventChange::default()
            },
        )
        .unwrap();
    let (items, link) = whole_round(&client, &link, &token).await;
    assert_eq!(items[0]["subject"], "Design review (moved)");
    assert_ne!(items[0]["changeKey"], key, "a change has a new changeKey");
    // The plain calendar view shows it changed too.
    let view = graph_get(
        &client,
        &graph(
            &sb,
            &format!("/me/calendarView?startDateTime={start}&endDateTime={end}&$top=100"),
        ),
        &token,
        None,
    )
    .await;
    assert!(values(&view.body)
        .iter()
        .any(|e| e["subject"] == "Design review (moved)"));

    sb.control()
        .change_event(
            ADELE,
            &added,
            EventChange {
                delete: true,
                ..EventChange::default()
            },
        )
        .unwrap();
    let (items, _) = whole_round(&client, &link, &token).await;
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], added.as_str());
    assert_eq!(items[0]["@removed"]["reason"], "deleted");
    sb.shutdown().await;
}
