//! Every Graph answer the sandbox serves, for each demo user (work and personal), checked against Microsoft's
//! published v1.0 schema (tests/schema/graph-v1.0.json, derived from msgraph-metadata's CSDL): each property
//! declared on its type or a base type, each value of the declared type. The profile, mail (lists, folders, a
//! message with its attachments, drafts, replies, sendMail), mail folders, the calendar view, events created,
//! mailbox settings, mail and calendar delta rounds (with `@removed` items), `$batch` item bodies, and files:
//! drives, items by ID and by path, children, search, recent, shared with me, sites and their libraries, drive
//! delta (with deleted items), folders created, uploads simple and by session, sharing links.

mod common;
mod schema;

use common::*;
use patchbay_sandbox::{EventChange, Sandbox};
use reqwest::{Method, StatusCode};
use schema::probe::Probe;
use serde_json::{json, Value};

const ADELE: &str = "adele@contoso.example";
/// The demo tenant's work accounts (each with its own generated mail, calendar and drive).
const WORK: [&str; 3] = [ADELE, "megan@contoso.example", "alex@contoso.example"];
const SAM: &str = "sam@outlook.example";

/// Everything the checked endpoints need, work or personal.
const SCOPES: &str =
    "openid profile offline_access User.Read Mail.ReadWrite Mail.Send Calendars.ReadWrite \
                      MailboxSettings.Read Files.ReadWrite.All";
/// A work account also reads SharePoint.
const WORK_SCOPES: &str = "openid profile offline_access User.Read Mail.ReadWrite Mail.Send \
                           Calendars.ReadWrite MailboxSettings.Read Files.ReadWrite.All Sites.Read.All";

/// Sign in as `email` (a personal account at `consumers`, a work one at `organizations`): a probe for its answers.
async fn probe<'a>(sb: &'a Sandbox, client: reqwest::Client, email: &str) -> Probe<'a> {
    let personal = email == SAM;
    let scope = if personal { SCOPES } else { WORK_SCOPES };
    let mut f = flow(
        sb,
        patchbay_sandbox::BUILT_IN_CLIENT_ID,
        REDIRECT,
        scope,
        &[],
    );
    let tenant = if personal {
        "consumers"
    } else {
        "organizations"
    };
    let path = f.url.path().replacen("organizations", tenant, 1);
    f.url.set_path(&path);
    let back = sign_in(&client, sb, &f, email).await;
    let code = query(&back).remove("code").expect("a code");
    let body: Value = client
        .post(
            sb.base_url()
                .join(&format!("{tenant}/oauth2/v2.0/token"))
                .unwrap(),
        )
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
    let token = body["access_token"]
        .as_str()
        .unwrap_or_else(|| panic!("no access token for {email}: {body}"))
        .to_string();
    Probe::new(sb, client, token, email)
}

fn values(body: &Value) -> Vec<Value> {
    body["value"].as_array().cloned().unwrap_or_default()
}

fn id_of(v: &Value) -> String {
    v["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no id in {v}"))
        .to_string()
}

/// The calendar window around the demo week.
fn window(sb: &Sandbox) -> (String, String) {
    let anchor = jiff::Timestamp::try_from(sb.control().demo_anchor()).unwrap();
    let start = anchor - jiff::SignedDuration::from_hours(24 * 10);
    let end = anchor + jiff::SignedDuration::from_hours(24 * 21);
    let f = |t: jiff::Timestamp| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
    (f(start), f(end))
}

