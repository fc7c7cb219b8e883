//! Microsoft Teams over real HTTP: chats listed and paged (`$top`, `$expand`, `$orderby`, `$filter`), a chat's
//! messages with Teams' ordering and filtering rules and their refusals, `$top` over 50 refused, mentions, hosted
//! images, system events, edits and deletions as Graph shows them, sending (a `<b>` in a text body stays text, the
//! size limit), one-on-one chats reused, teams and channels, channel messages only with the admin-consented
//! ChannelMessage.Read.All, the channel delta, personal accounts refused, the rate lever's 429, the general levers,
//! the control endpoints, and `$batch`.

mod common;

use std::time::Duration;

use base64::Engine as _;
use common::*;
use patchbay_sandbox::{Sandbox, TeamsBody, TeamsEvent, TeamsPlace, BUILT_IN_CLIENT_ID};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const ADELE: &str = "adele@contoso.example";
const MEGAN: &str = "megan@contoso.example";
const ALEX: &str = "alex@contoso.example";
const SAM: &str = "sam@outlook.example";
const CHAT_READ: &str = "openid offline_access User.Read Chat.Read";

struct Answer {
    status: StatusCode,
    headers: reqwest::header::HeaderMap,
    body: Value,
    bytes: Vec<u8>,
}

async fn call(
    client: &reqwest::Client,
    method: Method,
    url: &str,
    token: &str,
    body: Option<Value>,
    headers: &[(&str, &str)],
) -> Answer {
    let mut r = client.request(method, url).bearer_auth(token);
    for (k, v) in headers {
        r = r.header(*k, *v);
    }
    if let Some(b) = body {
        r = r
            .header("Content-Type", "application/json")
            .body(b.to_string());
    }
    let resp = r.send().await.expect("request");
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = resp.bytes().await.unwrap_or_default().to_vec();
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Answer {
        status,
        headers,
        body,
        bytes,
    }
}

async fn get(client: &reqwest::Client, url: &str, token: &str) -> Answer {
    call(client, Method::GET, url, token, None, &[]).await
}

async fn post(client: &reqwest::Client, url: &str, token: &str, body: Value) -> Answer {
    call(client, Method::POST, url, token, Some(body), &[]).await
}

fn values(body: &Value) -> Vec<Value> {
    body["value"].as_array().cloned().unwrap_or_default()
}

fn ids(body: &Value) -> Vec<String> {
    values(body)
        .iter()
        .map(|v| v["id"].as_str().unwrap_or("").to_string())
        .collect()
}

fn enc(id: &str) -> String {
    url::form_urlencoded::byte_serialize(id.as_bytes()).collect()
}

fn error_message(a: &Answer) -> String {
    a.body["error"]["message"]
        .as_str()
        .unwrap_or("")
        .to_string()
}

/// An admin consents for the built-in client (what ChannelMessage.Read.All needs).
async fn admin_consent(client: &reqwest::Client, sb: &Sandbox) {
    let mut url = sb
        .base_url()
        .join("organizations/v2.0/adminconsent")
        .unwrap();
    url.query_pairs_mut()
        .append_pair("client_id", BUILT_IN_CLIENT_ID)
        .append_pair("redirect_uri", REDIRECT);
    let page = common::get(client, &url).await;
    assert_eq!(page.kind(), "admin-consent", "{}", page.html);
    let back = submit(client, sb, &page, &[("accept", "yes")]).await;
    assert_eq!(query(&back.location.unwrap())["admin_consent"], "True");
}

/// Every chat ID a listing yields, following its nextLinks.
async fn all_pages(client: &reqwest::Client, first: &str, token: &str) -> (Vec<Value>, usize) {
    let mut url = first.to_string();
    let mut items = Vec::new();
    let mut pages = 0;
    loop {
        let a = get(client, &url, token).await;
        assert_eq!(a.status, StatusCode::OK, "{url}: {}", a.body);
        pages += 1;
        items.extend(values(&a.body));
        match a.body["@odata.nextLink"].as_str() {
            Some(next) => url = next.to_string(),
            None => return (items, pages),
        }
        assert!(pages < 50, "paging does not end");
    }
}

fn anchor(sb: &Sandbox) -> jiff::Timestamp {
    jiff::Timestamp::try_from(sb.control().demo_anchor()).unwrap()
}

