//! `POST /graph/v1.0/$batch`: the Preview's inbox + agenda in one request, Graph's way.

mod common;

use common::*;
use patchbay_sandbox::{Sandbox, BUILT_IN_CLIENT_ID};
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn post_batch(
    client: &reqwest::Client,
    sb: &Sandbox,
    token: &str,
    body: String,
) -> (StatusCode, Value) {
    let resp = client
        .post(graph(sb, "/$batch"))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = resp.status();
    (status, resp.json().await.unwrap())
}

fn response<'a>(body: &'a Value, id: &str) -> &'a Value {
    body["responses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("no response '{id}' in {body}"))
}

fn preview_batch() -> Value {
    json!({"requests": [
        {"id": "inbox", "method": "GET",
         "url": "/me/mailFolders/inbox/messages?$top=5&$select=subject,from,receivedDateTime,isRead&$orderby=receivedDateTime desc"},
        {"id": "agenda", "method": "GET",
         "url": "/me/calendarView?startDateTime=2026-01-05T00:00:00Z&endDateTime=2026-01-12T00:00:00Z",
         "headers": {"Prefer": "outlook.timezone=\"W. Europe Standard Time\""}},
        {"id": "settings", "method": "GET", "url": "me/mailboxSettings"},
        {"id": "me", "method": "GET", "url": "/me"},
    ]})
}

