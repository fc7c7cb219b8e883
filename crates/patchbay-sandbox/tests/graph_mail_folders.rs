//! `/me/mailFolders` over real HTTP: the default folders with their counts, hidden ones on request, a folder by
//! well-known name, by ID and in OData key syntax, child folders, a folder's messages by its ID, the scopes it
//! needs, `$select` and paging, and the same through `$batch`.

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

const ADELE: &str = "adele@contoso.example";

fn values(body: &Value) -> Vec<Value> {
    body["value"].as_array().cloned().unwrap_or_default()
}

fn names(body: &Value) -> Vec<String> {
    values(body)
        .iter()
        .map(|f| f["displayName"].as_str().unwrap_or("").to_string())
        .collect()
}

#[tokio::test]
async fn the_default_folders_with_the_inboxs_counts() {
    let (sb, client) = start().await;
    let token = access_token(&client, &sb, ADELE, "openid User.Read Mail.ReadBasic").await;
    let list = graph_get(&client, &graph(&sb, "/me/mailFolders"), &token, None).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    assert_eq!(
        names(&list.body),
        [
            "Archive",
            "Conversation History",
            "Deleted Items",
            "Drafts",
            "Inbox",
            "Junk Email",
            "Outbox",
            "Sent Items"
        ],
        "Exchange's default folders, none hidden"
    );
    assert!(list.body["@odata.context"]
        .as_str()
        .unwrap()
        .ends_with("/$metadata#users('87d349ed-44d7-43e1-9a83-5f2406dee5bd')/mailFolders"));
    let folders = values(&list.body);
    let inbox = folders
        .iter()
        .find(|f| f["displayName"] == "Inbox")
        .unwrap();
    // The Inbox's counts are its listing's.
    let mail = graph_get(&client, &graph(&sb, "/me/messages?$top=1000"), &token, None).await;
    let all = values(&mail.body);
    let unread = all.iter().filter(|m| m["isRead"] == false).count();
    assert_eq!(inbox["totalItemCount"], all.len());
    assert_eq!(inbox["unreadItemCount"], unread);
    assert!(
        unread > 0 && unread < all.len(),
        "{unread} of {}",
        all.len()
    );
    // Messages name the Inbox as their parent; the other folders are empty, and all sit under the root.
    assert_eq!(all[0]["parentFolderId"], inbox["id"]);
    let root = graph_get(
        &client,
        &graph(&sb, "/me/mailFolders/msgfolderroot"),
        &token,
        None,
    )
    .await;
    assert_eq!(root.body["displayName"], "Top of Information Store");
    for f in &folders {
        assert_eq!(f["parentFolderId"], root.body["id"], "{f}");
        assert_eq!(f["childFolderCount"], 0, "{f}");
        assert_eq!(f["isHidden"], false, "{f}");
        if f["displayName"] != "Inbox" {
            assert_eq!(
                (f["totalItemCount"].clone(), f["unreadItemCount"].clone()),
                (json!(0), json!(0))
            );
        }
        let messages = graph_get(
            &client,
            &graph(
                &sb,
                &format!(
                    "/me/mailFolders/{}/messages?$top=1",
                    f["id"].as_str().unwrap()
                ),
            ),
            &token,
            None,
        )
        .await;
        assert_eq!(messages.status, StatusCode::OK, "{}", messages.body);
        assert_eq!(
            values(&messages.body).is_empty(),
            f["displayName"] != "Inbox",
            "{f}"
        );
    }
    // Hidden folders on request.
    let hidden = graph_get(
        &client,
        &graph(&sb, "/me/mailFolders?includeHiddenFolders=true&$top=20"),
        &token,
        None,
    )
    .await;
    let clutter = values(&hidden.body)
        .into_iter()
        .find(|f| f["displayName"] == "Clutter")
        .expect("a hidden folder");
    assert_eq!(clutter["isHidden"], true);
    // The mailbox settings' archive folder is the Archive folder.
    let settings_token = access_token(&client, &sb, ADELE, MAILBOX_SCOPES).await;
    let settings = graph_get(
        &client,
        &graph(&sb, "/me/mailboxSettings"),
        &settings_token,
        None,
    )
    .await;
    let archive = folders
        .iter()
        .find(|f| f["displayName"] == "Archive")
        .unwrap();
    assert_eq!(settings.body["archiveFolder"], archive["id"]);
    sb.shutdown().await;
}

