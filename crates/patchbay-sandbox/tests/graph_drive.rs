//! OneDrive and SharePoint over real HTTP: listing and paging, path addressing, `$select`/`$orderby`, search
//! and its quoting, content by a 302 to the download host (which refuses a bearer token), simple uploads with
//! each conflict behaviour, folders, links, upload sessions through every rule, delta (baseline, each kind of
//! change, duplicates, 410 with Location), personal against business drives, scopes, sites, `$batch`, and the
//! control endpoints.

mod common;

use std::collections::HashSet;

use common::*;
use patchbay_sandbox::{FileContent, Sandbox, UploadLever};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const ADELE: &str = "adele@contoso.example";
const MEGAN: &str = "megan@contoso.example";
const SAM: &str = "sam@outlook.example";
const ALL: &str = "openid offline_access User.Read Files.ReadWrite.All Sites.Read.All";
const PERSONAL: &str = "openid offline_access User.Read Files.ReadWrite";

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
    token: Option<&str>,
    body: Option<Vec<u8>>,
    headers: &[(&str, &str)],
) -> Answer {
    let mut r = client.request(method, url);
    if let Some(t) = token {
        r = r.bearer_auth(t);
    }
    for (k, v) in headers {
        r = r.header(*k, *v);
    }
    if let Some(b) = body {
        r = r.body(b);
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
    call(client, Method::GET, url, Some(token), None, &[]).await
}

async fn post_json(client: &reqwest::Client, url: &str, token: &str, body: Value) -> Answer {
    call(
        client,
        Method::POST,
        url,
        Some(token),
        Some(body.to_string().into_bytes()),
        &[("Content-Type", "application/json")],
    )
    .await
}

async fn put(client: &reqwest::Client, url: &str, token: &str, bytes: &[u8]) -> Answer {
    call(
        client,
        Method::PUT,
        url,
        Some(token),
        Some(bytes.to_vec()),
        &[],
    )
    .await
}

fn values(body: &Value) -> Vec<Value> {
    body["value"].as_array().cloned().unwrap_or_default()
}

fn names(body: &Value) -> Vec<String> {
    values(body)
        .iter()
        .filter_map(|v| v["name"].as_str().map(String::from))
        .collect()
}

fn sha256(bytes: &[u8]) -> String {
    ring::digest::digest(&ring::digest::SHA256, bytes)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

async fn setup(email: &str, scope: &str) -> (Sandbox, reqwest::Client, String) {
    let (sb, client) = start().await;
    let token = if email == SAM {
        personal_token(&client, &sb, scope).await
    } else {
        access_token(&client, &sb, email, scope).await
    };
    (sb, client, token)
}

/// The personal account signs in at `consumers`.
async fn personal_token(client: &reqwest::Client, sb: &Sandbox, scope: &str) -> String {
    let mut f = flow(
        sb,
        patchbay_sandbox::BUILT_IN_CLIENT_ID,
        REDIRECT,
        scope,
        &[],
    );
    let path = f.url.path().replacen("organizations", "consumers", 1);
    f.url.set_path(&path);
    let back = sign_in(client, sb, &f, SAM).await;
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
    body["access_token"]
        .as_str()
        .expect("access_token")
        .to_string()
}

#[tokio::test]
async fn drive_items_paths_children_and_paging() {
    let (sb, client, token) = setup(ADELE, ALL).await;
    let drive = get(&client, &graph(&sb, "/me/drive"), &token).await;
    assert_eq!(drive.status, StatusCode::OK, "{}", drive.body);
    assert_eq!(drive.body["driveType"], "business");
    assert!(drive.body["quota"]["used"].as_u64().unwrap() > 0);
    assert_eq!(drive.body["quota"]["state"], "normal");
    let drive_id = drive.body["id"].as_str().unwrap().to_string();
    assert!(drive_id.starts_with("b!"));
    let drives = get(&client, &graph(&sb, "/me/drives"), &token).await;
    assert_eq!(values(&drives.body)[0]["id"], drive_id.as_str());

    let root = get(&client, &graph(&sb, "/me/drive/root"), &token).await;
    assert_eq!(root.body["name"], "root");
    assert!(root.body["root"].is_object());
    assert!(root.body["parentReference"].get("path").is_none());
    let children = get(&client, &graph(&sb, "/me/drive/root/children"), &token).await;
    let top = names(&children.body);
    for expected in ["Archive", "Documents", "Empty folder", "Pictures", "Shared"] {
        assert!(top.contains(&expected.to_string()), "{top:?}");
    }
    let desc = get(
        &client,
        &graph(&sb, "/me/drive/root/children?$orderby=name%20desc"),
        &token,
    )
    .await;
    let mut reversed = top.clone();
    reversed.reverse();
    assert_eq!(names(&desc.body), reversed);

    // Path addressing, with and without the closing colon, and by ID.
    let notes = get(
        &client,
        &graph(&sb, "/me/drive/root:/Documents/Notes.txt"),
        &token,
    )
    .await;
    assert_eq!(notes.status, StatusCode::OK, "{}", notes.body);
    let same = get(
        &client,
        &graph(&sb, "/me/drive/root:/documents/NOTES.txt:"),
        &token,
    )
    .await;
    assert_eq!(same.body["id"], notes.body["id"]);
    let id = notes.body["id"].as_str().unwrap();
    let by_id = get(
        &client,
        &graph(&sb, &format!("/drives/{drive_id}/items/{id}")),
        &token,
    )
    .await;
    assert_eq!(by_id.body["name"], "Notes.txt");
    assert_eq!(
        notes.body["parentReference"]["path"],
        "/drive/root:/Documents"
    );
    assert_eq!(
        by_id.body["parentReference"]["path"],
        format!("/drives/{drive_id}/root:/Documents")
    );
    assert_eq!(notes.body["parentReference"]["driveType"], "business");
    assert_eq!(notes.body["file"]["mimeType"], "text/plain");
    assert!(notes.body["file"]["hashes"]["quickXorHash"].is_string());
    assert!(notes.body["file"]["hashes"].get("sha1Hash").is_none());
    assert!(notes.body["cTag"].is_string());
    assert!(notes.body["eTag"].is_string());
    assert!(notes.body["@microsoft.graph.downloadUrl"].is_string());
    assert_eq!(notes.body["createdBy"]["user"]["email"], ADELE);
    let by_drive_path = get(
        &client,
        &graph(
            &sb,
            &format!("/drives/{drive_id}/root:/Documents/Notes.txt:"),
        ),
        &token,
    )
    .await;
    assert_eq!(by_drive_path.body["id"], id);
    let under_item = get(
        &client,
        &graph(
            &sb,
            &format!(
                "/me/drive/items/{}:/Notes.txt",
                notes.body["parentReference"]["id"].as_str().unwrap()
            ),
        ),
        &token,
    )
    .await;
    assert_eq!(under_item.body["id"], id);
    let missing = get(
        &client,
        &graph(&sb, "/me/drive/root:/Documents/nope.txt"),
        &token,
    )
    .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.body["error"]["code"], "itemNotFound");

    // $select.
    let selected = get(
        &client,
        &graph(&sb, "/me/drive/root:/Documents/Notes.txt?$select=name,size"),
        &token,
    )
    .await;
    let keys: HashSet<&str> = selected
        .body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert!(
        keys.contains("name") && keys.contains("size") && !keys.contains("file"),
        "{keys:?}"
    );
    let bad = get(&client, &graph(&sb, "/me/drive/root?$select=nope"), &token).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);

    // Paging /Archive/2025: 300 files, 100 a page, linked by nextLink.
    let mut url = graph(&sb, "/me/drive/root:/Archive/2025:/children?$top=100");
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let page = get(&client, &url, &token).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        pages += 1;
        seen.extend(names(&page.body));
        match page.body["@odata.nextLink"].as_str() {
            Some(next) => url = next.to_string(),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 300);
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 300);
    assert_eq!(seen[0], "log-2025-001.txt");
    let folder = get(&client, &graph(&sb, "/me/drive/root:/Archive/2025"), &token).await;
    assert_eq!(folder.body["folder"]["childCount"], 300);

    // Recent files and what others shared.
    let recent = get(&client, &graph(&sb, "/me/drive/recent"), &token).await;
    assert!(!values(&recent.body).is_empty());
    assert!(values(&recent.body)[0]["remoteItem"]["id"].is_string());
    let shared = get(&client, &graph(&sb, "/me/drive/sharedWithMe"), &token).await;
    let owners: Vec<String> = values(&shared.body)
        .iter()
        .map(|v| {
            v["remoteItem"]["shared"]["owner"]["user"]["email"]
                .as_str()
                .unwrap_or("")
                .to_string()
        })
        .collect();
    assert_eq!(values(&shared.body).len(), 2, "{}", shared.body);
    assert!(owners.contains(&MEGAN.to_string()), "{owners:?}");
    // A shared item reads through its drive; the rest of that drive does not.
    let remote = &values(&shared.body)[0]["remoteItem"];
    let other_drive = remote["parentReference"]["driveId"].as_str().unwrap();
    let shared_item = get(
        &client,
        &graph(
            &sb,
            &format!(
                "/drives/{other_drive}/items/{}",
                remote["id"].as_str().unwrap()
            ),
        ),
        &token,
    )
    .await;
    assert_eq!(shared_item.status, StatusCode::OK, "{}", shared_item.body);
    let not_shared = get(
        &client,
        &graph(
            &sb,
            &format!("/drives/{other_drive}/root:/Documents/Notes.txt"),
        ),
        &token,
    )
    .await;
    assert_eq!(not_shared.status, StatusCode::FORBIDDEN);
    sb.shutdown().await;
}