async fn mail_and_calendar(email: &str) {
    let (sb, client) = start().await;
    let mut p = probe(&sb, client, email).await;

    p.entity_at("/me", "user").await;
    p.entity_at("/me?$select=displayName,mail,id", "user").await;

    // Mail: lists, a folder's, plain-text bodies, a selection, one message, one with its attachments.
    let all = p.collection_at("/me/messages?$top=100", "message").await;
    p.collection_at(
        "/me/messages?$top=5&$select=subject,from,receivedDateTime",
        "message",
    )
    .await;
    p.collection_at("/me/mailFolders/inbox/messages?$top=10", "message")
        .await;
    p.collection_with(
        "/me/mailFolders('Inbox')/messages?$top=3",
        "message",
        &[("Prefer", "outlook.body-content-type=\"text\"")],
    )
    .await;
    p.collection_at("/me/mailFolders/sentitems/messages", "message")
        .await;
    let first = id_of(&values(&all)[0]);
    p.entity_at(&format!("/me/messages/{first}"), "message")
        .await;
    let with_files = values(&all)
        .into_iter()
        .find(|m| m["hasAttachments"] == true)
        .expect("a message with attachments");
    let expanded = p
        .entity_at(
            &format!("/me/messages/{}?$expand=attachments", id_of(&with_files)),
            "message",
        )
        .await;
    assert!(
        !values(&json!({"value": expanded["attachments"]})).is_empty(),
        "{expanded}"
    );

    // Writes: a draft, a reply, mail sent (no body), an event.
    let draft = p
        .send_json(
            Method::POST,
            "/me/messages",
            &json!({"subject": "Draft", "body": {"contentType": "text", "content": "Hi"},
                    "toRecipients": [{"emailAddress": {"address": "megan@contoso.example"}}]}),
            StatusCode::CREATED,
        )
        .await;
    p.entity("POST /me/messages", "message", &draft);
    let reply = p
        .send_json(
            Method::POST,
            &format!("/me/messages/{first}/createReply"),
            &json!({"comment": "Thanks!"}),
            StatusCode::CREATED,
        )
        .await;
    p.entity("POST createReply", "message", &reply);
    let sent = p
        .send_json(
            Method::POST,
            "/me/sendMail",
            &json!({"message": {"subject": "Sent", "body": {"contentType": "text", "content": "x"},
                    "toRecipients": [{"emailAddress": {"address": "megan@contoso.example"}}]}}),
            StatusCode::ACCEPTED,
        )
        .await;
    assert_eq!(sent, Value::Null, "sendMail answers 202 without a body");
    let event = p
        .send_json(
            Method::POST,
            "/me/events",
            &json!({"subject": "Planning",
                    "start": {"dateTime": "2026-12-07T10:00:00", "timeZone": "Pacific Standard Time"},
                    "end": {"dateTime": "2026-12-07T11:00:00", "timeZone": "Pacific Standard Time"},
                    "location": {"displayName": "Room 1"},
                    "attendees": [{"emailAddress": {"address": "megan@contoso.example"}, "type": "required"}]}),
            StatusCode::CREATED,
        )
        .await;
    p.entity("POST /me/events", "event", &event);

    // Calendar and settings.
    let (start, end) = window(&sb);
    let view = p
        .collection_at(
            &format!("/me/calendarView?startDateTime={start}&endDateTime={end}&$top=100"),
            "event",
        )
        .await;
    assert!(!values(&view).is_empty(), "the demo week has events");
    p.collection_with(
        &format!("/me/calendar/calendarView?startDateTime={start}&endDateTime={end}&$top=5"),
        "event",
        &[("Prefer", "outlook.timezone=\"Pacific Standard Time\"")],
    )
    .await;
    p.entity_at("/me/mailboxSettings", "mailboxSettings").await;

    // Mail delta: a whole round, then one with a removed message, one marked read and one delivered.
    let (inbox, link) = p
        .delta_round("/me/mailFolders/inbox/messages/delta", "message", 25)
        .await;
    let control = sb.control();
    control.change_mail(email, &id_of(&inbox[0]), true).unwrap();
    control
        .change_mail(email, &id_of(&inbox[1]), false)
        .unwrap();
    control
        .deliver_mail(email, ("Ada", "ada@contoso.example"), "New", "Body", true)
        .unwrap();
    let (changes, _) = p.delta_round(&link, "message", 25).await;
    assert!(
        changes.iter().any(|m| m.get("@removed").is_some()),
        "a removed message in {changes:?}"
    );

    // Calendar delta: a whole round, then one with a deleted event.
    let (events, link) = p
        .delta_round(
            &format!("/me/calendarView/delta?startDateTime={start}&endDateTime={end}"),
            "event",
            10,
        )
        .await;
    let gone = events
        .iter()
        .find(|e| e["seriesMasterId"].is_null())
        .map(id_of)
        .expect("a single event");
    control
        .change_event(
            email,
            &gone,
            EventChange {
                delete: true,
                ..EventChange::default()
            },
        )
        .unwrap();
    let (changes, _) = p.delta_round(&link, "event", 10).await;
    assert!(
        changes.iter().any(|e| e.get("@removed").is_some()),
        "a removed event in {changes:?}"
    );

    // Mail folders: the list, hidden ones too, by well-known name and by ID, child folders.
    let folders = p.collection_at("/me/mailFolders", "mailFolder").await;
    p.collection_at("/me/mailFolders?includeHiddenFolders=true", "mailFolder")
        .await;
    let inbox = p.entity_at("/me/mailFolders/inbox", "mailFolder").await;
    p.entity_at(&format!("/me/mailFolders/{}", id_of(&inbox)), "mailFolder")
        .await;
    p.entity_at("/me/mailFolders('SentItems')", "mailFolder")
        .await;
    p.collection_at("/me/mailFolders/inbox/childFolders", "mailFolder")
        .await;
    p.collection_at("/me/mailFolders/msgfolderroot/childFolders", "mailFolder")
        .await;
    for folder in values(&folders) {
        p.collection_at(
            &format!("/me/mailFolders/{}/messages?$top=3", id_of(&folder)),
            "message",
        )
        .await;
    }
    p.finish();
    sb.shutdown().await;
}