#[tokio::test]
async fn a_folder_by_name_id_and_key_and_its_children() {
    let (sb, client) = start().await;
    let token = access_token(&client, &sb, ADELE, "openid User.Read Mail.Read").await;
    let by_name = graph_get(
        &client,
        &graph(&sb, "/me/mailFolders/SENTITEMS"),
        &token,
        None,
    )
    .await;
    assert_eq!(by_name.status, StatusCode::OK, "{}", by_name.body);
    assert_eq!(by_name.body["displayName"], "Sent Items");
    assert!(by_name.body["@odata.context"]
        .as_str()
        .unwrap()
        .ends_with("/mailFolders/$entity"));
    let id = by_name.body["id"].as_str().unwrap();
    assert!(id.starts_with("AQMkAD"), "{id}");
    let encoded = id.replace('=', "%3D");
    for path in [
        format!("/me/mailFolders/{encoded}"),
        "/me/mailFolders('SentItems')".to_string(),
    ] {
        let again = graph_get(&client, &graph(&sb, &path), &token, None).await;
        assert_eq!(again.body["id"], id, "{path}");
    }
    let children = graph_get(
        &client,
        &graph(&sb, "/me/mailFolders/inbox/childFolders"),
        &token,
        None,
    )
    .await;
    assert_eq!(children.status, StatusCode::OK);
    assert_eq!(values(&children.body), Vec::<Value>::new());
    let top = graph_get(
        &client,
        &graph(
            &sb,
            "/me/mailFolders('msgfolderroot')/childFolders?$top=3&$select=displayName",
        ),
        &token,
        None,
    )
    .await;
    assert_eq!(
        names(&top.body),
        ["Archive", "Conversation History", "Deleted Items"]
    );
    assert_eq!(
        values(&top.body)[0]
            .as_object()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        ["displayName", "id"],
        "$select keeps the id"
    );
    assert!(top.body["@odata.nextLink"]
        .as_str()
        .unwrap()
        .contains("%24skip=3"));
    for (path, status, code) in [
        (
            "/me/mailFolders/nope",
            StatusCode::NOT_FOUND,
            "ErrorItemNotFound",
        ),
        (
            "/me/mailFolders/nope/childFolders",
            StatusCode::NOT_FOUND,
            "ErrorItemNotFound",
        ),
        (
            "/me/mailFolders?$select=colour",
            StatusCode::BAD_REQUEST,
            "RequestBroker--ParseUri",
        ),
    ] {
        let answer = graph_get(&client, &graph(&sb, path), &token, None).await;
        assert_eq!(answer.status, status, "{path}: {}", answer.body);
        assert_eq!(answer.body["error"]["code"], code, "{path}");
    }
    // A draft names the Drafts folder as its parent.
    let writer = access_token(&client, &sb, ADELE, "openid Mail.ReadWrite").await;
    let drafts = graph_get(
        &client,
        &graph(&sb, "/me/mailFolders/drafts"),
        &writer,
        None,
    )
    .await;
    let draft = client
        .post(graph(&sb, "/me/messages"))
        .bearer_auth(&writer)
        .json(&json!({"subject": "x"}))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(draft["parentFolderId"], drafts.body["id"]);
    sb.shutdown().await;
}

#[tokio::test]
async fn folders_need_a_mail_scope_and_come_through_batch() {
    let (sb, client) = start().await;
    let profile_only = access_token(&client, &sb, ADELE, "openid User.Read").await;
    for path in [
        "/me/mailFolders",
        "/me/mailFolders/inbox",
        "/me/mailFolders/inbox/childFolders",
    ] {
        let refused = graph_get(&client, &graph(&sb, path), &profile_only, None).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{path}");
        assert_eq!(refused.body["error"]["code"], "ErrorAccessDenied", "{path}");
    }
    let token = access_token(&client, &sb, ADELE, "openid User.Read Mail.ReadWrite").await;
    let batch = client
        .post(graph(&sb, "/$batch"))
        .bearer_auth(&token)
        .json(&json!({"requests": [
            {"id": "list", "method": "GET", "url": "/me/mailFolders?$select=displayName"},
            {"id": "inbox", "method": "GET", "url": "/me/mailFolders/Inbox"},
        ]}))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    let response = |id: &str| {
        batch["responses"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("no {id} in {batch}"))
    };
    assert_eq!(response("list")["status"], 200);
    assert_eq!(names(&response("list")["body"]).len(), 8);
    assert_eq!(response("inbox")["body"]["displayName"], "Inbox");
    sb.shutdown().await;
}