fn iso(t: jiff::Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn spring(sb: &Sandbox) -> String {
    sb.control().teams_chat_id(ADELE, "Spring launch").unwrap()
}

#[tokio::test]
async fn chats_list_page_expand_order_and_filter() {
    let (sb, client) = start().await;
    let token = access_token(&client, &sb, ADELE, CHAT_READ).await;
    let all = get(&client, &graph(&sb, "/me/chats"), &token).await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.body);
    let chats = values(&all.body);
    assert_eq!(chats.len(), 4, "{}", all.body);
    let types: Vec<&str> = chats
        .iter()
        .map(|c| c["chatType"].as_str().unwrap())
        .collect();
    for t in ["oneOnOne", "group", "meeting"] {
        assert!(types.contains(&t), "{types:?}");
    }
    let one = chats.iter().find(|c| c["chatType"] == "oneOnOne").unwrap();
    assert!(one["id"].as_str().unwrap().ends_with("@unq.gbl.spaces"));
    assert!(one["topic"].is_null());
    let group = chats
        .iter()
        .find(|c| c["topic"] == "Spring launch")
        .unwrap();
    assert!(group["id"].as_str().unwrap().ends_with("@thread.v2"));
    let meeting = chats.iter().find(|c| c["chatType"] == "meeting").unwrap();
    assert!(meeting["id"].as_str().unwrap().starts_with("19:meeting_"));
    assert!(meeting["onlineMeetingInfo"]["joinWebUrl"].is_string());

    // Paging by $top and nextLink: every chat once.
    let (paged, pages) = all_pages(&client, &graph(&sb, "/me/chats?$top=2"), &token).await;
    assert_eq!(pages, 2);
    let mut got: Vec<String> = ids(&json!({ "value": paged }));
    got.sort();
    let mut want = ids(&all.body);
    want.sort();
    assert_eq!(got, want);

    // $expand=members,lastMessagePreview.
    let expanded = get(
        &client,
        &graph(&sb, "/me/chats?$expand=members,lastMessagePreview"),
        &token,
    )
    .await;
    for c in values(&expanded.body) {
        let members = c["members"].as_array().unwrap();
        assert!(members.iter().any(|m| m["email"] == ADELE), "{c}");
        assert!(members.iter().all(|m| m["@odata.type"]
            == "#microsoft.graph.aadUserConversationMember"
            && m["userId"].is_string()
            && m["displayName"].is_string()));
        assert!(c["lastMessagePreview"]["id"].is_string(), "{c}");
    }

    // The one order Teams takes, and the refusal of any other.
    let ordered = get(
        &client,
        &graph(&sb, "/me/chats?$orderby=lastMessagePreview/createdDateTime%20desc&$expand=lastMessagePreview"),
        &token,
    )
    .await;
    let times: Vec<String> = values(&ordered.body)
        .iter()
        .map(|c| {
            c["lastMessagePreview"]["createdDateTime"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    let mut sorted = times.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(times, sorted);
    let refused = get(&client, &graph(&sb, "/me/chats?$orderby=topic"), &token).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);

    // $filter on chatType, members, lastUpdatedDateTime.
    let ones = get(
        &client,
        &graph(&sb, "/me/chats?$filter=chatType%20eq%20'oneOnOne'"),
        &token,
    )
    .await;
    assert_eq!(values(&ones.body).len(), 2, "{}", ones.body);
    let with_alex = get(
        &client,
        &graph(
            &sb,
            "/me/chats?$filter=members/any(o:%20o/displayName%20eq%20'Alex%20Wilber')",
        ),
        &token,
    )
    .await;
    assert_eq!(values(&with_alex.body).len(), 3, "{}", with_alex.body);
    let since = iso(anchor(&sb) - jiff::SignedDuration::from_hours(36));
    let recent = get(
        &client,
        &graph(
            &sb,
            &format!("/me/chats?$filter=lastUpdatedDateTime%20gt%20{since}"),
        ),
        &token,
    )
    .await;
    assert_eq!(recent.status, StatusCode::OK, "{}", recent.body);
    for c in values(&recent.body) {
        assert!(
            c["lastUpdatedDateTime"].as_str().unwrap() > since.as_str(),
            "{c}"
        );
    }
    assert_eq!(values(&recent.body).len(), 2, "{since}: {}", recent.body);
    let bad = get(
        &client,
        &graph(&sb, "/me/chats?$filter=webUrl%20eq%20'x'"),
        &token,
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(error_message(&bad), "Invalid filter clause");

    // $top over 50 is refused in Graph's words.
    let big = get(&client, &graph(&sb, "/me/chats?$top=51"), &token).await;
    assert_eq!(big.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        error_message(&big),
        "The query specified in the URI is not valid. The limit of '50' for Top query has been exceeded. The value \
         from the incoming request is '51'."
    );

    // One chat, its members (no $top there), and a chat Adele is not in.
    let id = spring(&sb);
    let chat = get(
        &client,
        &graph(&sb, &format!("/chats/{}", enc(&id))),
        &token,
    )
    .await;
    assert_eq!(chat.body["topic"], "Spring launch");
    let members = get(
        &client,
        &graph(&sb, &format!("/me/chats/{id}/members")),
        &token,
    )
    .await;
    assert_eq!(values(&members.body).len(), 3);
    let top = get(
        &client,
        &graph(&sb, &format!("/chats/{id}/members?$top=1")),
        &token,
    )
    .await;
    assert_eq!(top.status, StatusCode::BAD_REQUEST);
    assert!(error_message(&top).contains("Query option 'Top' is not allowed"));
    let lunch = sb.control().teams_chat_id(MEGAN, "Lunch crew").unwrap();
    let theirs = get(&client, &graph(&sb, &format!("/chats/{lunch}")), &token).await;
    assert_eq!(theirs.status, StatusCode::FORBIDDEN);
    let none = get(&client, &graph(&sb, "/chats/19:nothing@thread.v2"), &token).await;
    assert_eq!(none.status, StatusCode::NOT_FOUND);

    // Megan sees five chats, one of them Lunch crew.
    let megan = access_token(&client, &sb, MEGAN, CHAT_READ).await;
    let hers = get(&client, &graph(&sb, "/me/chats"), &megan).await;
    assert_eq!(values(&hers.body).len(), 5);
    assert!(ids(&hers.body).contains(&lunch));
    sb.shutdown().await;
}

#[tokio::test]
async fn chat_messages_paging_ordering_and_filter_rules() {
    let (sb, client) = start().await;
    let token = access_token(&client, &sb, ADELE, CHAT_READ).await;
    let id = spring(&sb);
    let base = graph(&sb, &format!("/chats/{}/messages", enc(&id)));

    // 60 messages: a page of 50, then 10; newest change first.
    let first = get(&client, &format!("{base}?$top=50"), &token).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    assert_eq!(values(&first.body).len(), 50);
    let next = first.body["@odata.nextLink"].as_str().unwrap().to_string();
    assert!(next.contains("skiptoken"), "{next}");
    let second = get(&client, &next, &token).await;
    assert_eq!(values(&second.body).len(), 10);
    assert!(second.body["@odata.nextLink"].is_null());
    let (all, _) = all_pages(&client, &format!("{base}?$top=7"), &token).await;
    assert_eq!(all.len(), 60);
    let mut unique: Vec<String> = all
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_string())
        .collect();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 60);
    let modified: Vec<&str> = all
        .iter()
        .map(|m| m["lastModifiedDateTime"].as_str().unwrap())
        .collect();
    let mut sorted = modified.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(modified, sorted, "default order: lastModifiedDateTime desc");
    // Message IDs are the creation time in epoch milliseconds.
    for m in &all {
        let ms: i64 = m["id"].as_str().unwrap().parse().unwrap();
        let created = jiff::Timestamp::from_millisecond(ms).unwrap();
        assert_eq!(
            m["createdDateTime"].as_str().unwrap(),
            format!(
                "{}.{:03}Z",
                created.strftime("%Y-%m-%dT%H:%M:%S"),
                ms % 1000
            )
        );
        assert_eq!(m["chatId"], id.as_str());
    }

    // createdDateTime desc, filtered with lt on the same property.
    let (by_created, _) = all_pages(
        &client,
        &format!("{base}?$orderby=createdDateTime%20desc&$top=50"),
        &token,
    )
    .await;
    let created: Vec<&str> = by_created
        .iter()
        .map(|m| m["createdDateTime"].as_str().unwrap())
        .collect();
    let mut sorted = created.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(created, sorted);
    let cut = iso(anchor(&sb) - jiff::SignedDuration::from_hours(24 * 10));
    let (older, _) = all_pages(
        &client,
        &format!(
            "{base}?$orderby=createdDateTime%20desc&$filter=createdDateTime%20lt%20{cut}&$top=50"
        ),
        &token,
    )
    .await;
    assert!(!older.is_empty() && older.len() < 60, "{}", older.len());
    assert!(older
        .iter()
        .all(|m| m["createdDateTime"].as_str().unwrap() < cut.as_str()));
    // lastModifiedDateTime (the default order) takes gt and lt.
    let (newer, _) = all_pages(
        &client,
        &format!("{base}?$filter=lastModifiedDateTime%20gt%20{cut}&$top=50"),
        &token,
    )
    .await;
    assert_eq!(newer.len() + older.len(), 60);
    assert!(newer
        .iter()
        .all(|m| m["lastModifiedDateTime"].as_str().unwrap() > cut.as_str()));
    // A filter on the property not ordered by is ignored, as Microsoft documents.
    let (ignored, _) = all_pages(
        &client,
        &format!("{base}?$filter=createdDateTime%20lt%20{cut}&$top=50"),
        &token,
    )
    .await;
    assert_eq!(ignored.len(), 60);

    // Refusals.
    for (q, needle) in [
        (
            format!("$orderby=createdDateTime%20desc&$filter=createdDateTime%20gt%20{cut}"),
            "The entity property 'createdDateTime' and operationKind 'GreaterThan' is not allowed in $filter query.",
        ),
        (
            format!("$filter=lastModifiedDateTime%20le%20{cut}"),
            "The entity property 'lastModifiedDateTime' and operationKind 'LessThanOrEqual' is not allowed in $filter query.",
        ),
        ("$orderby=createdDateTime%20asc".to_string(), "'Ascending'"),
        ("$orderby=createdDateTime".to_string(), "'Ascending'"),
        ("$orderby=subject%20desc".to_string(), "'subject'"),
        ("$filter=subject%20eq%20'x'".to_string(), "Invalid filter clause"),
        ("$top=51".to_string(), "The limit of '50' for Top query has been exceeded"),
    ] {
        let a = get(&client, &format!("{base}?{q}"), &token).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{q}: {}", a.body);
        assert_eq!(a.body["error"]["code"], "BadRequest");
        assert!(error_message(&a).contains(needle), "{q}: {}", a.body);
    }

    // Reading messages needs more than Chat.ReadBasic.
    let basic = access_token(&client, &sb, MEGAN, "openid User.Read Chat.ReadBasic").await;
    let listed = get(&client, &graph(&sb, "/me/chats"), &basic).await;
    assert_eq!(listed.status, StatusCode::OK);
    let denied = get(&client, &base, &basic).await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    assert_eq!(denied.body["error"]["code"], "Forbidden");
    assert_eq!(
        error_message(&denied),
        "Missing scope permissions on the request. API requires one of 'Chat.Read, Chat.ReadWrite'. Scopes on the \
         request 'openid, User.Read, Chat.ReadBasic'"
    );
    let preview = get(
        &client,
        &graph(&sb, "/me/chats?$expand=lastMessagePreview"),
        &basic,
    )
    .await;
    assert_eq!(preview.status, StatusCode::FORBIDDEN);
    sb.shutdown().await;
}

#[tokio::test]
async fn mentions_images_system_events_edits_and_deletions() {
    let (sb, client) = start().await;
    let token = access_token(&client, &sb, ADELE, CHAT_READ).await;
    let id = spring(&sb);
    let (all, _) = all_pages(
        &client,
        &graph(&sb, &format!("/chats/{id}/messages?$top=50")),
        &token,
    )
    .await;

    let mentions: Vec<&Value> = all
        .iter()
        .filter(|m| m["mentions"].as_array().is_some_and(|a| !a.is_empty()))
        .collect();
    assert_eq!(mentions.len(), 6);
    for m in &mentions {
        assert_eq!(m["body"]["contentType"], "html");
        assert!(
            m["body"]["content"]
                .as_str()
                .unwrap()
                .contains("<at id=\"0\">Adele Vance</at>"),
            "{m}"
        );
        assert_eq!(m["mentions"][0]["id"], 0);
        assert_eq!(m["mentions"][0]["mentionText"], "Adele Vance");
        assert_eq!(
            m["mentions"][0]["mentioned"]["user"]["userIdentityType"],
            "aadUser"
        );
    }

    // An image: the <img> points at the hosted content, whose $value is a PNG.
    let image = all
        .iter()
        .find(|m| {
            m["body"]["content"]
                .as_str()
                .unwrap()
                .contains("hostedContents")
        })
        .expect("a message with an image");
    let content = image["body"]["content"].as_str().unwrap();
    let src = content
        .split("src=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    assert!(
        src.starts_with(&format!("{}/v1.0/chats/{id}/messages/", sb.graph_url())),
        "{src}"
    );
    let png = get(&client, src, &token).await;
    assert_eq!(png.status, StatusCode::OK);
    assert_eq!(png.headers["content-type"], "image/png");
    assert!(png.bytes.starts_with(b"\x89PNG"));
    let list = get(
        &client,
        &graph(
            &sb,
            &format!(
                "/chats/{id}/messages/{}/hostedContents",
                image["id"].as_str().unwrap()
            ),
        ),
        &token,
    )
    .await;
    assert_eq!(values(&list.body).len(), 1);

    // System events: messageType is unknownFutureValue unless the client opts in.
    let events: Vec<&Value> = all
        .iter()
        .filter(|m| m["eventDetail"].is_object())
        .collect();
    assert_eq!(events.len(), 2);
    for e in &events {
        assert_eq!(e["messageType"], "unknownFutureValue");
        assert!(e["from"].is_null());
        assert_eq!(e["body"]["content"], "<systemEventMessage/>");
    }
    let kinds: Vec<&str> = events
        .iter()
        .map(|e| e["eventDetail"]["@odata.type"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"#microsoft.graph.membersAddedEventMessageDetail"));
    assert!(kinds.contains(&"#microsoft.graph.chatRenamedEventMessageDetail"));
    let opted = call(
        &client,
        Method::GET,
        &graph(
            &sb,
            &format!("/chats/{id}/messages/{}", events[0]["id"].as_str().unwrap()),
        ),
        &token,
        None,
        &[("Prefer", "include-unknown-enum-members")],
    )
    .await;
    assert_eq!(opted.body["messageType"], "systemEventMessage");

    // One edited, one deleted (kept, with its body emptied).
    let edited: Vec<&Value> = all
        .iter()
        .filter(|m| m["lastEditedDateTime"].is_string())
        .collect();
    assert_eq!(edited.len(), 1);
    assert_eq!(
        edited[0]["lastEditedDateTime"],
        edited[0]["lastModifiedDateTime"]
    );
    assert!(edited[0]["body"]["content"]
        .as_str()
        .unwrap()
        .contains("final quotes"));
    let deleted: Vec<&Value> = all
        .iter()
        .filter(|m| m["deletedDateTime"].is_string())
        .collect();
    assert_eq!(deleted.len(), 1);
    assert_eq!(deleted[0]["body"]["content"], "");
    sb.shutdown().await;
}

#[tokio::test]
async fn sending_text_html_and_too_much() {
    let (sb, client) = start().await;
    let reader = access_token(&client, &sb, ADELE, CHAT_READ).await;
    let id = sb.control().teams_chat_id(ADELE, MEGAN).unwrap();
    let url = graph(&sb, &format!("/chats/{id}/messages"));
    let text =
        json!({"body": {"contentType": "text", "content": "Ship it <b>today</b> & tell Megan"}});
    let denied = post(&client, &url, &reader, text.clone()).await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    assert!(
        error_message(&denied).contains("API requires one of 'ChatMessage.Send, Chat.ReadWrite'")
    );

    let token = access_token(
        &client,
        &sb,
        ADELE,
        "openid User.Read Chat.Read ChatMessage.Send",
    )
    .await;
    let sent = post(&client, &url, &token, text).await;
    assert_eq!(sent.status, StatusCode::CREATED, "{}", sent.body);
    assert_eq!(sent.body["body"]["contentType"], "text");
    assert_eq!(
        sent.body["body"]["content"],
        "Ship it <b>today</b> & tell Megan"
    );
    assert_eq!(
        sent.body["from"]["user"]["id"],
        sb.control().users()[0].id.as_str()
    );
    let mid = sent.body["id"].as_str().unwrap();
    assert!(mid.parse::<i64>().is_ok());
    // It reads back as sent, and the control endpoint saw exactly that text.
    let back = get(
        &client,
        &graph(&sb, &format!("/chats/{id}/messages/{mid}")),
        &token,
    )
    .await;
    assert_eq!(back.body["body"], sent.body["body"]);
    let log = sb.control().teams_sent(ADELE).unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].content, "Ship it <b>today</b> & tell Megan");
    assert_eq!(log[0].content_type, "text");
    let list = get(&client, &url, &token).await;
    assert_eq!(
        values(&list.body)[0]["id"],
        mid,
        "the newest message comes first"
    );

    // HTML with a mention; the content type defaults to text.
    let megan_id = sb.control().users()[1].id.clone();
    let html = post(
        &client,
        &url,
        &token,
        json!({"body": {"contentType": "html", "content": "<p>Hi <at id=\"0\">Megan Bowen</at></p>"},
               "mentions": [{"id": 0, "mentionText": "Megan Bowen",
                             "mentioned": {"user": {"id": megan_id, "displayName": "Megan Bowen", "userIdentityType": "aadUser"}}}]}),
    )
    .await;
    assert_eq!(html.status, StatusCode::CREATED, "{}", html.body);
    assert_eq!(
        html.body["mentions"][0]["mentioned"]["user"]["id"],
        megan_id.as_str()
    );
    let plain = post(
        &client,
        &url,
        &token,
        json!({"body": {"content": "no type"}}),
    )
    .await;
    assert_eq!(plain.body["body"]["contentType"], "text");

    // Too much for one Teams message, and nothing at all.
    let big = post(
        &client,
        &url,
        &token,
        json!({"body": {"content": "x".repeat(30 * 1024)}}),
    )
    .await;
    assert_eq!(big.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", big.body);
    let empty = post(&client, &url, &token, json!({"body": {"content": ""}})).await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST);
    sb.shutdown().await;
}