#[tokio::test]
async fn mail_and_calendar_answers_of_the_work_accounts_match_the_schema() {
    for email in WORK {
        mail_and_calendar(email).await;
    }
}

#[tokio::test]
async fn mail_and_calendar_answers_of_a_personal_account_match_the_schema() {
    mail_and_calendar(SAM).await;
}

/// One fragment of an upload session (no token: the upload host refuses one).
async fn fragment(
    client: &reqwest::Client,
    url: &str,
    data: &[u8],
    first: usize,
    total: usize,
) -> Value {
    let range = format!("bytes {first}-{}/{total}", first + data.len() - 1);
    let response = client
        .put(url)
        .header("Content-Range", range)
        .body(data.to_vec())
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    response.json().await.unwrap()
}

async fn files(email: &str) {
    let (sb, client) = start().await;
    let mut p = probe(&sb, client.clone(), email).await;
    let personal = email == SAM;

    let drive = p.entity_at("/me/drive", "drive").await;
    p.collection_at("/me/drives", "drive").await;
    p.entity_at("/me/drive/root", "driveItem").await;
    p.entity_at("/me/drive/root?$expand=children", "driveItem")
        .await;
    let children = p
        .collection_at("/me/drive/root/children", "driveItem")
        .await;
    p.collection_at(
        "/me/drive/root/children?$select=id,name,size,folder,file",
        "driveItem",
    )
    .await;
    p.collection_at("/me/drive/root:/Documents:/children", "driveItem")
        .await;
    let notes = p
        .entity_at("/me/drive/root:/Documents/Notes.txt", "driveItem")
        .await;
    p.entity_at(&format!("/me/drive/items/{}", id_of(&notes)), "driveItem")
        .await;
    p.entity_at(
        &format!(
            "/me/drive/items/{}?$select=id,name,file,parentReference",
            id_of(&notes)
        ),
        "driveItem",
    )
    .await;
    p.entity_at(
        &format!(
            "/drives/{}/items/{}",
            id_of(&drive),
            id_of(&values(&children)[0])
        ),
        "driveItem",
    )
    .await;
    p.collection_at(
        &format!("/me/drive/items/{}/permissions", id_of(&notes)),
        "permission",
    )
    .await;
    p.collection_at("/me/drive/root/search(q='notes')", "driveItem")
        .await;
    p.collection_at("/me/drive/search(q='budget')", "driveItem")
        .await;
    p.collection_at("/me/drive/recent", "driveItem").await;
    p.collection_at("/me/drive/sharedWithMe", "driveItem").await;

    // Writes: a folder, a simple upload, an upload session to its end, a link, a rename.
    let folder = p
        .send_json(
            Method::POST,
            "/me/drive/root/children",
            &json!({"name": "Schema", "folder": {}, "@microsoft.graph.conflictBehavior": "rename"}),
            StatusCode::CREATED,
        )
        .await;
    p.entity("POST children (createFolder)", "driveItem", &folder);
    let uploaded = p
        .call(
            Method::PUT,
            "/me/drive/root:/Schema/hello.txt:/content",
            Some(b"hello".to_vec()),
            &[],
        )
        .await;
    assert_eq!(uploaded.status, StatusCode::CREATED, "{}", uploaded.body);
    p.entity("PUT content", "driveItem", &uploaded.body);
    let session = p
        .send_json(
            Method::POST,
            "/me/drive/root:/Schema/big.bin:/createUploadSession",
            &json!({"item": {"@microsoft.graph.conflictBehavior": "rename"}}),
            StatusCode::OK,
        )
        .await;
    p.entity("POST createUploadSession", "uploadSession", &session);
    let upload = session["uploadUrl"]
        .as_str()
        .expect("an uploadUrl")
        .to_string();
    let data: Vec<u8> = (0..400_000u32).map(|i| (i % 251) as u8).collect();
    let unit = 327_680;
    let partial = fragment(&client, &upload, &data[..unit], 0, data.len()).await;
    p.entity("PUT a fragment (202)", "uploadSession", &partial);
    let status = client
        .get(&upload)
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    p.entity("GET an upload session", "uploadSession", &status);
    let done = fragment(&client, &upload, &data[unit..], unit, data.len()).await;
    p.entity("PUT the last fragment", "driveItem", &done);
    let scope = if personal {
        "anonymous"
    } else {
        "organization"
    };
    let link = p
        .send_json(
            Method::POST,
            &format!("/me/drive/items/{}/createLink", id_of(&notes)),
            &json!({"type": "view", "scope": scope}),
            StatusCode::CREATED,
        )
        .await;
    p.entity("POST createLink", "permission", &link);
    let renamed = p
        .send_json(
            Method::PATCH,
            &format!("/me/drive/items/{}", id_of(&uploaded.body)),
            &json!({"name": "renamed.txt"}),
            StatusCode::OK,
        )
        .await;
    p.entity("PATCH an item", "driveItem", &renamed);

    // Delta: a whole round, then one with deleted items.
    let (_, link) = p
        .delta_round("/me/drive/root/delta", "driveItem", 200)
        .await;
    sb.control()
        .delete_file(email, None, "/Documents/Notes.txt")
        .unwrap();
    let deleted = p
        .call(
            Method::DELETE,
            &format!("/me/drive/items/{}", id_of(&folder)),
            None,
            &[],
        )
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    let (changes, _) = p.delta_round(&link, "driveItem", 200).await;
    assert!(
        changes.iter().any(|i| i.get("deleted").is_some()),
        "deleted items in {changes:?}"
    );
    if personal {
        // A folder's delta (OneDrive for Business answers it on the root only).
        p.delta_round("/me/drive/root:/Documents:/delta", "driveItem", 50)
            .await;
    } else {
        // SharePoint: sites followed, found, by ID and by path, their libraries.
        let followed = p.collection_at("/me/followedSites", "site").await;
        p.collection_at("/sites?search=contoso", "site").await;
        let site = id_of(&values(&followed)[0]);
        p.entity_at(&format!("/sites/{site}"), "site").await;
        p.entity_at("/sites/contoso.sharepoint.com:/sites/ContosoTeam", "site")
            .await;
        p.collection_at(&format!("/sites/{site}/drives"), "drive")
            .await;
        p.entity_at(&format!("/sites/{site}/drive"), "drive").await;
        p.collection_at(&format!("/sites/{site}/drive/root/children"), "driveItem")
            .await;
        p.delta_round(&format!("/sites/{site}/drive/root/delta"), "driveItem", 200)
            .await;
    }
    p.finish();
    sb.shutdown().await;
}

