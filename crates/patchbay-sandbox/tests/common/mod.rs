//! Shared helpers for the sandbox's integration tests (plain HTTP, redirects off).
#![allow(dead_code)]

use std::collections::HashMap;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use patchbay_sandbox::{Sandbox, SandboxOptions, BUILT_IN_CLIENT_ID};
use reqwest::StatusCode;
use serde_json::Value;
use url::Url;

pub const REDIRECT: &str = "http://localhost:53682/";
pub const SCOPES: &str = "openid profile email offline_access User.Read Mail.Read";

/// A sandbox with its HTTP control endpoints on (these tests drive them; the default is off).
pub async fn start() -> (Sandbox, reqwest::Client) {
    start_with(SandboxOptions {
        control: true,
        ..SandboxOptions::default()
    })
    .await
}

pub async fn start_with(opts: SandboxOptions) -> (Sandbox, reqwest::Client) {
    let sandbox = Sandbox::start(opts).await.expect("sandbox starts");
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    (sandbox, client)
}

pub fn pkce() -> (String, String) {
    let verifier = format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    let challenge = URL_SAFE_NO_PAD.encode(ring::digest::digest(
        &ring::digest::SHA256,
        verifier.as_bytes(),
    ));
    (verifier, challenge)
}

/// A flow in progress: the authorize URL and the PKCE verifier.
pub struct Flow {
    pub url: Url,
    pub verifier: String,
    pub client_id: String,
    pub redirect_uri: String,
}

pub fn flow(
    sb: &Sandbox,
    client_id: &str,
    redirect: &str,
    scope: &str,
    extra: &[(&str, &str)],
) -> Flow {
    let (verifier, challenge) = pkce();
    let mut url = sb
        .base_url()
        .join("organizations/oauth2/v2.0/authorize")
        .unwrap();
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("client_id", client_id)
            .append_pair("response_type", "code")
            .append_pair("redirect_uri", redirect)
            .append_pair("scope", scope)
            .append_pair("state", "st-123")
            .append_pair("nonce", "nonce-456")
            .append_pair("code_challenge", &challenge)
            .append_pair("code_challenge_method", "S256");
        for (k, v) in extra {
            q.append_pair(k, v);
        }
    }
    Flow {
        url,
        verifier,
        client_id: client_id.into(),
        redirect_uri: redirect.into(),
    }
}

pub fn builtin_flow(sb: &Sandbox) -> Flow {
    flow(sb, BUILT_IN_CLIENT_ID, REDIRECT, SCOPES, &[])
}

/// A fetched page: status, `pb-page` kind, html.
pub struct Page {
    pub status: StatusCode,
    pub location: Option<Url>,
    pub html: String,
}

impl Page {
    pub fn kind(&self) -> String {
        meta(&self.html, "pb-page").unwrap_or_default()
    }
}

pub async fn fetch(resp: reqwest::Response) -> Page {
    let status = resp.status();
    let location = resp
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(|l| resp.url().join(l).expect("location is a URL"));
    let html = resp.text().await.unwrap_or_default();
    Page {
        status,
        location,
        html,
    }
}

pub async fn get(client: &reqwest::Client, url: &Url) -> Page {
    fetch(client.get(url.clone()).send().await.expect("GET")).await
}

/// Submit the page's form (its `pb-action` and `pb-tx`) with extra fields.
pub async fn submit(
    client: &reqwest::Client,
    sb: &Sandbox,
    page: &Page,
    fields: &[(&str, &str)],
) -> Page {
    let action = meta(&page.html, "pb-action").expect("page has a form");
    let tx = meta(&page.html, "pb-tx").expect("page has a tx");
    let mut form: Vec<(&str, &str)> = vec![("tx", &tx)];
    form.extend_from_slice(fields);
    let url = sb.base_url().join(&action).unwrap();
    fetch(client.post(url).form(&form).send().await.expect("POST")).await
}

/// Sign in as `email`, accept consent if shown; returns the final redirect.
pub async fn sign_in(client: &reqwest::Client, sb: &Sandbox, f: &Flow, email: &str) -> Url {
    let page = get(client, &f.url).await;
    assert_eq!(page.kind(), "sign-in", "{}", page.html);
    let mut page = submit(client, sb, &page, &[("login", email), ("passwd", "demo")]).await;
    if page.kind() == "consent" {
        page = submit(client, sb, &page, &[("accept", "yes")]).await;
    }
    assert_eq!(page.status, StatusCode::FOUND, "{}", page.html);
    page.location.expect("redirect")
}

