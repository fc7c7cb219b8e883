//! The mail actions automations take, over real HTTP: a message's attachments of every kind (listed, paged,
//! checked against the v1.0 schema, their bytes by `$value` and counted), forwarding, moving (a new ID, the old
//! one gone, the inbox delta reporting it removed), marking read and categorizing; each refused without its
//! permission. Mail with attachments is delivered through the control endpoints, as the CLI's tests do.

mod common;
mod schema;

use common::*;
use patchbay_sandbox::{attachment_pattern, NewAttachment, NewMail, Sandbox};
use reqwest::{Method, StatusCode};
use schema::check;
use serde_json::{json, Value};

const ADELE: &str = "adele@contoso.example";
const ALL: &str = "openid offline_access User.Read Mail.ReadWrite Mail.Send";

fn values(body: &Value) -> Vec<Value> {
    body["value"].as_array().cloned().unwrap_or_default()
}

/// An answer: status, headers, body bytes.
struct Raw {
    status: StatusCode,
    headers: reqwest::header::HeaderMap,
    bytes: Vec<u8>,
}

impl Raw {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.bytes).unwrap_or(Value::Null)
    }

    fn header(&self, name: &str) -> String {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    }
}

async fn call(
    client: &reqwest::Client,
    method: Method,
    url: &str,
    token: &str,
    body: Option<Value>,
) -> Raw {
    let mut r = client.request(method, url).bearer_auth(token);
    if let Some(b) = body {
        r = r.json(&b);
    }
    let resp = r.send().await.expect("request");
    Raw {
        status: resp.status(),
        headers: resp.headers().clone(),
        bytes: resp.bytes().await.expect("body").to_vec(),
    }
}