#[tokio::test]
async fn files_answers_of_the_work_accounts_match_the_schema() {
    for email in WORK {
        files(email).await;
    }
}

#[tokio::test]
async fn files_answers_of_a_personal_account_match_the_schema() {
    files(SAM).await;
}

#[tokio::test]
async fn batch_item_bodies_match_the_schema() {
    let (sb, client) = start().await;
    let mut p = probe(&sb, client, ADELE).await;
    let list = p.get_with("/me/messages?$top=100", &[]).await;
    let with_files = values(&list)
        .into_iter()
        .find(|m| m["hasAttachments"] == true)
        .map(|m| id_of(&m))
        .expect("a message with attachments");
    let (start, end) = window(&sb);
    // (id, url, how its body is checked)
    let items: Vec<(&str, String, &str)> = vec![
        ("me", "/me".into(), "user"),
        ("messages", "/me/messages?$top=5".into(), "[message"),
        (
            "one",
            format!("/me/messages/{with_files}?$expand=attachments"),
            "message",
        ),
        ("folders", "/me/mailFolders".into(), "[mailFolder"),
        ("inbox", "/me/mailFolders/inbox".into(), "mailFolder"),
        (
            "children",
            "/me/mailFolders/inbox/childFolders".into(),
            "[mailFolder",
        ),
        (
            "view",
            format!("/me/calendarView?startDateTime={start}&endDateTime={end}"),
            "[event",
        ),
        ("settings", "/me/mailboxSettings".into(), "mailboxSettings"),
        (
            "delta",
            "/me/mailFolders/inbox/messages/delta".into(),
            "[message",
        ),
        ("drive", "/me/drive".into(), "drive"),
        ("root", "/me/drive/root/children".into(), "[driveItem"),
        (
            "notes",
            "/me/drive/root:/Documents/Notes.txt".into(),
            "driveItem",
        ),
        ("sites", "/me/followedSites".into(), "[site"),
    ];
    let mut requests: Vec<Value> = items
        .iter()
        .map(|(id, url, _)| json!({"id": id, "method": "GET", "url": url}))
        .collect();
    requests.push(json!({"id": "draft", "method": "POST", "url": "/me/messages",
        "headers": {"Content-Type": "application/json"},
        "body": {"subject": "From a batch", "toRecipients": [{"emailAddress": {"address": "megan@contoso.example"}}]}}));
    let batch = p
        .send_json(
            Method::POST,
            "/$batch",
            &json!({ "requests": requests }),
            StatusCode::OK,
        )
        .await;
    let responses = batch["responses"].as_array().expect("responses");
    assert_eq!(responses.len(), items.len() + 1, "{batch}");
    let mut expected: Vec<(&str, &str)> = items.iter().map(|(id, _, t)| (*id, *t)).collect();
    expected.push(("draft", "message"));
    for (id, kind) in expected {
        let response = responses
            .iter()
            .find(|r| r["id"] == id)
            .unwrap_or_else(|| panic!("no response {id} in {batch}"));
        let status = response["status"].as_u64().unwrap_or(0);
        assert!((200..300).contains(&status), "{id}: {response}");
        let what = format!("$batch item {id}");
        match kind.strip_prefix('[') {
            Some(element) => p.collection(&what, element, &response["body"]),
            None => p.entity(&what, kind, &response["body"]),
        }
    }
    p.finish();
    sb.shutdown().await;
}