#[tokio::test]
async fn content_redirects_to_a_download_host_that_refuses_tokens() {
    let (sb, client, token) = setup(ADELE, ALL).await;
    let redirect = get(
        &client,
        &graph(&sb, "/me/drive/root:/Documents/Notes.txt:/content"),
        &token,
    )
    .await;
    assert_eq!(redirect.status, StatusCode::FOUND);
    assert!(redirect.bytes.is_empty());
    let location = redirect.headers["location"].to_str().unwrap().to_string();
    assert!(location.contains("/_download/"), "{location}");
    // The Graph token must not travel to the download host.
    let refused = get(&client, &location, &token).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    let plain = call(&client, Method::GET, &location, None, None, &[]).await;
    assert_eq!(plain.status, StatusCode::OK);
    let text = String::from_utf8(plain.bytes.clone()).unwrap();
    assert!(text.starts_with("Call the printer vendor"), "{text}");
    assert_eq!(
        plain.headers["content-length"],
        plain.bytes.len().to_string().as_str()
    );
    let part = call(
        &client,
        Method::GET,
        &location,
        None,
        None,
        &[("Range", "bytes=5-10")],
    )
    .await;
    assert_eq!(part.status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(part.bytes, plain.bytes[5..=10].to_vec());
    assert_eq!(
        part.headers["content-range"],
        format!("bytes 5-10/{}", plain.bytes.len()).as_str()
    );
    let past = call(
        &client,
        Method::GET,
        &location,
        None,
        None,
        &[("Range", "bytes=99999-")],
    )
    .await;
    assert_eq!(past.status, StatusCode::RANGE_NOT_SATISFIABLE);
    // The item's downloadUrl works without a token too; the documents are real.
    for (path, magic) in [
        ("/Documents/Project Plan.docx", &b"PK\x03\x04"[..]),
        ("/Documents/Contract.pdf", b"%PDF-1.4"),
        ("/Pictures/logo.png", b"\x89PNG"),
    ] {
        let item = get(
            &client,
            &graph(&sb, &format!("/me/drive/root:{}", path.replace(' ', "%20"))),
            &token,
        )
        .await;
        let url = item.body["@microsoft.graph.downloadUrl"].as_str().unwrap();
        let got = call(&client, Method::GET, url, None, None, &[]).await;
        assert_eq!(got.status, StatusCode::OK);
        assert!(got.bytes.starts_with(magic), "{path}");
        assert_eq!(got.bytes.len() as u64, item.body["size"].as_u64().unwrap());
    }
    let pdf = sb
        .control()
        .file_bytes(ADELE, None, "/Documents/Contract.pdf")
        .unwrap();
    assert!(String::from_utf8_lossy(&pdf).contains("(Service Contract) '"));
    sb.shutdown().await;
}

#[tokio::test]
async fn simple_uploads_folders_links_and_deletes() {
    let (sb, client, token) = setup(ADELE, ALL).await;
    let url = graph(&sb, "/me/drive/root:/Uploads/report.txt:/content");
    let created = put(&client, &url, &token, b"first version").await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(
        created.body["parentReference"]["path"],
        "/drive/root:/Uploads"
    );
    let id = created.body["id"].as_str().unwrap().to_string();
    let replaced = put(&client, &url, &token, b"second version!").await;
    assert_eq!(replaced.status, StatusCode::OK);
    assert_eq!(replaced.body["id"], id.as_str());
    assert_eq!(replaced.body["size"], 15);
    assert_ne!(replaced.body["cTag"], created.body["cTag"]);
    let fail = put(
        &client,
        &format!("{url}?@microsoft.graph.conflictBehavior=fail"),
        &token,
        b"x",
    )
    .await;
    assert_eq!(fail.status, StatusCode::CONFLICT);
    assert_eq!(fail.body["error"]["code"], "nameAlreadyExists");
    let renamed = put(
        &client,
        &format!("{url}?@microsoft.graph.conflictBehavior=rename"),
        &token,
        b"x",
    )
    .await;
    assert_eq!(renamed.status, StatusCode::CREATED);
    assert_eq!(renamed.body["name"], "report 1.txt");
    let info = sb
        .control()
        .file_info(ADELE, None, "/Uploads/report.txt")
        .unwrap();
    assert_eq!(
        info.sha256.as_deref(),
        Some(sha256(b"second version!").as_str())
    );
    assert_eq!(info.size, 15);
    // By parent ID and name.
    let parent = created.body["parentReference"]["id"].as_str().unwrap();
    let by_parent = put(
        &client,
        &graph(&sb, &format!("/me/drive/items/{parent}:/b.md:/content")),
        &token,
        b"# b",
    )
    .await;
    assert_eq!(by_parent.status, StatusCode::CREATED);
    assert_eq!(by_parent.body["file"]["mimeType"], "text/markdown");

    // Folders.
    let children = graph(&sb, "/me/drive/root/children");
    let folder = post_json(
        &client,
        &children,
        &token,
        json!({"name": "New", "folder": {}}),
    )
    .await;
    assert_eq!(folder.status, StatusCode::CREATED, "{}", folder.body);
    assert_eq!(folder.body["folder"]["childCount"], 0);
    let again = post_json(
        &client,
        &children,
        &token,
        json!({"name": "New", "folder": {}}),
    )
    .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    let rename = post_json(
        &client,
        &children,
        &token,
        json!({"name": "New", "folder": {}, "@microsoft.graph.conflictBehavior": "rename"}),
    )
    .await;
    assert_eq!(rename.body["name"], "New 1");
    let missing = post_json(
        &client,
        &graph(&sb, "/me/drive/root:/No/Such:/children"),
        &token,
        json!({"name": "x", "folder": {}}),
    )
    .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.body["error"]["code"], "itemNotFound");

    // Links: 201, then the same link again with 200.
    let link_url = graph(&sb, "/me/drive/root:/Uploads/report.txt:/createLink");
    let link = post_json(
        &client,
        &link_url,
        &token,
        json!({"type": "view", "scope": "organization"}),
    )
    .await;
    assert_eq!(link.status, StatusCode::CREATED, "{}", link.body);
    assert_eq!(link.body["link"]["type"], "view");
    assert_eq!(link.body["link"]["scope"], "organization");
    assert!(link.body["link"]["webUrl"]
        .as_str()
        .unwrap()
        .starts_with("https://"));
    assert_eq!(link.body["roles"], json!(["read"]));
    let same = post_json(
        &client,
        &link_url,
        &token,
        json!({"type": "view", "scope": "organization"}),
    )
    .await;
    assert_eq!(same.status, StatusCode::OK);
    assert_eq!(same.body["id"], link.body["id"]);
    let anon = post_json(
        &client,
        &link_url,
        &token,
        json!({"type": "view", "scope": "anonymous"}),
    )
    .await;
    assert_eq!(anon.status, StatusCode::CREATED);

    // Delete.
    let gone = call(
        &client,
        Method::DELETE,
        &graph(&sb, &format!("/me/drive/items/{id}")),
        Some(&token),
        None,
        &[],
    )
    .await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT);
    let after = get(
        &client,
        &graph(&sb, &format!("/me/drive/items/{id}")),
        &token,
    )
    .await;
    assert_eq!(after.status, StatusCode::NOT_FOUND);
    sb.shutdown().await;
}