#[tokio::test]
async fn one_item_is_denied_the_others_still_answer_out_of_order() {
    let (sb, client) = start().await;
    // Consent goes through, but without Calendars.Read.
    sb.control()
        .deny_scopes(BUILT_IN_CLIENT_ID, vec!["Calendars.Read".into()])
        .unwrap();
    let token = access_token(&client, &sb, "adele@contoso.example", MAILBOX_SCOPES).await;
    let before = sb.control().stats();
    let (status, body) = post_batch(&client, &sb, &token, preview_batch().to_string()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let after = sb.control().stats();
    assert_eq!(after.graph_requests, before.graph_requests + 1);
    assert_eq!(after.graph_batch_items, before.graph_batch_items + 4);

    let order: Vec<&str> = body["responses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(order.len(), 4);
    assert_ne!(
        order,
        ["inbox", "agenda", "settings", "me"],
        "not in request order"
    );

    let agenda = response(&body, "agenda");
    assert_eq!(agenda["status"], 403);
    assert_eq!(agenda["body"]["error"]["code"], "ErrorAccessDenied");
    assert_eq!(agenda["headers"]["Content-Type"], "application/json");

    let inbox = response(&body, "inbox");
    assert_eq!(inbox["status"], 200);
    assert!(inbox["headers"]["Content-Type"]
        .as_str()
        .unwrap()
        .starts_with("application/json"));
    let messages = inbox["body"]["value"].as_array().unwrap();
    assert_eq!(messages.len(), 5);
    assert_eq!(
        messages[0]["subject"],
        "Re: Window display for the winter campaign"
    );
    assert!(inbox["body"]["@odata.nextLink"]
        .as_str()
        .unwrap()
        .starts_with(&format!(
            "{}/v1.0/me/mailFolders/inbox/messages?",
            sb.graph_url()
        )));

    assert_eq!(response(&body, "settings")["status"], 200);
    assert_eq!(
        response(&body, "settings")["body"]["timeZone"],
        "W. Europe Standard Time"
    );
    assert_eq!(response(&body, "me")["body"]["displayName"], "Adele Vance");
}

#[tokio::test]
async fn each_item_has_its_own_prefer_header() {
    let (sb, client) = start().await;
    let token = access_token(&client, &sb, "alex@contoso.example", MAILBOX_SCOPES).await;
    let window = "startDateTime=2020-01-01T00:00:00Z&endDateTime=2040-01-01T00:00:00Z&$top=100&$select=subject,start";
    let body = json!({"requests": [
        {"id": "1", "method": "GET", "url": format!("/me/calendarView?{window}"),
         "headers": {"Prefer": "outlook.timezone=\"Tokyo Standard Time\""}},
        {"id": "2", "method": "GET", "url": format!("/me/calendarView?{window}"),
         "headers": {"prefer": "outlook.timezone=\"Europe/London\""}},
        {"id": "3", "method": "GET", "url": format!("/me/calendarView?{window}")},
    ]});
    let (status, body) = post_batch(&client, &sb, &token, body.to_string()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let planning = |id: &str| {
        response(&body, id)["body"]["value"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["subject"] == "Quarterly planning")
            .cloned()
            .unwrap()
    };
    // Alex's mailbox is in Tokyo: 14:00 there.
    assert!(planning("1")["start"]["dateTime"]
        .as_str()
        .unwrap()
        .ends_with("T14:00:00.0000000"));
    assert_eq!(planning("1")["start"]["timeZone"], "Tokyo Standard Time");
    assert_eq!(
        response(&body, "1")["headers"]["Preference-Applied"],
        "outlook.timezone=\"Tokyo Standard Time\""
    );
    // Another zone per item; without one, UTC: 14:00 in Tokyo (no daylight saving) is 05:00 UTC.
    assert_eq!(planning("2")["start"]["timeZone"], "Europe/London");
    assert_eq!(
        response(&body, "2")["headers"]["Preference-Applied"],
        "outlook.timezone=\"Europe/London\""
    );
    assert_eq!(planning("3")["start"]["timeZone"], "UTC");
    assert!(planning("3")["start"]["dateTime"]
        .as_str()
        .unwrap()
        .ends_with("T05:00:00.0000000"));
    assert!(response(&body, "3")["headers"]
        .get("Preference-Applied")
        .is_none());
}

#[tokio::test]
async fn bad_items_fail_alone() {
    let (sb, client) = start().await;
    let token = access_token(&client, &sb, "megan@contoso.example", MAILBOX_SCOPES).await;
    let body = json!({"requests": [
        {"id": "abs", "method": "GET", "url": "https://graph.microsoft.com/v1.0/me"},
        {"id": "unknown", "method": "GET", "url": "/me/contacts/x/photo"},
        {"id": "post", "method": "DELETE", "url": "/me/messages", "body": {"subject": "hi"},
         "headers": {"Content-Type": "application/json"}},
        {"id": "window", "method": "GET", "url": "/me/calendarView"},
        {"id": "ok", "method": "GET", "url": "/me/messages?$top=1"},
        {"id": "after-bad", "method": "GET", "url": "/me", "dependsOn": ["window"]},
        {"id": "after-ok", "method": "GET", "url": "/me", "dependsOn": ["ok"]},
    ]});
    let (status, body) = post_batch(&client, &sb, &token, body.to_string()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    for (id, status, code) in [
        ("abs", 400, "BadRequest"),
        ("unknown", 400, "BadRequest"),
        ("post", 405, "Request_BadRequest"),
        ("window", 400, "ErrorInvalidParameter"),
        ("after-bad", 424, "FailedDependency"),
    ] {
        let r = response(&body, id);
        assert_eq!(r["status"], status, "{id}: {r}");
        assert_eq!(r["body"]["error"]["code"], code, "{id}");
        assert!(r["body"]["error"]["message"].is_string());
    }
    assert_eq!(response(&body, "ok")["status"], 200);
    assert_eq!(response(&body, "after-ok")["status"], 200);
}

#[tokio::test]
async fn the_batch_itself_can_be_refused() {
    let (sb, client) = start().await;
    let token = access_token(&client, &sb, "adele@contoso.example", MAILBOX_SCOPES).await;

    let many: Vec<Value> = (1..=21)
        .map(|i| json!({"id": i.to_string(), "method": "GET", "url": "/me"}))
        .collect();
    let (status, body) = post_batch(
        &client,
        &sb,
        &token,
        json!({ "requests": many }).to_string(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "BadRequest");
    assert_eq!(
        body["error"]["message"],
        "Number of requests exceeds the limit of 20."
    );
    // Twenty is fine.
    let twenty: Vec<Value> = (1..=20)
        .map(|i| json!({"id": i.to_string(), "method": "GET", "url": "/me"}))
        .collect();
    let (status, _) = post_batch(
        &client,
        &sb,
        &token,
        json!({ "requests": twenty }).to_string(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    let duplicate = json!({"requests": [
        {"id": "1", "method": "GET", "url": "/me"},
        {"id": "1", "method": "GET", "url": "/me/messages"},
    ]});
    let (status, body) = post_batch(&client, &sb, &token, duplicate.to_string()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "BadRequest");

    let (status, body) = post_batch(&client, &sb, &token, "{\"requests\": [".into()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "BadRequest");

    // A bad token and injected failures apply to the batch as a whole.
    let (status, body) = post_batch(&client, &sb, "nonsense", preview_batch().to_string()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["code"], "InvalidAuthenticationToken");
    sb.control().fail_next(429, 1, Some(3)).unwrap();
    let resp = client
        .post(graph(&sb, "/$batch"))
        .bearer_auth(&token)
        .json(&preview_batch())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(resp.headers()["retry-after"], "3");
    let (status, _) = post_batch(&client, &sb, &token, preview_batch().to_string()).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn latency_applies_once_per_batch() {
    let (sb, client) = start().await;
    let token = access_token(&client, &sb, "adele@contoso.example", MAILBOX_SCOPES).await;
    sb.control()
        .set_latency(std::time::Duration::from_millis(300));
    let started = std::time::Instant::now();
    let (status, _) = post_batch(&client, &sb, &token, preview_batch().to_string()).await;
    assert_eq!(status, StatusCode::OK);
    let elapsed = started.elapsed();
    assert!(elapsed >= std::time::Duration::from_millis(300));
    assert!(
        elapsed < std::time::Duration::from_millis(1200),
        "{elapsed:?}"
    );
}

#[tokio::test]
async fn an_encoded_dollar_still_reaches_the_batch() {
    let (sb, client) = start().await;
    let token = access_token(&client, &sb, "adele@contoso.example", MAILBOX_SCOPES).await;
    let resp = client
        .post(graph(&sb, "/%24batch"))
        .bearer_auth(&token)
        .json(&json!({"requests": [{"id": "1", "method": "GET", "url": "/me"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(response(&body, "1")["body"]["displayName"], "Adele Vance");
    assert_eq!(sb.control().stats().graph_requests, 1);
}