async fn control_get(
    client: &reqwest::Client,
    sb: &Sandbox,
    path_and_query: &str,
) -> (StatusCode, Value) {
    let resp = client
        .get(
            sb.base_url()
                .join(&format!("_sandbox/{path_and_query}"))
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    (resp.status(), resp.json().await.unwrap())
}

async fn deliver(client: &reqwest::Client, sb: &Sandbox, body: Value) -> Value {
    let resp = client
        .post(sb.base_url().join("_sandbox/deliver-mail").unwrap())
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    resp.json().await.unwrap()
}

fn assert_graph_error(r: &Raw, status: StatusCode, code: &str) {
    assert_eq!(r.status, status, "{}", String::from_utf8_lossy(&r.bytes));
    assert_eq!(r.json()["error"]["code"], code, "{}", r.json());
}

const LONG: usize = 300;

fn hostile_names() -> Vec<String> {
    vec![
        "../../.bashrc".into(),
        "CON.txt".into(),
        "a/b\\c.txt".into(),
        "tab\there\u{1}\u{7f}.txt".into(),
        format!("{}.pdf", "x".repeat(LONG)),
    ]
}

#[tokio::test]
async fn attachments_of_every_kind_are_listed_served_and_fit_the_schema() {
    let (sb, client) = start().await;
    let token = access_token(&client, &sb, ADELE, ALL).await;
    let names = hostile_names();
    let png = [0x89u8, b'P', b'N', b'G', 13, 10, 26, 10, 1, 2, 3];
    let delivered = deliver(
        &client,
        &sb,
        json!({
            "user": ADELE, "from_name": "Ada", "from_address": "ada@contoso.example",
            "subject": "Files for you", "body": "See attached.",
            "attachments": [
                {"kind": "file", "name": names[0], "content_type": "text/plain", "text": "alias rm='rm -i'\n"},
                {"kind": "file", "name": names[1], "base64": "AAECAw=="},
                {"kind": "file", "name": names[2], "size": 1000},
                {"kind": "file", "name": names[3], "size": 3},
                {"kind": "file", "name": names[4], "content_type": "application/pdf", "size": 70000},
                {"kind": "file", "name": "logo.png", "content_type": "image/png", "inline": true,
                 "content_id": "logo@1", "base64": base64::Engine::encode(&base64::engine::general_purpose::STANDARD, png)},
                {"kind": "item", "subject": "Original thread", "from_name": "Ben", "from_address": "ben@fabrikam.example",
                 "body": "The first mail.\nTwo lines."},
                {"kind": "reference", "name": "Plan.docx",
                 "content_type": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}
            ]
        }),
    )
    .await;
    let id = delivered["id"].as_str().unwrap().to_string();
    let ids: Vec<String> = serde_json::from_value(delivered["attachment_ids"].clone()).unwrap();
    assert_eq!(ids.len(), 8);

    // The message says it has attachments.
    let m = call(
        &client,
        Method::GET,
        &graph(&sb, &format!("/me/messages/{id}?$select=hasAttachments")),
        &token,
        None,
    )
    .await;
    assert_eq!(m.json()["hasAttachments"], true, "{}", m.json());

    // The listing, as the automation asks for it.
    let list = call(
        &client,
        Method::GET,
        &graph(
            &sb,
            &format!("/me/messages/{id}/attachments?$select=id,name,contentType,size,isInline"),
        ),
        &token,
        None,
    )
    .await;
    assert_eq!(list.status, StatusCode::OK);
    let body = list.json();
    assert!(body.get("@odata.nextLink").is_none());
    let problems = check::collection("microsoft.graph.attachment", &body);
    assert!(problems.is_empty(), "{problems:#?}");
    let items = values(&body);
    assert_eq!(items.len(), 8);
    let types: Vec<&str> = items
        .iter()
        .map(|a| a["@odata.type"].as_str().unwrap())
        .collect();
    assert_eq!(types[..6], ["#microsoft.graph.fileAttachment"; 6]);
    assert_eq!(types[6], "#microsoft.graph.itemAttachment");
    assert_eq!(types[7], "#microsoft.graph.referenceAttachment");
    for (i, name) in names.iter().enumerate() {
        assert_eq!(items[i]["name"], name.as_str(), "names are kept exactly");
        assert_eq!(items[i]["id"], ids[i].as_str());
        assert_eq!(items[i]["isInline"], false);
        assert!(items[i].get("contentBytes").is_none(), "not selected");
    }
    assert_eq!(items[0]["size"], 17);
    assert_eq!(items[0]["contentType"], "text/plain");
    assert_eq!(items[1]["contentType"], "application/octet-stream");
    assert_eq!(items[2]["size"], 1000);
    assert_eq!(items[4]["size"], 70000);
    assert_eq!(items[5]["isInline"], true);
    assert_eq!(items[5]["contentType"], "image/png");
    assert!(items[6]["size"].as_u64().unwrap() > 100);

    // Everything, with bytes and content IDs: still the schema's, and the bytes read are counted.
    let full = call(
        &client,
        Method::GET,
        &graph(&sb, &format!("/me/messages/{id}/attachments")),
        &token,
        None,
    )
    .await;
    let full = full.json();
    let problems = check::collection("microsoft.graph.attachment", &full);
    assert!(problems.is_empty(), "{problems:#?}");
    assert_eq!(values(&full)[5]["contentId"], "logo@1");
    assert_eq!(values(&full)[1]["contentBytes"], "AAECAw==");
    for path in [
        format!("/me/messages/{id}/attachments/{}", ids[0]),
        format!(
            "/me/messages/{id}/attachments/{}?$expand=microsoft.graph.itemattachment/item",
            ids[6]
        ),
        format!("/me/messages/{id}/attachments/{}", ids[7]),
    ] {
        let one = call(&client, Method::GET, &graph(&sb, &path), &token, None).await;
        assert_eq!(one.status, StatusCode::OK, "{path}");
        let problems = check::entity("microsoft.graph.attachment", &one.json());
        assert!(problems.is_empty(), "{path}: {problems:#?}");
    }
    let (_, reads) = control_get(&client, &sb, &format!("attachment-reads?user={ADELE}")).await;
    assert_eq!(
        reads["reads"][&ids[0]], 2,
        "the full listing and the single one: {reads}"
    );

    // `$value`: the file's bytes in its type, the attached mail as MIME, none for a link.
    let value = |i: usize| {
        graph(
            &sb,
            &format!("/me/messages/{id}/attachments/{}/$value", ids[i]),
        )
    };
    let file = call(&client, Method::GET, &value(0), &token, None).await;
    assert_eq!(file.status, StatusCode::OK);
    assert_eq!(file.bytes, b"alias rm='rm -i'\n");
    assert_eq!(file.header("content-type"), "text/plain");
    assert_eq!(file.header("content-length"), "17");
    let sized = call(&client, Method::GET, &value(4), &token, None).await;
    assert_eq!(sized.bytes, attachment_pattern(70000));
    assert_eq!(sized.header("content-type"), "application/pdf");
    let image = call(&client, Method::GET, &value(5), &token, None).await;
    assert_eq!(image.bytes, png);
    let mail = call(&client, Method::GET, &value(6), &token, None).await;
    assert_eq!(mail.status, StatusCode::OK);
    assert_eq!(mail.header("content-type"), "message/rfc822");
    let text = String::from_utf8(mail.bytes.clone()).unwrap();
    assert!(text.contains("\r\nSubject: Original thread\r\n"), "{text}");
    assert!(
        text.starts_with("From: Ben <ben@fabrikam.example>\r\n"),
        "{text}"
    );
    assert!(text.contains("The first mail.\r\nTwo lines."), "{text}");
    assert_eq!(mail.bytes.len() as u64, items[6]["size"].as_u64().unwrap());
    let link = call(&client, Method::GET, &value(7), &token, None).await;
    assert_eq!(link.status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(link.json()["error"]["code"].is_string());
    let unknown = call(
        &client,
        Method::GET,
        &graph(
            &sb,
            &format!("/me/messages/{id}/attachments/AAMkAGnope=/$value"),
        ),
        &token,
        None,
    )
    .await;
    assert_graph_error(&unknown, StatusCode::NOT_FOUND, "ErrorItemNotFound");

    let reads = sb.control().attachment_reads(ADELE).unwrap();
    assert_eq!(reads[&ids[0]], 3);
    assert_eq!(reads[&ids[4]], 2, "the full listing and $value");
    assert_eq!(reads[&ids[6]], 1, "the attached mail's MIME");
    assert!(!reads.contains_key(&ids[7]));

    // The new-mail delta sees it with its attachments.
    let (items, _) = whole_round(
        &client,
        &graph(&sb, "/me/mailFolders/inbox/messages/delta"),
        &token,
    )
    .await;
    let first = items
        .iter()
        .find(|m| m["id"] == id.as_str())
        .expect("in the first round");
    assert_eq!(first["hasAttachments"], true);
    sb.shutdown().await;
}

#[tokio::test]
async fn many_attachments_are_paged_and_a_large_one_is_read_once() {
    let (sb, client) = start().await;
    let token = access_token(&client, &sb, ADELE, ALL).await;
    let mut attachments: Vec<NewAttachment> = (0..12)
        .map(|i| {
            NewAttachment::file(
                &format!("part-{i:02}.txt"),
                "text/plain",
                format!("part {i}"),
            )
        })
        .collect();
    attachments.push(NewAttachment::sized("big.bin", 25 * 1024 * 1024));
    let d = sb
        .control()
        .deliver_mail_with(
            ADELE,
            NewMail {
                from: ("Ada".into(), "ada@contoso.example".into()),
                subject: "Thirteen".into(),
                body: "Many files.".into(),
                attachments,
            },
        )
        .unwrap();
    let mut url = graph(
        &sb,
        &format!("/me/messages/{}/attachments?$select=id,name,size", d.id),
    );
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let page = call(&client, Method::GET, &url, &token, None).await;
        assert_eq!(page.status, StatusCode::OK);
        let body = page.json();
        pages += 1;
        for a in values(&body) {
            assert!(
                a.get("contentType").is_none(),
                "the selection is kept across pages: {a}"
            );
            seen.push(a["id"].as_str().unwrap().to_string());
        }
        match body["@odata.nextLink"].as_str() {
            Some(next) => url = next.to_string(),
            None => break,
        }
    }
    assert_eq!(pages, 2);
    assert_eq!(seen, d.attachment_ids);

    let big = &d.attachment_ids[12];
    let r = call(
        &client,
        Method::GET,
        &graph(
            &sb,
            &format!("/me/messages/{}/attachments/{big}/$value", d.id),
        ),
        &token,
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.header("content-length"), (25 * 1024 * 1024).to_string());
    assert!(
        r.bytes == attachment_pattern(25 * 1024 * 1024),
        "the bytes as made"
    );
    assert_eq!(sb.control().attachment_reads(ADELE).unwrap()[big], 1);
    // The listing with only metadata read no bytes.
    assert_eq!(sb.control().attachment_reads(ADELE).unwrap().len(), 1);
    sb.shutdown().await;
}

#[tokio::test]
async fn each_action_is_refused_without_its_permission() {
    let (sb, client) = start().await;
    let d = sb
        .control()
        .deliver_mail_with(
            ADELE,
            NewMail {
                from: ("Ada".into(), "ada@contoso.example".into()),
                subject: "Guarded".into(),
                body: String::new(),
                attachments: vec![NewAttachment::file("a.txt", "text/plain", "a")],
            },
        )
        .unwrap();
    let aid = &d.attachment_ids[0];
    let basic = access_token(&client, &sb, ADELE, "openid User.Read Mail.ReadBasic").await;
    let read = access_token(&client, &sb, ADELE, "openid User.Read Mail.Read").await;
    let list = graph(&sb, &format!("/me/messages/{}/attachments", d.id));
    let value = graph(
        &sb,
        &format!("/me/messages/{}/attachments/{aid}/$value", d.id),
    );
    for url in [&list, &value] {
        let r = call(&client, Method::GET, url, &basic, None).await;
        assert_graph_error(&r, StatusCode::FORBIDDEN, "ErrorAccessDenied");
        assert_eq!(
            call(&client, Method::GET, url, &read, None).await.status,
            StatusCode::OK
        );
    }
    let to = json!({"toRecipients": [{"emailAddress": {"address": "x@fabrikam.example"}}]});
    let forward = call(
        &client,
        Method::POST,
        &graph(&sb, &format!("/me/messages/{}/forward", d.id)),
        &read,
        Some(to),
    )
    .await;
    assert_graph_error(&forward, StatusCode::FORBIDDEN, "ErrorAccessDenied");
    let moved = call(
        &client,
        Method::POST,
        &graph(&sb, &format!("/me/messages/{}/move", d.id)),
        &read,
        Some(json!({"destinationId": "archive"})),
    )
    .await;
    assert_graph_error(&moved, StatusCode::FORBIDDEN, "ErrorAccessDenied");
    let patched = call(
        &client,
        Method::PATCH,
        &graph(&sb, &format!("/me/messages/{}", d.id)),
        &read,
        Some(json!({"isRead": true})),
    )
    .await;
    assert_graph_error(&patched, StatusCode::FORBIDDEN, "ErrorAccessDenied");
    // Nothing happened.
    let state = sb.control().mail_message(ADELE, &d.id).unwrap().unwrap();
    assert_eq!((state.folder.as_str(), state.is_read), ("inbox", false));
    assert!(sb.control().mail_forwards(ADELE).unwrap().is_empty());
    // The listing with its bytes and the `$value`, each with Mail.Read; nothing refused was counted.
    assert_eq!(sb.control().attachment_reads(ADELE).unwrap()[aid], 2);
    sb.shutdown().await;
}

#[tokio::test]
async fn a_forward_is_accepted_and_recorded() {
    let (sb, client) = start().await;
    let token = access_token(&client, &sb, ADELE, ALL).await;
    let d = sb
        .control()
        .deliver_mail_with(
            ADELE,
            NewMail {
                from: ("Ada".into(), "ada@contoso.example".into()),
                subject: "Invoice 42".into(),
                body: "Pay me.".into(),
                attachments: vec![NewAttachment::sized("invoice.pdf", 2048)],
            },
        )
        .unwrap();
    let url = graph(&sb, &format!("/me/messages/{}/forward", d.id));
    let r = call(
        &client,
        Method::POST,
        &url,
        &token,
        Some(json!({"comment": "FYI", "toRecipients": [{"emailAddress": {"address": "books@fabrikam.example"}}]})),
    )
    .await;
    assert_eq!(r.status, StatusCode::ACCEPTED);
    assert!(r.bytes.is_empty());
    let (_, writes) = control_get(&client, &sb, &format!("mailbox-writes/{ADELE}")).await;
    let sent = &writes["sent"][0];
    assert_eq!(sent["forward_of"], d.id.as_str());
    assert_eq!(sent["to"], json!(["books@fabrikam.example"]));
    assert_eq!(sent["subject"], "FW: Invoice 42");
    assert_eq!(sent["body"], "FYI");
    assert_eq!(sent["attachments"], 1);
    assert!(sent["sent_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(sb.control().mail_forwards(ADELE).unwrap().len(), 1);

    let none = call(
        &client,
        Method::POST,
        &url,
        &token,
        Some(json!({"comment": "x"})),
    )
    .await;
    assert_graph_error(&none, StatusCode::BAD_REQUEST, "ErrorInvalidRecipients");
    let gone = call(
        &client,
        Method::POST,
        &graph(&sb, "/me/messages/AAMkAGnope=/forward"),
        &token,
        Some(json!({"toRecipients": [{"emailAddress": {"address": "x@fabrikam.example"}}]})),
    )
    .await;
    assert_graph_error(&gone, StatusCode::NOT_FOUND, "ErrorItemNotFound");
    assert_eq!(sb.control().mail_forwards(ADELE).unwrap().len(), 1);
    sb.shutdown().await;
}

/// Follow a delta round to its end: its items and the deltaLink.
async fn whole_round(client: &reqwest::Client, first: &str, token: &str) -> (Vec<Value>, String) {
    let mut items = Vec::new();
    let mut url = first.to_string();
    loop {
        let page = graph_get(client, &url, token, Some("odata.maxpagesize=50")).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        items.extend(values(&page.body));
        match page.body["@odata.nextLink"].as_str() {
            Some(next) => url = next.to_string(),
            None => {
                return (
                    items,
                    page.body["@odata.deltaLink"]
                        .as_str()
                        .expect("deltaLink")
                        .to_string(),
                )
            }
        }
    }
}

#[tokio::test]
async fn a_move_gives_a_new_id_and_the_inbox_delta_reports_the_old_one_removed() {
    let (sb, client) = start().await;
    let token = access_token(&client, &sb, ADELE, ALL).await;
    let (_, inbox_link) = whole_round(
        &client,
        &graph(&sb, "/me/mailFolders/inbox/messages/delta"),
        &token,
    )
    .await;
    let (_, archive_link) = whole_round(
        &client,
        &graph(&sb, "/me/mailFolders/archive/messages/delta"),
        &token,
    )
    .await;
    let d = sb
        .control()
        .deliver_mail_with(
            ADELE,
            NewMail {
                from: ("Ada".into(), "ada@contoso.example".into()),
                subject: "Move me".into(),
                body: "Body.".into(),
                attachments: vec![NewAttachment::file("a.txt", "text/plain", "abc")],
            },
        )
        .unwrap();
    let (items, inbox_link) = whole_round(&client, &inbox_link, &token).await;
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], d.id.as_str());
    assert_eq!(items[0]["hasAttachments"], true);

    // The destination is looked up first, as the automation does.
    let folder = call(
        &client,
        Method::GET,
        &graph(&sb, "/me/mailFolders/archive"),
        &token,
        None,
    )
    .await;
    assert_eq!(folder.status, StatusCode::OK);
    let archive_id = folder.json()["id"].as_str().unwrap().to_string();
    let r = call(
        &client,
        Method::POST,
        &graph(&sb, &format!("/me/messages/{}/move", d.id)),
        &token,
        Some(json!({"destinationId": "archive"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.json());
    let moved = r.json();
    let new_id = moved["id"].as_str().unwrap().to_string();
    assert_ne!(new_id, d.id);
    assert_eq!(moved["parentFolderId"], archive_id.as_str());
    assert_eq!(moved["subject"], "Move me");
    let problems = check::entity("microsoft.graph.message", &moved);
    assert!(problems.is_empty(), "{problems:#?}");

    // The old ID is gone everywhere; the new one has the attachments.
    for path in [
        format!("/me/messages/{}", d.id),
        format!("/me/messages/{}/attachments", d.id),
        format!(
            "/me/messages/{}/attachments/{}/$value",
            d.id, d.attachment_ids[0]
        ),
    ] {
        let r = call(&client, Method::GET, &graph(&sb, &path), &token, None).await;
        assert_graph_error(&r, StatusCode::NOT_FOUND, "ErrorItemNotFound");
    }
    let again = call(
        &client,
        Method::PATCH,
        &graph(&sb, &format!("/me/messages/{}", d.id)),
        &token,
        Some(json!({"isRead": true})),
    )
    .await;
    assert_graph_error(&again, StatusCode::NOT_FOUND, "ErrorItemNotFound");
    let list = call(
        &client,
        Method::GET,
        &graph(&sb, &format!("/me/messages/{new_id}/attachments")),
        &token,
        None,
    )
    .await;
    assert_eq!(values(&list.json()).len(), 1);
    let in_archive = call(
        &client,
        Method::GET,
        &graph(&sb, "/me/mailFolders/archive/messages"),
        &token,
        None,
    )
    .await;
    assert!(values(&in_archive.json())
        .iter()
        .any(|m| m["id"] == new_id.as_str()));

    // Delta: gone from the inbox, there in the archive.
    let (items, _) = whole_round(&client, &inbox_link, &token).await;
    assert_eq!(items.len(), 1, "{items:#?}");
    assert_eq!(items[0]["id"], d.id.as_str());
    assert!(items[0]["@removed"].is_object());
    let (items, _) = whole_round(&client, &archive_link, &token).await;
    assert_eq!(items.len(), 1, "{items:#?}");
    assert_eq!(items[0]["id"], new_id.as_str());

    // The control API follows it by its first ID.
    assert!(sb.control().mail_message(ADELE, &d.id).unwrap().is_none());
    let (status, by_original) = control_get(
        &client,
        &sb,
        &format!("messages?user={ADELE}&original_id={}", percent(&d.id)),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(by_original["message"]["id"], new_id.as_str());
    assert_eq!(by_original["message"]["folder"], "archive");
    assert_eq!(by_original["message"]["folder_id"], archive_id.as_str());
    assert_eq!(by_original["message"]["original_id"], d.id.as_str());
    let (status, _) = control_get(
        &client,
        &sb,
        &format!("messages?user={ADELE}&id={}", percent(&d.id)),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, folder) = control_get(
        &client,
        &sb,
        &format!("messages?user={ADELE}&folder=archive"),
    )
    .await;
    assert_eq!(folder["messages"][0]["id"], new_id.as_str());

    // Destinations that are not there.
    let bad = |dest: &str| {
        let body = json!({ "destinationId": dest });
        let url = graph(&sb, &format!("/me/messages/{new_id}/move"));
        let client = client.clone();
        let token = token.clone();
        async move { call(&client, Method::POST, &url, &token, Some(body)).await }
    };
    assert_graph_error(
        &bad("Nowhere").await,
        StatusCode::BAD_REQUEST,
        "ErrorInvalidIdMalformed",
    );
    let id_like = archive_id.replace(&archive_id[10..20], "AAAAAAAAAA");
    assert_graph_error(
        &bad(&id_like).await,
        StatusCode::NOT_FOUND,
        "ErrorItemNotFound",
    );
    // Each move gives a new ID, which the next move names.
    let mut current = new_id.clone();
    for well_known in ["deleteditems", "JunkEmail", "inbox"] {
        let r = call(
            &client,
            Method::POST,
            &graph(&sb, &format!("/me/messages/{current}/move")),
            &token,
            Some(json!({ "destinationId": well_known })),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{well_known}");
        current = r.json()["id"].as_str().unwrap().to_string();
    }
    let back = sb
        .control()
        .mail_message_by_original(ADELE, &d.id)
        .unwrap()
        .unwrap();
    assert_eq!(
        (back.id.as_str(), back.folder.as_str()),
        (current.as_str(), "inbox")
    );
    sb.shutdown().await;
}

fn percent(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test]
async fn patch_marks_read_and_sets_categories() {
    let (sb, client) = start().await;
    let token = access_token(&client, &sb, ADELE, ALL).await;
    let id = sb
        .control()
        .deliver_mail(ADELE, ("Ada", "ada@contoso.example"), "Tag me", "", false)
        .unwrap();
    let url = graph(&sb, &format!("/me/messages/{id}"));
    let r = call(
        &client,
        Method::PATCH,
        &url,
        &token,
        Some(json!({"isRead": true})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["isRead"], true);
    let problems = check::entity("microsoft.graph.message", &r.json());
    assert!(problems.is_empty(), "{problems:#?}");
    let r = call(
        &client,
        Method::PATCH,
        &url,
        &token,
        Some(json!({"categories": ["Finance", "Red category"]})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let got = call(
        &client,
        Method::GET,
        &format!("{url}?$select=categories"),
        &token,
        None,
    )
    .await;
    assert_eq!(got.json()["categories"], json!(["Finance", "Red category"]));
    assert_eq!(got.json()["id"], id.as_str());
    let state = sb.control().mail_message(ADELE, &id).unwrap().unwrap();
    assert!(state.is_read);
    assert_eq!(state.categories, ["Finance", "Red category"]);
    let bad = call(
        &client,
        Method::PATCH,
        &url,
        &token,
        Some(json!({"isRead": "yes"})),
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let read_only = call(
        &client,
        Method::PATCH,
        &url,
        &token,
        Some(json!({"hasAttachments": true})),
    )
    .await;
    assert_eq!(read_only.status, StatusCode::BAD_REQUEST);
    let gone = call(
        &client,
        Method::PATCH,
        &graph(&sb, "/me/messages/AAMkAGnope="),
        &token,
        Some(json!({"isRead": true})),
    )
    .await;
    assert_graph_error(&gone, StatusCode::NOT_FOUND, "ErrorItemNotFound");
    sb.shutdown().await;
}