/// The checker itself: it finds what it must.
mod checker {
    use super::schema::check::{collection, entity};
    use serde_json::json;

    fn one(problems: Vec<String>, needle: &str) {
        assert!(
            problems.iter().any(|p| p.contains(needle)),
            "expected a problem with '{needle}', got {problems:?}"
        );
    }

    #[test]
    fn a_declared_message_passes_and_inherited_properties_count() {
        let m = json!({
            "@odata.etag": "W/\"CQAAABYAAA\"",
            "id": "AAMkAD", "createdDateTime": "2026-11-29T08:15:00Z", "changeKey": "CQAAABYAAA",
            "categories": [], "subject": null, "isRead": true, "importance": "normal",
            "conversationIndex": "AQHa+/8=",
            "body": {"contentType": "html", "content": "<p>x</p>"},
            "from": {"emailAddress": {"name": "Ada", "address": "ada@contoso.example"}},
            "toRecipients": [{"emailAddress": {"address": "b@contoso.example"}}],
            "flag": {"flagStatus": "notFlagged"},
            "attachments@odata.context": "x",
            "attachments": [{"@odata.type": "#microsoft.graph.fileAttachment", "id": "a", "name": "a.pdf",
                             "contentType": "application/pdf", "size": 10, "isInline": false}],
        });
        assert_eq!(entity("microsoft.graph.message", &m), Vec::<String>::new());
    }