#[tokio::test]
async fn creating_a_one_on_one_chat_returns_the_existing_one() {
    let (sb, client) = start().await;
    let users = sb.control().users();
    let (adele, alex) = (&users[0], &users[2]);
    let body = json!({"chatType": "oneOnOne", "members": [
        {"@odata.type": "#microsoft.graph.aadUserConversationMember", "roles": ["owner"],
         "user@odata.bind": format!("https://graph.microsoft.com/v1.0/users('{}')", adele.id)},
        {"@odata.type": "#microsoft.graph.aadUserConversationMember", "roles": ["owner"],
         "user@odata.bind": format!("https://graph.microsoft.com/v1.0/users('{ALEX}')")}]});
    let reader = access_token(&client, &sb, ADELE, CHAT_READ).await;
    let denied = post(&client, &graph(&sb, "/chats"), &reader, body.clone()).await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    assert!(error_message(&denied).contains("'Chat.Create, Chat.ReadWrite'"));

    let token = access_token(
        &client,
        &sb,
        ADELE,
        "openid User.Read Chat.Create Chat.Read",
    )
    .await;
    let made = post(&client, &graph(&sb, "/chats"), &token, body.clone()).await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    let existing = sb.control().teams_chat_id(ADELE, ALEX).unwrap();
    assert_eq!(made.body["id"], existing.as_str());
    let mut pair = [adele.id.as_str(), alex.id.as_str()];
    pair.sort();
    assert_eq!(
        existing,
        format!("19:{}_{}@unq.gbl.spaces", pair[0], pair[1])
    );
    let again = post(&client, &graph(&sb, "/chats"), &token, body).await;
    assert_eq!(again.body["id"], existing.as_str());
    assert_eq!(
        values(&get(&client, &graph(&sb, "/me/chats"), &token).await.body).len(),
        4
    );

    // A group chat is new every time, and the creator must be in it.
    let group = json!({"chatType": "group", "topic": "Offsite", "members": [
        {"user@odata.bind": format!("https://graph.microsoft.com/v1.0/users('{ADELE}')")},
        {"user@odata.bind": format!("https://graph.microsoft.com/v1.0/users('{MEGAN}')")},
        {"user@odata.bind": format!("https://graph.microsoft.com/v1.0/users/{}", alex.id)}]});
    let g = post(&client, &graph(&sb, "/chats"), &token, group).await;
    assert_eq!(g.status, StatusCode::CREATED, "{}", g.body);
    assert_eq!(g.body["chatType"], "group");
    assert_eq!(g.body["topic"], "Offsite");
    let without_me = json!({"chatType": "oneOnOne", "members": [
        {"user@odata.bind": format!("https://graph.microsoft.com/v1.0/users('{MEGAN}')")},
        {"user@odata.bind": format!("https://graph.microsoft.com/v1.0/users('{ALEX}')")}]});
    let refused = post(&client, &graph(&sb, "/chats"), &token, without_me).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    let sam = json!({"chatType": "oneOnOne", "members": [
        {"user@odata.bind": format!("https://graph.microsoft.com/v1.0/users('{ADELE}')")},
        {"user@odata.bind": format!("https://graph.microsoft.com/v1.0/users('{SAM}')")}]});
    assert_eq!(
        post(&client, &graph(&sb, "/chats"), &token, sam)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        values(&get(&client, &graph(&sb, "/me/chats"), &token).await.body).len(),
        5
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn teams_and_channels() {
    let (sb, client) = start().await;
    let scope = "openid User.Read Team.ReadBasic.All Channel.ReadBasic.All";
    let token = access_token(&client, &sb, ADELE, scope).await;
    let joined = get(&client, &graph(&sb, "/me/joinedTeams"), &token).await;
    assert_eq!(joined.status, StatusCode::OK, "{}", joined.body);
    assert_eq!(values(&joined.body).len(), 2);
    let teams = values(&joined.body);
    assert!(teams.iter().any(|t| t["displayName"] == "Contoso Team"));
    let apollo = teams
        .iter()
        .find(|t| t["displayName"] == "Project Apollo")
        .unwrap();
    let team_id = apollo["id"].as_str().unwrap();
    let team = get(&client, &graph(&sb, &format!("/teams/{team_id}")), &token).await;
    assert_eq!(team.body["displayName"], "Project Apollo");
    assert!(team.body["internalId"]
        .as_str()
        .unwrap()
        .ends_with("@thread.tacv2"));
    let channels = get(
        &client,
        &graph(&sb, &format!("/teams/{team_id}/channels")),
        &token,
    )
    .await;
    let names: Vec<String> = values(&channels.body)
        .iter()
        .map(|c| c["displayName"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, ["General", "Design", "Launch"]);
    let general = values(&channels.body)[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(general, team.body["internalId"].as_str().unwrap());
    let one = get(
        &client,
        &graph(&sb, &format!("/teams/{team_id}/channels/{}", enc(&general))),
        &token,
    )
    .await;
    assert_eq!(one.body["membershipType"], "standard");
    let none = get(
        &client,
        &graph(&sb, "/teams/00000000-0000-0000-0000-000000000000"),
        &token,
    )
    .await;
    assert_eq!(none.status, StatusCode::NOT_FOUND);

    // Megan is in one team, and not in Apollo.
    let megan = access_token(&client, &sb, MEGAN, scope).await;
    assert_eq!(
        values(
            &get(&client, &graph(&sb, "/me/joinedTeams"), &megan)
                .await
                .body
        )
        .len(),
        1
    );
    assert_eq!(
        get(&client, &graph(&sb, &format!("/teams/{team_id}")), &megan)
            .await
            .status,
        StatusCode::FORBIDDEN
    );

    // Without the team and channel permissions.
    let bare = access_token(&client, &sb, ADELE, CHAT_READ).await;
    let a = get(&client, &graph(&sb, "/me/joinedTeams"), &bare).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    let b = get(
        &client,
        &graph(&sb, &format!("/teams/{team_id}/channels")),
        &bare,
    )
    .await;
    assert!(error_message(&b).contains("API requires one of 'Channel.ReadBasic.All'"));
    sb.shutdown().await;
}

#[tokio::test]
async fn channel_messages_need_the_admin_consented_permission() {
    let (sb, client) = start().await;
    let scope = "openid User.Read Team.ReadBasic.All Channel.ReadBasic.All ChannelMessage.Read.All ChannelMessage.Send";
    // Users cannot consent to ChannelMessage.Read.All: the sign-in comes back with AADSTS65001...
    let f = flow(&sb, BUILT_IN_CLIENT_ID, REDIRECT, scope, &[]);
    let back = sign_in(&client, &sb, &f, ADELE).await;
    let q = query(&back);
    assert_eq!(q["error"], "consent_required");
    assert!(q["error_description"].starts_with("AADSTS65001"));
    // ...or stays on the "Need admin approval" page (AADSTS90094).
    sb.control().set_admin_approval_page(true);
    let f = flow(&sb, BUILT_IN_CLIENT_ID, REDIRECT, scope, &[]);
    let page = common::get(&client, &f.url).await;
    let page = submit(&client, &sb, &page, &[("login", ADELE), ("passwd", "x")]).await;
    assert!(page.html.contains("AADSTS90094"), "{}", page.html);
    sb.control().set_admin_approval_page(false);

    // Without it, channel messages are refused; the channels themselves are not.
    let (team, general) = sb
        .control()
        .teams_channel_ids(ADELE, "Contoso Team", "General")
        .unwrap();
    let messages = graph(
        &sb,
        &format!("/teams/{team}/channels/{}/messages", enc(&general)),
    );
    let basic = access_token(
        &client,
        &sb,
        ADELE,
        "openid User.Read Channel.ReadBasic.All ChannelMessage.Send",
    )
    .await;
    let denied = get(&client, &messages, &basic).await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    assert_eq!(
        error_message(&denied),
        "Missing scope permissions on the request. API requires one of 'ChannelMessage.Read.All'. Scopes on the \
         request 'openid, User.Read, Channel.ReadBasic.All, ChannelMessage.Send'"
    );
    let delta = get(&client, &format!("{messages}/delta"), &basic).await;
    assert_eq!(delta.status, StatusCode::FORBIDDEN);
    // Posting takes ChannelMessage.Send only.
    let posted = post(
        &client,
        &messages,
        &basic,
        json!({"body": {"content": "Hello <i>team</i>"}}),
    )
    .await;
    assert_eq!(posted.status, StatusCode::CREATED, "{}", posted.body);
    assert_eq!(posted.body["channelIdentity"]["teamId"], team.as_str());
    assert!(posted.body["chatId"].is_null());

    // An admin consents: now it is granted.
    admin_consent(&client, &sb).await;
    let token = access_token(&client, &sb, ADELE, scope).await;
    let list = get(&client, &format!("{messages}?$expand=replies"), &token).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    let posts = values(&list.body);
    assert_eq!(posts.len(), 7, "six demo posts and the one just sent");
    assert_eq!(posts[0]["id"], posted.body["id"]);
    let with_replies: Vec<&Value> = posts
        .iter()
        .filter(|p| p["replies"].as_array().is_some_and(|r| !r.is_empty()))
        .collect();
    assert_eq!(with_replies.len(), 2);
    let welcome = posts
        .iter()
        .find(|p| p["replies"].as_array().is_some_and(|r| r.len() == 2))
        .unwrap();
    let welcome_id = welcome["id"].as_str().unwrap();
    let replies = get(&client, &format!("{messages}/{welcome_id}/replies"), &token).await;
    assert_eq!(values(&replies.body).len(), 2);
    assert_eq!(values(&replies.body)[0]["replyToId"], welcome_id);
    let too_many = get(&client, &format!("{messages}?$top=51"), &token).await;
    assert_eq!(too_many.status, StatusCode::BAD_REQUEST);

    // A reply through Graph.
    let reply = post(
        &client,
        &format!("{messages}/{welcome_id}/replies"),
        &token,
        json!({"body": {"contentType": "html", "content": "<p>Thanks!</p>"}}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    assert_eq!(reply.body["replyToId"], welcome_id);
    let sent = sb.control().teams_sent(ADELE).unwrap();
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[0].content, "Hello <i>team</i>");
    assert_eq!(sent[1].reply_to.as_deref(), Some(welcome_id));

    // Delta: a whole round in pages of 3, then what changed — a new post, a reply, a deletion.
    let mut url = format!("{messages}/delta?$top=3");
    let mut round = Vec::new();
    let link = loop {
        let page = get(&client, &url, &token).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(values(&page.body).len() <= 3);
        round.extend(values(&page.body));
        if let Some(next) = page.body["@odata.nextLink"].as_str() {
            url = next.to_string();
        } else {
            break page.body["@odata.deltaLink"].as_str().unwrap().to_string();
        }
    };
    assert_eq!(round.len(), 7);
    assert!(round.iter().all(|m| m["replyToId"].is_null()));
    let quiet = get(&client, &link, &token).await;
    assert!(values(&quiet.body).is_empty());
    let c = sb.control();
    let new = c
        .post_channel_message(
            ADELE,
            "Contoso Team",
            "General",
            MEGAN,
            TeamsBody::Text("Fresh news".into()),
            true,
            None,
        )
        .unwrap();
    let place = TeamsPlace::Channel {
        team: "Contoso Team".into(),
        channel: "General".into(),
    };
    c.delete_teams_message(ADELE, &place, posted.body["id"].as_str().unwrap())
        .unwrap();
    let changes = get(&client, &link, &token).await;
    let changed = values(&changes.body);
    assert_eq!(changed.len(), 2, "{}", changes.body);
    let fresh = changed.iter().find(|m| m["id"] == new.id.as_str()).unwrap();
    assert_eq!(
        fresh["mentions"][0]["mentioned"]["user"]["displayName"],
        "Adele Vance"
    );
    let gone = changed
        .iter()
        .find(|m| m["id"] == posted.body["id"])
        .unwrap();
    assert!(gone["deletedDateTime"].is_string());
    assert!(gone.get("@removed").is_none());
    let next_link = changes.body["@odata.deltaLink"]
        .as_str()
        .unwrap()
        .to_string();
    // A filter other than lastModifiedDateTime gt is refused; an expired token answers 410.
    let bad = get(
        &client,
        &format!("{messages}/delta?$filter=createdDateTime%20gt%202020-01-01T00:00:00Z"),
        &token,
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    c.expire_channel_delta(ADELE, "Contoso Team", "General")
        .unwrap();
    assert_eq!(
        get(&client, &next_link, &token).await.status,
        StatusCode::GONE
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn a_personal_account_is_refused_everywhere() {
    let (sb, client) = start().await;
    let mut f = flow(
        &sb,
        BUILT_IN_CLIENT_ID,
        REDIRECT,
        "openid offline_access User.Read Chat.ReadWrite Team.ReadBasic.All",
        &[],
    );
    let path = f.url.path().replacen("organizations", "consumers", 1);
    f.url.set_path(&path);
    let back = sign_in(&client, &sb, &f, SAM).await;
    let code = query(&back).remove("code").expect("code");
    let body: Value = client
        .post(sb.base_url().join("consumers/oauth2/v2.0/token").unwrap())
        .form(&[
            ("grant_type", "authorization_code"),
            ("client_id", f.client_id.as_str()),
            ("code", code.as_str()),
            ("redirect_uri", f.redirect_uri.as_str()),
            ("code_verifier", f.verifier.as_str()),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = body["access_token"].as_str().unwrap();
    for path in [
        "/me/chats",
        "/me/joinedTeams",
        "/chats/19:x@thread.v2/messages",
    ] {
        let a = get(&client, &graph(&sb, path), token).await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "{path}");
        assert_eq!(
            error_message(&a),
            "No authorization information present on the request."
        );
    }
    let a = post(
        &client,
        &graph(&sb, "/chats"),
        token,
        json!({"chatType": "oneOnOne", "members": []}),
    )
    .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    sb.shutdown().await;
}

#[tokio::test]
async fn the_rate_lever_and_the_general_levers() {
    let (sb, client) = start().await;
    let token = access_token(&client, &sb, ADELE, "openid User.Read Chat.ReadWrite").await;
    let other = access_token(&client, &sb, MEGAN, "openid User.Read Chat.ReadWrite").await;
    let id = spring(&sb);
    let url = graph(&sb, &format!("/chats/{id}/messages?$top=1"));
    // Off by default.
    for _ in 0..6 {
        assert_eq!(get(&client, &url, &token).await.status, StatusCode::OK);
    }
    // On over HTTP: three reads a second, then 429 with Retry-After.
    let on = client
        .post(sb.base_url().join("_sandbox/teams/rate-limit").unwrap())
        .json(&json!({"enabled": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(on.status(), StatusCode::OK);
    let mut statuses = Vec::new();
    let mut throttled = None;
    for _ in 0..4 {
        let a = get(&client, &url, &token).await;
        statuses.push(a.status);
        if a.status == StatusCode::TOO_MANY_REQUESTS {
            throttled = Some(a);
        }
    }
    assert_eq!(statuses[..3], [StatusCode::OK; 3], "{statuses:?}");
    let t = throttled.expect("the fourth read is throttled");
    assert_eq!(t.body["error"]["code"], "TooManyRequests");
    let retry: u64 = t.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=1).contains(&retry));
    // Another user has a budget of their own; the chats list is not a message read.
    assert_eq!(get(&client, &url, &other).await.status, StatusCode::OK);
    assert_eq!(
        get(&client, &graph(&sb, "/me/chats"), &token).await.status,
        StatusCode::OK
    );
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(get(&client, &url, &token).await.status, StatusCode::OK);

    // Sends: two a second.
    sb.control().set_teams_rate_limit(true, Some(100), Some(2));
    let send = graph(&sb, &format!("/chats/{id}/messages"));
    let mut codes = Vec::new();
    for i in 0..3 {
        codes.push(
            post(
                &client,
                &send,
                &token,
                json!({"body": {"content": format!("n{i}")}}),
            )
            .await
            .status,
        );
    }
    assert_eq!(
        codes,
        [
            StatusCode::CREATED,
            StatusCode::CREATED,
            StatusCode::TOO_MANY_REQUESTS
        ]
    );
    sb.control().set_teams_rate_limit(false, None, None);

    // The general levers apply here as everywhere.
    sb.control().fail_next(503, 1, Some(2)).unwrap();
    let failed = get(&client, &graph(&sb, "/me/chats"), &token).await;
    assert_eq!(failed.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(failed.headers["retry-after"], "2");
    sb.control().set_latency(Duration::from_millis(300));
    let started = std::time::Instant::now();
    assert_eq!(get(&client, &url, &token).await.status, StatusCode::OK);
    assert!(started.elapsed() >= Duration::from_millis(300));
    sb.shutdown().await;
}

async fn control_post(
    client: &reqwest::Client,
    sb: &Sandbox,
    path: &str,
    body: Value,
) -> (StatusCode, Value) {
    let r = client
        .post(sb.base_url().join(path).unwrap())
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn control_endpoints() {
    let (sb, client) = start().await;
    let token = access_token(&client, &sb, ADELE, "openid User.Read Chat.ReadWrite").await;

    // A message into a one-on-one chat named by the other member, @mentioning the viewer.
    let (s, b) = control_post(&client, &sb, "_sandbox/teams/chat-messages",
        json!({"user": ADELE, "chat": MEGAN, "from": MEGAN, "text": "Lunch <now>?", "mentions_me": true})).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let chat = b["message"]["chat_id"].as_str().unwrap().to_string();
    let mid = b["message"]["id"].as_str().unwrap().to_string();
    let m = get(
        &client,
        &graph(&sb, &format!("/chats/{chat}/messages/{mid}")),
        &token,
    )
    .await;
    assert_eq!(
        m.body["body"]["content"],
        "<p><at id=\"0\">Adele Vance</at> Lunch &lt;now&gt;?</p>"
    );
    assert_eq!(
        m.body["mentions"][0]["mentioned"]["user"]["displayName"],
        "Adele Vance"
    );
    assert_eq!(m.body["from"]["user"]["displayName"], "Megan Bowen");

    // Edit, then delete, over HTTP.
    let (s, _) = control_post(
        &client,
        &sb,
        "_sandbox/teams/messages/edit",
        json!({"user": ADELE, "chat": chat, "message": mid, "html": "<p>Lunch at 1?</p>"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let m = get(
        &client,
        &graph(&sb, &format!("/chats/{chat}/messages/{mid}")),
        &token,
    )
    .await;
    assert_eq!(m.body["body"]["content"], "<p>Lunch at 1?</p>");
    assert!(m.body["lastEditedDateTime"].is_string());
    let (s, _) = control_post(
        &client,
        &sb,
        "_sandbox/teams/messages/delete",
        json!({"user": ADELE, "chat": chat, "message": mid}),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let m = get(
        &client,
        &graph(&sb, &format!("/chats/{chat}/messages/{mid}")),
        &token,
    )
    .await;
    assert!(m.body["deletedDateTime"].is_string());
    assert_eq!(m.body["body"]["content"], "");

    // System events: Alex added to Spring launch? He is in it; rename it instead, and add him to a new group.
    let (s, b) = control_post(
        &client,
        &sb,
        "_sandbox/teams/chats",
        json!({"user": ADELE, "members": [MEGAN], "topic": "Budget"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["created"], true);
    let budget = b["chat_id"].as_str().unwrap().to_string();
    let (s, _) = control_post(
        &client,
        &sb,
        "_sandbox/teams/system-events",
        json!({"user": ADELE, "chat": "Budget", "by": MEGAN, "members_added": [ALEX]}),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = control_post(
        &client,
        &sb,
        "_sandbox/teams/system-events",
        json!({"user": ADELE, "chat": budget, "by": ADELE, "topic": "Budget 2027"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let c = get(
        &client,
        &graph(&sb, &format!("/chats/{budget}?$expand=members")),
        &token,
    )
    .await;
    assert_eq!(c.body["topic"], "Budget 2027");
    assert_eq!(c.body["members"].as_array().unwrap().len(), 3);
    let events = get(
        &client,
        &graph(&sb, &format!("/chats/{budget}/messages")),
        &token,
    )
    .await;
    let kinds: Vec<String> = values(&events.body)
        .iter()
        .map(|m| {
            m["eventDetail"]["@odata.type"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "#microsoft.graph.chatRenamedEventMessageDetail",
            "#microsoft.graph.membersAddedEventMessageDetail",
            "#microsoft.graph.membersAddedEventMessageDetail",
        ]
    );
    // A one-on-one chat made by the lever is the existing one.
    let (_, b) = control_post(
        &client,
        &sb,
        "_sandbox/teams/chats",
        json!({"user": ADELE, "members": [ALEX]}),
    )
    .await;
    assert_eq!(b["created"], false);
    assert_eq!(
        b["chat_id"],
        sb.control().teams_chat_id(ADELE, ALEX).unwrap().as_str()
    );

    // What the app sent, over HTTP.
    post(
        &client,
        &graph(&sb, &format!("/chats/{budget}/messages")),
        &token,
        json!({"body": {"content": "a <b>b</b>"}}),
    )
    .await;
    let sent: Value = client
        .get(
            sb.base_url()
                .join(&format!("_sandbox/teams/sent?user={ADELE}"))
                .unwrap(),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(sent["sent"][0]["content"], "a <b>b</b>");
    assert_eq!(sent["sent"][0]["chat_id"], budget.as_str());

    // Refusals in the control endpoints' own shape.
    let (s, b) = control_post(
        &client,
        &sb,
        "_sandbox/teams/chat-messages",
        json!({"user": ADELE, "chat": "Lunch crew", "from": MEGAN, "text": "x"}),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{b}");
    let (s, _) = control_post(
        &client,
        &sb,
        "_sandbox/teams/chat-messages",
        json!({"user": ADELE, "chat": "Spring launch", "from": ALEX, "text": "x", "html": "y"}),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = control_post(
        &client,
        &sb,
        "_sandbox/teams/chat-messages",
        json!({"user": SAM, "chat": "Spring launch", "from": ALEX, "text": "x"}),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);

    // In process, a system event on a named chat.
    sb.control()
        .post_teams_system_event(
            ADELE,
            "Spring launch",
            TeamsEvent::TopicChanged {
                by: MEGAN.into(),
                topic: "Spring launch 2027".into(),
            },
        )
        .unwrap();
    assert!(sb
        .control()
        .teams_chat_id(ADELE, "Spring launch 2027")
        .is_ok());
    sb.shutdown().await;
}

#[tokio::test]
async fn teams_requests_in_a_batch() {
    let (sb, client) = start().await;
    admin_consent(&client, &sb).await;
    let token = access_token(
        &client,
        &sb,
        ADELE,
        "openid User.Read Chat.ReadWrite Team.ReadBasic.All Channel.ReadBasic.All ChannelMessage.Read.All",
    )
    .await;
    let id = sb.control().teams_chat_id(ADELE, ALEX).unwrap();
    let (all, _) = all_pages(
        &client,
        &graph(&sb, &format!("/chats/{id}/messages")),
        &token,
    )
    .await;
    let image = all
        .iter()
        .find(|m| {
            m["body"]["content"]
                .as_str()
                .unwrap()
                .contains("hostedContents")
        })
        .unwrap();
    let content = image["body"]["content"].as_str().unwrap();
    let src = content
        .split("src=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let relative = src.split("/v1.0").nth(1).unwrap().to_string();
    let (team, general) = sb
        .control()
        .teams_channel_ids(ADELE, "Project Apollo", "General")
        .unwrap();
    let requests = json!({"requests": [
        {"id": "chats", "method": "GET", "url": "/me/chats?$top=2"},
        {"id": "messages", "method": "GET", "url": format!("/chats/{id}/messages?$top=2")},
        {"id": "image", "method": "GET", "url": relative},
        {"id": "teams", "method": "GET", "url": "/me/joinedTeams"},
        {"id": "channel", "method": "GET", "url": format!("/teams/{team}/channels/{}/messages", enc(&general))},
        {"id": "big", "method": "GET", "url": format!("/chats/{id}/messages?$top=60")},
        {"id": "send", "method": "POST", "url": format!("/chats/{id}/messages"),
         "headers": {"Content-Type": "application/json"}, "body": {"body": {"content": "from a batch"}}},
    ]});
    let batch = post(&client, &graph(&sb, "/$batch"), &token, requests).await;
    assert_eq!(batch.status, StatusCode::OK, "{}", batch.body);
    let by = |id: &str| {
        batch.body["responses"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .cloned()
            .unwrap()
    };
    assert_eq!(values(&by("chats")["body"]).len(), 2);
    assert!(by("chats")["body"]["@odata.nextLink"].is_string());
    assert_eq!(values(&by("messages")["body"]).len(), 2);
    let image = by("image");
    assert_eq!(image["status"], 200);
    assert_eq!(image["headers"]["Content-Type"], "image/png");
    let png = base64::engine::general_purpose::STANDARD
        .decode(image["body"].as_str().unwrap())
        .unwrap();
    assert!(png.starts_with(b"\x89PNG"));
    assert_eq!(values(&by("teams")["body"]).len(), 2);
    assert_eq!(values(&by("channel")["body"]).len(), 4);
    assert_eq!(by("big")["status"], 400);
    assert_eq!(by("send")["status"], 201);
    assert_eq!(
        sb.control().teams_sent(ADELE).unwrap()[0].content,
        "from a batch"
    );
    sb.shutdown().await;
}