const UNIT: usize = 327_680;

async fn fragment(
    client: &reqwest::Client,
    url: &str,
    data: &[u8],
    first: usize,
    total: usize,
    auth: Option<&str>,
) -> Answer {
    let range = format!("bytes {first}-{}/{total}", first + data.len() - 1);
    call(
        client,
        Method::PUT,
        url,
        auth,
        Some(data.to_vec()),
        &[("Content-Range", &range)],
    )
    .await
}

#[tokio::test]
async fn upload_sessions_follow_graphs_rules() {
    let (sb, client, token) = setup(ADELE, ALL).await;
    let total = 3 * UNIT + 1000;
    let data: Vec<u8> = (0..total).map(|i| (i * 31 % 251) as u8).collect();
    let session = post_json(
        &client,
        &graph(&sb, "/me/drive/root:/Big/data.bin:/createUploadSession"),
        &token,
        json!({"item": {"@microsoft.graph.conflictBehavior": "rename"}}),
    )
    .await;
    assert_eq!(session.status, StatusCode::OK, "{}", session.body);
    assert_eq!(session.body["nextExpectedRanges"], json!(["0-"]));
    assert!(session.body["expirationDateTime"].is_string());
    let upload = session.body["uploadUrl"].as_str().unwrap().to_string();

    // A bearer token on a fragment: 401.
    let with_auth = fragment(&client, &upload, &data[..UNIT], 0, total, Some(&token)).await;
    assert_eq!(with_auth.status, StatusCode::UNAUTHORIZED);
    // Not a multiple of 320 KiB, and not the last: 400.
    let odd = fragment(&client, &upload, &data[..1000], 0, total, None).await;
    assert_eq!(odd.status, StatusCode::BAD_REQUEST, "{}", odd.body);
    // Not where the session is: 416, saying what it expects.
    let ahead = fragment(&client, &upload, &data[UNIT..2 * UNIT], UNIT, total, None).await;
    assert_eq!(ahead.status, StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(ahead.body["nextExpectedRanges"], json!(["0-"]));
    // In order: 202s.
    let first = fragment(&client, &upload, &data[..UNIT], 0, total, None).await;
    assert_eq!(first.status, StatusCode::ACCEPTED, "{}", first.body);
    assert_eq!(
        first.body["nextExpectedRanges"],
        json!([format!("{UNIT}-")])
    );
    let again = fragment(&client, &upload, &data[..UNIT], 0, total, None).await;
    assert_eq!(again.status, StatusCode::RANGE_NOT_SATISFIABLE);
    // Resume: ask where it stands.
    let status = call(&client, Method::GET, &upload, None, None, &[]).await;
    assert_eq!(
        status.body["nextExpectedRanges"],
        json!([format!("{UNIT}-")])
    );
    // The session forgets (a lever): the client resumes from 0.
    sb.control()
        .upload_session(&upload, UploadLever::Forget)
        .unwrap();
    let status = call(&client, Method::GET, &upload, None, None, &[]).await;
    assert_eq!(status.body["nextExpectedRanges"], json!(["0-"]));
    let mut at = 0;
    while at < total {
        let end = (at + UNIT).min(total);
        let answer = fragment(&client, &upload, &data[at..end], at, total, None).await;
        if end < total {
            assert_eq!(answer.status, StatusCode::ACCEPTED, "{}", answer.body);
        } else {
            assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
            assert_eq!(answer.body["name"], "data.bin");
            assert_eq!(answer.body["size"], total);
        }
        at = end;
    }
    let info = sb
        .control()
        .file_info(ADELE, None, "/Big/data.bin")
        .unwrap();
    assert_eq!(info.sha256.as_deref(), Some(sha256(&data).as_str()));
    let done = call(&client, Method::GET, &upload, None, None, &[]).await;
    assert_eq!(done.status, StatusCode::NOT_FOUND);

    // Replacing an existing file by ID: 200.
    let replace = post_json(
        &client,
        &graph(
            &sb,
            &format!("/me/drive/items/{}/createUploadSession", info.id),
        ),
        &token,
        json!({}),
    )
    .await;
    let url = replace.body["uploadUrl"].as_str().unwrap();
    let whole = fragment(&client, url, b"tiny", 0, 4, None).await;
    assert_eq!(whole.status, StatusCode::OK, "{}", whole.body);
    assert_eq!(whole.body["id"], info.id.as_str());

    // A name taken meanwhile, with fail (the default): 409 at completion.
    let s = post_json(
        &client,
        &graph(&sb, "/me/drive/root:/Big/late.txt:/createUploadSession"),
        &token,
        json!({}),
    )
    .await;
    let url = s.body["uploadUrl"].as_str().unwrap().to_string();
    sb.control()
        .put_file(
            ADELE,
            None,
            "/Big/late.txt",
            FileContent::Text("first".into()),
        )
        .unwrap();
    let late = fragment(&client, &url, b"mine", 0, 4, None).await;
    assert_eq!(late.status, StatusCode::CONFLICT);
    assert_eq!(late.body["error"]["code"], "nameAlreadyExists");
    // With fail, a name already taken is refused when the session is made.
    let taken = post_json(
        &client,
        &graph(&sb, "/me/drive/root:/Big/late.txt:/createUploadSession"),
        &token,
        json!({}),
    )
    .await;
    assert_eq!(taken.status, StatusCode::CONFLICT);

    // Cancel, and expiry.
    let s = post_json(
        &client,
        &graph(&sb, "/me/drive/root:/Big/c.bin:/createUploadSession"),
        &token,
        json!({}),
    )
    .await;
    let url = s.body["uploadUrl"].as_str().unwrap().to_string();
    let cancelled = call(&client, Method::DELETE, &url, None, None, &[]).await;
    assert_eq!(cancelled.status, StatusCode::NO_CONTENT);
    assert_eq!(
        call(&client, Method::GET, &url, None, None, &[])
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let s = post_json(
        &client,
        &graph(&sb, "/me/drive/root:/Big/e.bin:/createUploadSession"),
        &token,
        json!({}),
    )
    .await;
    let url = s.body["uploadUrl"].as_str().unwrap().to_string();
    let (status, _) = control_post(
        &client,
        &sb,
        "upload-sessions",
        json!({"upload_url": url, "expire": true}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let expired = fragment(&client, &url, b"late", 0, 4, None).await;
    assert_eq!(expired.status, StatusCode::NOT_FOUND);
    assert_eq!(expired.body["error"]["code"], "itemNotFound");
    sb.shutdown().await;
}

async fn control_post(
    client: &reqwest::Client,
    sb: &Sandbox,
    path: &str,
    body: Value,
) -> (StatusCode, Value) {
    let resp = client
        .post(sb.base_url().join(&format!("_sandbox/{path}")).unwrap())
        .json(&body)
        .send()
        .await
        .unwrap();
    (resp.status(), resp.json().await.unwrap_or(Value::Null))
}

/// Follow a delta round to its deltaLink.
async fn round(
    client: &reqwest::Client,
    first: &str,
    token: &str,
    size: usize,
) -> (Vec<Value>, String, usize) {
    let mut items = Vec::new();
    let mut url = first.to_string();
    let mut pages = 0;
    loop {
        let prefer = format!("odata.maxpagesize={size}");
        let page = call(
            client,
            Method::GET,
            &url,
            Some(token),
            None,
            &[("Prefer", &prefer)],
        )
        .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        pages += 1;
        items.extend(values(&page.body));
        if let Some(next) = page.body["@odata.nextLink"].as_str() {
            assert!(page.body.get("@odata.deltaLink").is_none());
            url = next.to_string();
        } else {
            let link = page.body["@odata.deltaLink"]
                .as_str()
                .expect("a deltaLink")
                .to_string();
            return (items, link, pages);
        }
    }
}

fn last_of<'a>(items: &'a [Value], id: &str) -> Option<&'a Value> {
    items.iter().rev().find(|v| v["id"] == id)
}

#[tokio::test]
async fn delta_reports_every_kind_of_change() {
    let (sb, client, token) = setup(ADELE, ALL).await;
    let c = sb.control();
    // A whole enumeration: pages, parents before children, no paths, no cTags.
    let (all, _, pages) = round(&client, &graph(&sb, "/me/drive/root/delta"), &token, 100).await;
    assert!(pages >= 4, "{pages}");
    assert_eq!(all.len(), 328, "the demo drive: 328 items with its root");
    let mut seen: HashSet<String> = HashSet::new();
    for item in &all {
        assert!(item["parentReference"].get("path").is_none(), "{item}");
        assert!(item.get("cTag").is_none(), "{item}");
        if let Some(parent) = item["parentReference"]["id"].as_str() {
            assert!(seen.contains(parent), "child before its parent: {item}");
        }
        seen.insert(item["id"].as_str().unwrap().to_string());
    }
    assert_eq!(
        seen.len(),
        all.len(),
        "a first enumeration lists each item once"
    );

    // The baseline in one request.
    let latest = get(
        &client,
        &graph(&sb, "/me/drive/root/delta?token=latest"),
        &token,
    )
    .await;
    assert!(values(&latest.body).is_empty());
    let link = latest.body["@odata.deltaLink"]
        .as_str()
        .unwrap()
        .to_string();
    let (nothing, link, _) = round(&client, &link, &token, 50).await;
    assert!(nothing.is_empty());

    // Create.
    let made = c
        .put_file(
            ADELE,
            None,
            "/Documents/Delta/new.txt",
            FileContent::Text("one".into()),
        )
        .unwrap();
    let (items, link, _) = round(&client, &link, &token, 50).await;
    let new = last_of(&items, &made.id).expect("the new file");
    assert_eq!(new["name"], "new.txt");
    let folder_id = new["parentReference"]["id"].as_str().unwrap().to_string();
    assert!(
        last_of(&items, &folder_id).is_some_and(|f| f["folder"].is_object()),
        "the new folder too"
    );
    let etag = new["eTag"].clone();
    let hash = new["file"]["hashes"]["quickXorHash"].clone();

    // Content change: new eTag, hashes and size.
    c.put_file(
        ADELE,
        None,
        "/Documents/Delta/new.txt",
        FileContent::Text("one, two".into()),
    )
    .unwrap();
    let (items, link, _) = round(&client, &link, &token, 50).await;
    let changed = last_of(&items, &made.id).unwrap();
    assert_ne!(changed["eTag"], etag);
    assert_ne!(changed["file"]["hashes"]["quickXorHash"], hash);
    assert_eq!(changed["size"], 8);
    let (etag, hash) = (
        changed["eTag"].clone(),
        changed["file"]["hashes"]["quickXorHash"].clone(),
    );

    // Touch: eTag and time only.
    c.touch_file(ADELE, None, "/Documents/Delta/new.txt")
        .unwrap();
    let (items, link, _) = round(&client, &link, &token, 50).await;
    let touched = last_of(&items, &made.id).unwrap();
    assert_ne!(touched["eTag"], etag);
    assert_eq!(touched["file"]["hashes"]["quickXorHash"], hash);
    assert_eq!(touched["size"], 8);

    // Rename, then move: same ID, new name, new parent.
    c.move_file(
        ADELE,
        None,
        "/Documents/Delta/new.txt",
        "/Documents/Delta/renamed.txt",
    )
    .unwrap();
    let (items, link, _) = round(&client, &link, &token, 50).await;
    assert_eq!(last_of(&items, &made.id).unwrap()["name"], "renamed.txt");
    c.move_file(
        ADELE,
        None,
        "/Documents/Delta/renamed.txt",
        "/Pictures/renamed.txt",
    )
    .unwrap();
    let (items, link, _) = round(&client, &link, &token, 50).await;
    let moved = last_of(&items, &made.id).unwrap();
    let pictures = get(&client, &graph(&sb, "/me/drive/root:/Pictures"), &token).await;
    assert_eq!(moved["parentReference"]["id"], pictures.body["id"]);

    // Twice in one round: listed at the first change as it was, and last as it is.
    c.touch_file(ADELE, None, "/Pictures/renamed.txt").unwrap();
    c.put_file(
        ADELE,
        None,
        "/Pictures/renamed.txt",
        FileContent::Text("three".into()),
    )
    .unwrap();
    let (items, link, _) = round(&client, &link, &token, 50).await;
    let occurrences: Vec<&Value> = items
        .iter()
        .filter(|v| v["id"] == made.id.as_str())
        .collect();
    assert_eq!(occurrences.len(), 2, "{items:?}");
    assert_eq!(occurrences[0]["size"], 8);
    assert_eq!(occurrences[1]["size"], 5, "the last occurrence is current");

    // Delete: the deleted facet, no name.
    c.delete_file(ADELE, None, "/Pictures/renamed.txt").unwrap();
    let (items, link, _) = round(&client, &link, &token, 50).await;
    let deleted = last_of(&items, &made.id).unwrap();
    assert_eq!(deleted["deleted"]["state"], "deleted");
    assert!(deleted.get("name").is_none(), "{deleted}");
    assert_eq!(deleted["parentReference"]["id"], pictures.body["id"]);

    // Changes made over Graph show too; deltaExcludeParent leaves the folders out.
    put(
        &client,
        &graph(&sb, "/me/drive/root:/Documents/api.txt:/content"),
        &token,
        b"api",
    )
    .await;
    let page = call(
        &client,
        Method::GET,
        &link,
        Some(&token),
        None,
        &[("deltaExcludeParent", "true")],
    )
    .await;
    assert_eq!(names(&page.body), vec!["api.txt".to_string()]);

    // Delta on a folder of a business drive: not supported.
    let folder = get(
        &client,
        &graph(&sb, "/me/drive/root:/Documents:/delta"),
        &token,
    )
    .await;
    assert_eq!(folder.status, StatusCode::NOT_IMPLEMENTED);
    assert_eq!(folder.body["error"]["code"], "notSupported");

    // Expired tokens: 410 resyncRequired with a Location that starts again.
    c.expire_drive_delta(ADELE, None).unwrap();
    let gone = get(&client, &link, &token).await;
    assert_eq!(gone.status, StatusCode::GONE);
    assert_eq!(gone.body["error"]["code"], "resyncRequired");
    let location = gone.headers["location"].to_str().unwrap().to_string();
    let (again, _, _) = round(&client, &location, &token, 500).await;
    assert!(again.len() > 320, "{}", again.len());
    let fresh = get(
        &client,
        &graph(&sb, "/me/drive/root/delta?token=latest"),
        &token,
    )
    .await;
    let fresh_link = fresh.body["@odata.deltaLink"].as_str().unwrap();
    assert_eq!(
        get(&client, fresh_link, &token).await.status,
        StatusCode::OK
    );
    // Over HTTP too.
    let (status, _) =
        control_post(&client, &sb, "files/expire-delta", json!({"user": ADELE})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        get(&client, fresh_link, &token).await.status,
        StatusCode::GONE
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn personal_drives_differ_from_business_ones() {
    let (sb, client, token) = setup(SAM, PERSONAL).await;
    let drive = get(&client, &graph(&sb, "/me/drive"), &token).await;
    assert_eq!(drive.status, StatusCode::OK, "{}", drive.body);
    assert_eq!(drive.body["driveType"], "personal");
    let notes = get(
        &client,
        &graph(&sb, "/me/drive/root:/Documents/Notes.txt"),
        &token,
    )
    .await;
    let hashes = &notes.body["file"]["hashes"];
    assert!(
        hashes["sha1Hash"].is_string() && hashes["sha256Hash"].is_string(),
        "{hashes}"
    );
    assert!(hashes.get("quickXorHash").is_none());
    assert!(notes.body["id"].as_str().unwrap().contains('!'));
    // No SharePoint for a personal account.
    for path in ["/me/followedSites", "/sites?search=contoso"] {
        let refused = get(&client, &graph(&sb, path), &token).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{path}");
    }
    // Delta keeps cTag, and works on a folder.
    let (items, _, _) = round(&client, &graph(&sb, "/me/drive/root/delta"), &token, 500).await;
    let file = items.iter().find(|v| v["name"] == "Notes.txt").unwrap();
    assert!(file["cTag"].is_string());
    assert!(file["parentReference"].get("path").is_none());
    let (folder, link, _) = round(
        &client,
        &graph(&sb, "/me/drive/root:/Documents/Invoices:/delta"),
        &token,
        100,
    )
    .await;
    assert_eq!(
        folder.len(),
        1 + 2 + 9,
        "the folder, its two folders and nine invoices"
    );
    // Personal deleted items keep their name.
    sb.control()
        .delete_file(SAM, None, "/Documents/Invoices/2025/INV-2025-001.pdf")
        .unwrap();
    let (items, _, _) = round(&client, &link, &token, 100).await;
    let deleted = items.iter().find(|v| v.get("deleted").is_some()).unwrap();
    assert_eq!(deleted["name"], "INV-2025-001.pdf");
    // Organization links are for work accounts.
    let link = post_json(
        &client,
        &graph(&sb, "/me/drive/root:/Documents/Notes.txt:/createLink"),
        &token,
        json!({"type": "view", "scope": "organization"}),
    )
    .await;
    assert_eq!(link.status, StatusCode::BAD_REQUEST);
    sb.shutdown().await;
}

#[tokio::test]
async fn scopes_are_enforced() {
    let (sb, client) = start().await;
    let none = access_token(&client, &sb, ADELE, "openid User.Read").await;
    let denied = get(&client, &graph(&sb, "/me/drive"), &none).await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    assert_eq!(denied.body["error"]["code"], "accessDenied");
    assert!(denied.body["error"]["innerError"]["request-id"].is_string());

    let read = access_token(&client, &sb, ADELE, "openid User.Read Files.Read").await;
    assert_eq!(
        get(&client, &graph(&sb, "/me/drive/root/children"), &read)
            .await
            .status,
        StatusCode::OK
    );
    let write = put(
        &client,
        &graph(&sb, "/me/drive/root:/x.txt:/content"),
        &read,
        b"x",
    )
    .await;
    assert_eq!(write.status, StatusCode::FORBIDDEN);
    assert_eq!(
        get(&client, &graph(&sb, "/me/followedSites"), &read)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // What others shared lives in their drives: Files.Read.All at least.
    assert_eq!(
        get(&client, &graph(&sb, "/me/drive/sharedWithMe"), &read)
            .await
            .status,
        StatusCode::FORBIDDEN
    );

    let sites = access_token(&client, &sb, ADELE, "openid User.Read Sites.Read.All").await;
    let followed = get(&client, &graph(&sb, "/me/followedSites"), &sites).await;
    assert_eq!(followed.status, StatusCode::OK);
    let site_id = values(&followed.body)[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let library = get(
        &client,
        &graph(&sb, &format!("/sites/{site_id}/drive/root/children")),
        &sites,
    )
    .await;
    assert_eq!(library.status, StatusCode::OK, "{}", library.body);
    let no_write = put(
        &client,
        &graph(&sb, &format!("/sites/{site_id}/drive/root:/x.txt:/content")),
        &sites,
        b"x",
    )
    .await;
    assert_eq!(no_write.status, StatusCode::FORBIDDEN);
    let by_files_read = get(
        &client,
        &graph(&sb, &format!("/sites/{site_id}/drive/root/children")),
        &read,
    )
    .await;
    assert_eq!(by_files_read.status, StatusCode::FORBIDDEN);

    // Injected failures apply to drive routes as to mail.
    sb.control().fail_next(429, 1, Some(2)).unwrap();
    let throttled = get(&client, &graph(&sb, "/me/drive"), &read).await;
    assert_eq!(throttled.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(throttled.headers["retry-after"], "2");
    sb.shutdown().await;
}

#[tokio::test]
async fn sites_and_their_libraries() {
    let (sb, client, token) = setup(MEGAN, ALL).await;
    let followed = get(&client, &graph(&sb, "/me/followedSites"), &token).await;
    let mut shown: Vec<String> = values(&followed.body)
        .iter()
        .map(|s| s["displayName"].as_str().unwrap().to_string())
        .collect();
    shown.sort();
    assert_eq!(shown, vec!["Contoso Team", "Marketing"]);
    let found = get(&client, &graph(&sb, "/sites?search=market"), &token).await;
    assert_eq!(names(&found.body), vec!["Marketing".to_string()]);
    let team = values(&followed.body)
        .into_iter()
        .find(|s| s["displayName"] == "Contoso Team")
        .unwrap();
    let id = team["id"].as_str().unwrap();
    assert!(id.starts_with("contoso.sharepoint.com,"));
    let by_path = get(
        &client,
        &graph(&sb, "/sites/contoso.sharepoint.com:/sites/ContosoTeam"),
        &token,
    )
    .await;
    assert_eq!(by_path.body["id"], id);
    let drives = get(&client, &graph(&sb, &format!("/sites/{id}/drives")), &token).await;
    assert_eq!(
        names(&drives.body),
        vec!["Documents".to_string(), "Policies".to_string()]
    );
    assert_eq!(values(&drives.body)[0]["driveType"], "documentLibrary");
    let drive = get(&client, &graph(&sb, &format!("/sites/{id}/drive")), &token).await;
    assert_eq!(drive.body["name"], "Documents");
    let spec = get(
        &client,
        &graph(
            &sb,
            &format!("/sites/{id}/drive/root:/Projects/Apollo/Apollo%20spec.docx"),
        ),
        &token,
    )
    .await;
    assert_eq!(spec.status, StatusCode::OK, "{}", spec.body);
    assert_eq!(spec.body["parentReference"]["siteId"], id);
    // A library takes uploads with a ReadWrite.All scope, and the control levers reach it.
    let drive_id = drive.body["id"].as_str().unwrap();
    let up = put(
        &client,
        &graph(
            &sb,
            &format!("/drives/{drive_id}/root:/General/new.md:/content"),
        ),
        &token,
        b"# new",
    )
    .await;
    assert_eq!(up.status, StatusCode::CREATED, "{}", up.body);
    let info = sb
        .control()
        .file_info(MEGAN, Some("Contoso Team"), "/General/new.md")
        .unwrap();
    assert_eq!(info.size, 5);
    assert_eq!(
        sb.control()
            .drive_id(MEGAN, Some("Contoso Team/Policies"))
            .unwrap(),
        values(&drives.body)[1]["id"].as_str().unwrap()
    );
    let unknown = get(
        &client,
        &graph(&sb, "/sites/contoso.sharepoint.com,nope,nope"),
        &token,
    )
    .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    sb.shutdown().await;
}

#[tokio::test]
async fn search_matches_names_and_text_with_odata_quoting() {
    let (sb, client, token) = setup(ADELE, ALL).await;
    let invoices = get(
        &client,
        &graph(&sb, "/me/drive/root/search(q='INV-2026')"),
        &token,
    )
    .await;
    assert_eq!(invoices.status, StatusCode::OK, "{}", invoices.body);
    assert_eq!(values(&invoices.body).len(), 6);
    for item in values(&invoices.body) {
        assert!(item["parentReference"].get("path").is_none(), "{item}");
        assert!(item["parentReference"]["id"].is_string());
        assert!(item["parentReference"]["driveId"].is_string());
    }
    let text = get(
        &client,
        &graph(&sb, "/me/drive/root/search(q='TONER')"),
        &token,
    )
    .await;
    assert_eq!(names(&text.body), vec!["Notes.txt".to_string()]);
    sb.control()
        .put_file(
            ADELE,
            None,
            "/Documents/it's here.txt",
            FileContent::Text("quoted".into()),
        )
        .unwrap();
    let quoted = get(
        &client,
        &graph(&sb, "/me/drive/root/search(q='it''s')"),
        &token,
    )
    .await;
    assert_eq!(names(&quoted.body), vec!["it's here.txt".to_string()]);
    let encoded = get(
        &client,
        &graph(&sb, "/me/drive/search(q=%27it%27%27s%27)"),
        &token,
    )
    .await;
    assert_eq!(names(&encoded.body), vec!["it's here.txt".to_string()]);
    let lone = get(
        &client,
        &graph(&sb, "/me/drive/root/search(q='it's')"),
        &token,
    )
    .await;
    assert_eq!(lone.status, StatusCode::BAD_REQUEST);
    let in_folder = get(
        &client,
        &graph(&sb, "/me/drive/root:/Archive:/search(q='log-2025-00')"),
        &token,
    )
    .await;
    assert_eq!(values(&in_folder.body).len(), 9);
    sb.shutdown().await;
}

#[tokio::test]
async fn batch_and_control_endpoints() {
    let (sb, client, token) = setup(ADELE, ALL).await;
    let batch = post_json(
        &client,
        &graph(&sb, "/$batch"),
        &token,
        json!({"requests": [
            {"id": "1", "method": "GET", "url": "/me/drive/root:/Documents/Notes.txt"},
            {"id": "2", "method": "GET", "url": "/me/drive/root:/Documents/Notes.txt:/content"},
        ]}),
    )
    .await;
    assert_eq!(batch.status, StatusCode::OK, "{}", batch.body);
    let responses = batch.body["responses"].as_array().unwrap();
    let one = responses.iter().find(|r| r["id"] == "1").unwrap();
    assert_eq!(one["body"]["name"], "Notes.txt");
    let two = responses.iter().find(|r| r["id"] == "2").unwrap();
    assert_eq!(two["status"], 302);
    assert!(two["headers"]["Location"]
        .as_str()
        .unwrap()
        .contains("/_download/"));

    let (status, body) = control_post(
        &client,
        &sb,
        "files",
        json!({"user": ADELE, "path": "/Data/blob.bin", "size": 3_000_000}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["file"]["size"], 3_000_000);
    let info = client
        .get(
            sb.base_url()
                .join("_sandbox/files?user=adele@contoso.example&path=/Data/blob.bin")
                .unwrap(),
        )
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    let item = get(
        &client,
        &graph(&sb, "/me/drive/root:/Data/blob.bin"),
        &token,
    )
    .await;
    let url = item.body["@microsoft.graph.downloadUrl"].as_str().unwrap();
    let bytes = call(&client, Method::GET, url, None, None, &[]).await.bytes;
    assert_eq!(bytes.len(), 3_000_000);
    assert_eq!(info["file"]["sha256"], sha256(&bytes).as_str());
    assert_eq!(
        item.body["file"]["hashes"]["quickXorHash"],
        info["file"]["quick_xor_hash"]
    );

    let (status, _) = control_post(
        &client,
        &sb,
        "files",
        json!({"user": ADELE, "path": "/Data/b64.bin", "base64": "AAEC"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, moved) = control_post(
        &client,
        &sb,
        "files/move",
        json!({"user": ADELE, "from": "/Data/b64.bin", "to": "/Data/Sub/moved.bin"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{moved}");
    assert_eq!(moved["file"]["path"], "/Data/Sub/moved.bin");
    assert_eq!(moved["file"]["size"], 3);
    let (status, _) = control_post(
        &client,
        &sb,
        "files/touch",
        json!({"user": ADELE, "path": "/Data/Sub/moved.bin"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = control_post(
        &client,
        &sb,
        "files/delete",
        json!({"user": ADELE, "path": "/Data"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let gone = get(&client, &graph(&sb, "/me/drive/root:/Data"), &token).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    let (status, _) = control_post(
        &client,
        &sb,
        "files",
        json!({"user": "nobody@x", "path": "/a", "text": "a"}),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    sb.shutdown().await;
}

#[tokio::test]
async fn patch_renames_and_moves_and_another_runs_token_is_gone() {
    let (sb, client, token) = setup(ADELE, ALL).await;
    let latest = get(
        &client,
        &graph(&sb, "/me/drive/root/delta?token=latest"),
        &token,
    )
    .await;
    let link = latest.body["@odata.deltaLink"]
        .as_str()
        .unwrap()
        .to_string();
    let notes = get(
        &client,
        &graph(&sb, "/me/drive/root:/Documents/Notes.txt"),
        &token,
    )
    .await;
    let id = notes.body["id"].as_str().unwrap();
    let pictures = get(&client, &graph(&sb, "/me/drive/root:/Pictures"), &token).await;
    let patched = call(
        &client,
        Method::PATCH,
        &graph(&sb, &format!("/me/drive/items/{id}")),
        Some(&token),
        Some(
            json!({"name": "Moved notes.txt", "parentReference": {"id": pictures.body["id"]}})
                .to_string()
                .into_bytes(),
        ),
        &[("Content-Type", "application/json")],
    )
    .await;
    assert_eq!(patched.status, StatusCode::OK, "{}", patched.body);
    assert_eq!(patched.body["name"], "Moved notes.txt");
    assert_eq!(
        patched.body["parentReference"]["path"],
        "/drive/root:/Pictures"
    );
    assert_eq!(
        patched.body["cTag"], notes.body["cTag"],
        "a move keeps the content tag"
    );
    assert_ne!(patched.body["eTag"], notes.body["eTag"]);
    let (items, _, _) = round(&client, &link, &token, 50).await;
    let moved = last_of(&items, id).unwrap();
    assert_eq!(moved["name"], "Moved notes.txt");
    assert_eq!(moved["parentReference"]["id"], pictures.body["id"]);

    // The same token from another run of the sandbox: its sync state is gone.
    let (prefix, token_value) = link.split_once("token=d.").unwrap();
    let (run, rest) = token_value.split_once('.').unwrap();
    let other_run = run.parse::<u32>().unwrap().wrapping_add(1);
    let foreign = format!("{prefix}token=d.{other_run}.{rest}");
    let gone = get(&client, &foreign, &token).await;
    assert_eq!(gone.status, StatusCode::GONE);
    assert_eq!(gone.body["error"]["code"], "resyncRequired");
    assert!(gone.headers["location"]
        .to_str()
        .unwrap()
        .ends_with("/me/drive/root/delta"));
    sb.shutdown().await;
}