    #[test]
    fn undeclared_properties_and_wrong_types_are_named() {
        one(
            entity("microsoft.graph.message", &json!({"id": "x", "colour": "red"})),
            "$.colour: not declared on microsoft.graph.message → microsoft.graph.outlookItem → microsoft.graph.entity",
        );
        one(
            entity("microsoft.graph.message", &json!({"isRead": "yes"})),
            "$.isRead: Edm.Boolean is true or false",
        );
        one(
            entity("microsoft.graph.message", &json!({"importance": "urgent"})),
            "'urgent' is not a member of microsoft.graph.importance",
        );
        one(
            entity(
                "microsoft.graph.message",
                &json!({"receivedDateTime": "2026-11-29 08:15"}),
            ),
            "Edm.DateTimeOffset",
        );
        one(
            entity(
                "microsoft.graph.message",
                &json!({"toRecipients": {"emailAddress": {}}}),
            ),
            "is a JSON array",
        );
        one(
            entity(
                "microsoft.graph.message",
                &json!({"from": {"emailAddress": {"mail": "x"}}}),
            ),
            "$.from.emailAddress.mail: not declared on microsoft.graph.emailAddress",
        );
        one(
            entity("microsoft.graph.message", &json!({"id": null})),
            "$.id: null, but Edm.String is declared Nullable=\"false\"",
        );
        one(
            entity("microsoft.graph.driveItem", &json!({"size": 1.5})),
            "Edm.Int64 is a JSON integer",
        );
        one(
            entity(
                "microsoft.graph.message",
                &json!({"@odata.type": "#microsoft.graph.event"}),
            ),
            "does not derive from the declared microsoft.graph.message",
        );
        one(
            entity(
                "microsoft.graph.message",
                &json!({"attachments": [{"id": "a"}]}),
            ),
            "microsoft.graph.attachment is abstract",
        );
        one(
            entity(
                "microsoft.graph.message",
                &json!({"@removed": {"reason": "gone"}}),
            ),
            "@removed is",
        );
        one(
            entity(
                "microsoft.graph.message",
                &json!({"$hidden": 1, "@custom.thing": 1}),
            ),
            "an instance annotation is",
        );
        one(
            collection("microsoft.graph.message", &json!({"value": [], "count": 3})),
            "'count' is neither 'value' nor an annotation",
        );
    }

    #[test]
    fn identity_is_open_and_a_derived_type_is_checked_as_itself() {
        let item = json!({
            "createdBy": {"user": {"id": "1", "displayName": "Ada", "email": "ada@contoso.example"}},
            "@microsoft.graph.downloadUrl": "http://127.0.0.1/x",
        });
        assert_eq!(
            entity("microsoft.graph.driveItem", &item),
            Vec::<String>::new()
        );
        let file = json!({"@odata.type": "#microsoft.graph.fileAttachment", "contentBytes": "not base64!"});
        one(
            entity("microsoft.graph.attachment", &file),
            "Edm.Binary is base64",
        );
    }
}