pub fn query(url: &Url) -> HashMap<String, String> {
    url.query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

pub fn token_url(sb: &Sandbox) -> Url {
    sb.base_url()
        .join("organizations/oauth2/v2.0/token")
        .unwrap()
}

pub async fn post_token(
    client: &reqwest::Client,
    sb: &Sandbox,
    form: &[(&str, &str)],
) -> (StatusCode, Value) {
    let resp = client
        .post(token_url(sb))
        .form(form)
        .send()
        .await
        .expect("POST token");
    let status = resp.status();
    (status, resp.json().await.expect("JSON body"))
}

pub async fn redeem(
    client: &reqwest::Client,
    sb: &Sandbox,
    f: &Flow,
    code: &str,
) -> (StatusCode, Value) {
    post_token(
        client,
        sb,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", &f.client_id),
            ("code", code),
            ("redirect_uri", &f.redirect_uri),
            ("code_verifier", &f.verifier),
        ],
    )
    .await
}

/// Full sign-in + code redemption for the built-in client.
pub async fn tokens(client: &reqwest::Client, sb: &Sandbox, email: &str) -> Value {
    let f = builtin_flow(sb);
    let back = sign_in(client, sb, &f, email).await;
    let code = query(&back).remove("code").expect("code");
    let (status, body) = redeem(client, sb, &f, &code).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

/// Assert Microsoft's token error shape and code.
pub fn assert_aad(body: &Value, error: &str, code: u64) {
    assert_eq!(body["error"], error, "{body}");
    assert_eq!(body["error_codes"], serde_json::json!([code]), "{body}");
    let desc = body["error_description"]
        .as_str()
        .expect("error_description");
    assert!(desc.starts_with(&format!("AADSTS{code}: ")), "{desc}");
    assert!(desc.contains("\r\nTrace ID: "), "{desc}");
    assert!(desc.contains("\r\nCorrelation ID: "), "{desc}");
    assert!(desc.contains("\r\nTimestamp: "), "{desc}");
    for field in ["timestamp", "trace_id", "correlation_id", "error_uri"] {
        assert!(body[field].is_string(), "{field} missing in {body}");
    }
    assert!(body["error_uri"]
        .as_str()
        .unwrap()
        .ends_with(&format!("/error?code={code}")));
}

pub fn meta(html: &str, name: &str) -> Option<String> {
    let needle = format!("<meta name=\"{name}\" content=\"");
    let start = html.find(&needle)? + needle.len();
    let end = html[start..].find('"')? + start;
    Some(
        html[start..end]
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&amp;", "&"),
    )
}

/// The claims of a JWT (no signature check).
pub fn claims(jwt: &str) -> Value {
    let part = jwt.split('.').nth(1).expect("JWT has claims");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).expect("base64url")).expect("JSON claims")
}

pub fn header(jwt: &str) -> Value {
    let part = jwt.split('.').next().expect("JWT has a header");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).expect("base64url")).expect("JSON header")
}

/// Every scope the demo mailbox needs.
pub const MAILBOX_SCOPES: &str =
    "openid offline_access User.Read Mail.Read Calendars.Read MailboxSettings.Read";

/// Sign in as `email` with the built-in client, asking for `scope`; the access token.
pub async fn access_token(
    client: &reqwest::Client,
    sb: &Sandbox,
    email: &str,
    scope: &str,
) -> String {
    let f = flow(sb, BUILT_IN_CLIENT_ID, REDIRECT, scope, &[]);
    let back = sign_in(client, sb, &f, email).await;
    let code = query(&back).remove("code").expect("code");
    let (status, body) = redeem(client, sb, &f, &code).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["access_token"]
        .as_str()
        .expect("access_token")
        .to_string()
}

/// `http://127.0.0.1:PORT/graph/v1.0` + `path`.
pub fn graph(sb: &Sandbox, path: &str) -> String {
    format!("{}/v1.0{path}", sb.graph_url())
}

/// A Graph answer: status, headers, JSON body.
pub struct GraphAnswer {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

/// GET a Graph URL with the token and, if given, a `Prefer` header.
pub async fn graph_get(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    prefer: Option<&str>,
) -> GraphAnswer {
    let mut request = client.get(url).bearer_auth(token);
    if let Some(p) = prefer {
        request = request.header("Prefer", p);
    }
    let resp = request.send().await.expect("GET Graph");
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = resp.json().await.expect("JSON body");
    GraphAnswer {
        status,
        headers,
        body,
    }
}
