mod common;

use std::time::{Duration, Instant};

use common::*;
use patchbay_sandbox::{BUILT_IN_CLIENT_ID, DEMO_APP_CLIENT_ID, DEMO_TENANT_ID};
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn control_post(
    client: &reqwest::Client,
    sb: &patchbay_sandbox::Sandbox,
    path: &str,
    body: Value,
) -> (StatusCode, Value) {
    let resp = client
        .post(sb.base_url().join(&format!("_sandbox/{path}")).unwrap())
        .json(&body)
        .send()
        .await
        .unwrap();
    (resp.status(), resp.json().await.unwrap())
}

async fn sign_in_redirect(
    client: &reqwest::Client,
    sb: &patchbay_sandbox::Sandbox,
    f: &Flow,
) -> std::collections::HashMap<String, String> {
    let page = get(client, &f.url).await;
    let mut page = submit(client, sb, &page, &[("login", "adele@contoso.example")]).await;
    if page.kind() == "consent" {
        page = submit(client, sb, &page, &[("accept", "yes")]).await;
    }
    assert_eq!(page.status, StatusCode::FOUND, "{}", page.html);
    query(&page.location.unwrap())
}

#[tokio::test]
async fn mfa_required_redirects_with_interaction_required() {
    let (sb, client) = start().await;
    assert_eq!(
        control_post(&client, &sb, "mfa-required", json!({"required": true}))
            .await
            .0,
        StatusCode::OK
    );
    let q = sign_in_redirect(&client, &sb, &builtin_flow(&sb)).await;
    assert_eq!(q["error"], "interaction_required");
    assert!(q["error_description"].starts_with("AADSTS50076: "));
    assert_eq!(q["state"], "st-123");
    control_post(&client, &sb, "mfa-required", json!({"required": false})).await;
    assert!(sign_in_redirect(&client, &sb, &builtin_flow(&sb))
        .await
        .contains_key("code"));
}

#[tokio::test]
async fn mfa_registration_required_redirects_with_50079() {
    let (sb, client) = start().await;
    let (status, _) = control_post(
        &client,
        &sb,
        "mfa-registration-required",
        json!({"required": true}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let q = sign_in_redirect(&client, &sb, &builtin_flow(&sb)).await;
    assert_eq!(q["error"], "interaction_required");
    assert!(q["error_description"].starts_with("AADSTS50079: "));
    control_post(
        &client,
        &sb,
        "mfa-registration-required",
        json!({"required": false}),
    )
    .await;
    assert!(sign_in_redirect(&client, &sb, &builtin_flow(&sb))
        .await
        .contains_key("code"));
}

#[tokio::test]
async fn the_need_admin_approval_page_stays_on_microsofts_side() {
    let (sb, client) = start().await;
    sb.control().set_admin_consent_required(None, true).unwrap();
    let (status, _) = control_post(
        &client,
        &sb,
        "admin-approval-page",
        json!({"required": true}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let f = builtin_flow(&sb);
    let page = get(&client, &f.url).await;
    let page = submit(&client, &sb, &page, &[("login", "adele@contoso.example")]).await;
    assert_eq!(page.kind(), "error", "{}", page.html);
    assert!(page.location.is_none(), "no redirect back to the app");
    let shown = meta(&page.html, "pb-error").unwrap();
    assert!(
        shown.starts_with("AADSTS90094: The grant requires admin permission."),
        "{shown}"
    );
}

#[tokio::test]
async fn admin_consent_required_then_granted() {
    let (sb, client) = start().await;
    let (status, _) = control_post(
        &client,
        &sb,
        "admin-consent-required",
        json!({"client_id": BUILT_IN_CLIENT_ID, "required": true}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let q = sign_in_redirect(&client, &sb, &builtin_flow(&sb)).await;
    assert_eq!(q["error"], "consent_required");
    assert!(q["error_description"].starts_with(&format!(
        "AADSTS65001: The user or administrator has not consented to use the application with ID '{BUILT_IN_CLIENT_ID}' named 'Microsoft Graph Command Line Tools'."
    )));

    // The admin consent endpoint, Microsoft's shape.
    let mut url = sb
        .base_url()
        .join("organizations/v2.0/adminconsent")
        .unwrap();
    url.query_pairs_mut()
        .append_pair("client_id", BUILT_IN_CLIENT_ID)
        .append_pair("redirect_uri", REDIRECT)
        .append_pair("state", "adm")
        .append_pair("scope", "https://graph.microsoft.com/.default");
    let page = get(&client, &url).await;
    assert_eq!(page.kind(), "admin-consent");
    let back = submit(&client, &sb, &page, &[("accept", "yes")]).await;
    assert_eq!(back.status, StatusCode::FOUND);
    let q = query(&back.location.unwrap());
    assert_eq!(q["admin_consent"], "True");
    assert_eq!(q["tenant"], DEMO_TENANT_ID);
    assert_eq!(q["state"], "adm");

    // Now users get straight through (no consent page: the admin consented for everyone).
    let f = builtin_flow(&sb);
    let page = get(&client, &f.url).await;
    let back = submit(&client, &sb, &page, &[("login", "megan@contoso.example")]).await;
    assert_eq!(back.status, StatusCode::FOUND);
    assert!(query(&back.location.unwrap()).contains_key("code"));
}

#[tokio::test]
async fn global_admin_consent_requirement() {
    let (sb, client) = start().await;
    sb.control().set_admin_consent_required(None, true).unwrap();
    let f = flow(
        &sb,
        DEMO_APP_CLIENT_ID,
        "http://localhost/callback",
        SCOPES,
        &[],
    );
    assert_eq!(
        sign_in_redirect(&client, &sb, &f).await["error"],
        "consent_required"
    );
    sb.control()
        .set_admin_consent_required(None, false)
        .unwrap();
    assert!(sign_in_redirect(&client, &sb, &f)
        .await
        .contains_key("code"));
}

#[tokio::test]
async fn denied_scopes_are_left_out_of_the_grant() {
    let (sb, client) = start().await;
    let (status, _) = control_post(
        &client,
        &sb,
        "deny-scopes",
        json!({"client_id": BUILT_IN_CLIENT_ID, "scopes": ["Mail.Read"]}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let body = tokens(&client, &sb, "adele@contoso.example").await;
    assert_eq!(
        body["scope"],
        "openid profile email offline_access User.Read"
    );
}

#[tokio::test]
async fn injected_failures_on_token_and_graph() {
    let (sb, client) = start().await;
    let good = tokens(&client, &sb, "adele@contoso.example").await;
    let (status, _) = control_post(
        &client,
        &sb,
        "fail",
        json!({"status": 429, "count": 2, "retry_after": 7}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    let resp = client
        .post(token_url(&sb))
        .form(&[
            ("grant_type", "refresh_token"),
            ("client_id", BUILT_IN_CLIENT_ID),
            ("refresh_token", good["refresh_token"].as_str().unwrap()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(resp.headers()["retry-after"], "7");
    assert_aad(
        &resp.json().await.unwrap(),
        "temporarily_unavailable",
        90055,
    );

    let me = format!("{}/v1.0/me", sb.graph_url());
    let resp = client
        .get(&me)
        .bearer_auth(good["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(resp.headers()["retry-after"], "7");
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], "TooManyRequests");

    // Used up: back to normal.
    let resp = client
        .get(&me)
        .bearer_auth(good["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);

    sb.control().fail_next(503, 1, None).unwrap();
    let resp = client
        .get(&me)
        .bearer_auth(good["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(resp.headers().get("retry-after").is_none());
    assert_eq!(sb.control().stats().injected_failures, 3);

    // Bad status refused.
    let (status, body) =
        control_post(&client, &sb, "fail", json!({"status": 200, "count": 1})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
}

#[tokio::test]
async fn latency_is_added() {
    let (sb, client) = start().await;
    control_post(&client, &sb, "latency", json!({"ms": 150})).await;
    let started = Instant::now();
    let resp = client
        .get(format!(
            "{}/.well-known/openid-configuration",
            sb.authority("common")
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(started.elapsed() >= Duration::from_millis(150));
    // Control endpoints are not slowed down.
    control_post(&client, &sb, "latency", json!({"ms": 0})).await;
}

#[tokio::test]
async fn register_app_and_expire_its_secret() {
    let (sb, client) = start().await;
    let (status, _) = control_post(
        &client,
        &sb,
        "apps",
        json!({"client_id": "my-app", "client_secret": "s3cret", "redirect_uris": ["http://localhost:7000/cb"], "public": false}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let f = flow(&sb, "my-app", "http://localhost:7000/cb", SCOPES, &[]);
    let back = sign_in(&client, &sb, &f, "alex@contoso.example").await;
    let code = query(&back)["code"].clone();

    let (status, _) = control_post(&client, &sb, "apps/my-app/expire-secret", json!({})).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = post_token(
        &client,
        &sb,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", "my-app"),
            ("client_secret", "s3cret"),
            ("code", &code),
            ("redirect_uri", "http://localhost:7000/cb"),
            ("code_verifier", &f.verifier),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_aad(&body, "invalid_client", 7000222);

    let (status, _) = control_post(&client, &sb, "apps/nope/expire-secret", json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = control_post(&client, &sb, "apps", json!({"client_id": "x", "public": true, "client_secret": "no", "redirect_uris": ["http://localhost"]})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let resp = client
        .post(sb.base_url().join("_sandbox/apps").unwrap())
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn revoke_unknown_user_is_404_and_stats_and_reset() {
    let (sb, client) = start().await;
    let (status, _) = control_post(
        &client,
        &sb,
        "revoke",
        json!({"user": "ghost@contoso.example"}),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let body = tokens(&client, &sb, "adele@contoso.example").await;
    let (status, revoked) = control_post(
        &client,
        &sb,
        "revoke",
        json!({"user": "adele@contoso.example"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(revoked["revoked"], 1);

    let stats: Value = client
        .get(sb.base_url().join("_sandbox/stats").unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stats["token_requests"]["authorization_code"], 1);
    assert_eq!(stats["codes_issued"], 1);
    assert_eq!(stats["authorize_requests"], 1);

    sb.control().set_mfa_required(true);
    let (status, _) = control_post(&client, &sb, "reset", json!({})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(sb.control().stats(), patchbay_sandbox::Stats::default());
    // Tokens are gone, toggles off.
    let resp = client
        .get(format!("{}/v1.0/me", sb.graph_url()))
        .bearer_auth(body["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert!(sign_in_redirect(&client, &sb, &builtin_flow(&sb))
        .await
        .contains_key("code"));
}

#[tokio::test]
async fn home_page_and_unknown_paths() {
    let (sb, client) = start().await;
    let page = get(&client, &sb.base_url().join("_sandbox/").unwrap()).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains("Adele Vance"));
    assert!(page.html.contains(BUILT_IN_CLIENT_ID));
    let page = get(&client, &sb.base_url().join("nothing/here").unwrap()).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    let page = get(&client, &sb.base_url().join("error?code=54005").unwrap()).await;
    assert!(page.html.contains("already redeemed"));
}

#[tokio::test]
async fn shutdown_stops_serving() {
    let (sb, client) = start().await;
    let url = format!(
        "{}/.well-known/openid-configuration",
        sb.authority("common")
    );
    assert!(client.get(&url).send().await.is_ok());
    sb.shutdown().await;
    let fresh = reqwest::Client::new();
    assert!(fresh.get(&url).send().await.is_err());
}

/// A refresh grant with `refresh`; on success `refresh` becomes the rotated token.
async fn refresh_works(
    client: &reqwest::Client,
    sb: &patchbay_sandbox::Sandbox,
    refresh: &mut String,
) -> bool {
    let (status, body) = post_token(
        client,
        sb,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", BUILT_IN_CLIENT_ID),
            ("refresh_token", refresh),
        ],
    )
    .await;
    if status == StatusCode::OK {
        *refresh = body["refresh_token"].as_str().unwrap().to_string();
    }
    status == StatusCode::OK
}

#[tokio::test]
async fn control_posts_that_are_not_json_change_nothing() {
    let (sb, client) = start().await;
    let user = "adele@contoso.example";
    let mut refresh = tokens(&client, &sb, user).await["refresh_token"]
        .as_str()
        .unwrap()
        .to_string();
    let url = |path: &str| sb.base_url().join(&format!("_sandbox/{path}")).unwrap();

    // What any web page may send without a CORS preflight: text/plain, a form, and no type at all.
    let plain = client
        .post(url("revoke"))
        .header("content-type", "text/plain;charset=UTF-8")
        .body(json!({"user": user}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(plain.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let body: Value = plain.json().await.unwrap();
    assert_eq!(body["error"], "unsupported_media_type");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("Content-Type: application/json"),
        "{body}"
    );
    let form = client
        .post(url("revoke"))
        .form(&[("user", user)])
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let untyped = client
        .post(url("revoke"))
        .body(json!({"user": user}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(untyped.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let lookalike = client
        .post(url("mfa-required"))
        .header("content-type", "application/jsonp")
        .body(json!({"required": true}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(lookalike.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let reset = client.post(url("reset")).send().await.unwrap();
    assert_eq!(reset.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);

    // Nothing changed: the grant still refreshes, sign-in asks for no MFA, the stats survived the reset.
    assert!(refresh_works(&client, &sb, &mut refresh).await);
    assert!(sign_in_redirect(&client, &sb, &builtin_flow(&sb))
        .await
        .contains_key("code"));
    assert_eq!(sb.control().stats().codes_issued, 2);

    // JSON, with a charset, works.
    let json_post = client
        .post(url("revoke"))
        .header("content-type", "Application/JSON; charset=utf-8")
        .body(json!({"user": user}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(json_post.status(), StatusCode::OK);
    // The first grant and the one its refresh rotated to.
    assert_eq!(json_post.json::<Value>().await.unwrap()["revoked"], 2);
    assert!(!refresh_works(&client, &sb, &mut refresh).await);
}

#[tokio::test]
async fn control_refuses_requests_from_other_web_pages() {
    let (sb, client) = start().await;
    let user = "adele@contoso.example";
    let mut refresh = tokens(&client, &sb, user).await["refresh_token"]
        .as_str()
        .unwrap()
        .to_string();
    let url = |path: &str| sb.base_url().join(&format!("_sandbox/{path}")).unwrap();
    let own = sb.base_url().as_str().trim_end_matches('/').to_string();

    for origin in [
        "https://evil.example",
        "null",
        &format!("{own}.evil.example"),
    ] {
        let resp = client
            .post(url("revoke"))
            .header("origin", origin)
            .json(&json!({"user": user}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{origin}");
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["error"], "forbidden_origin");
    }
    let stats = client
        .get(url("stats"))
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(stats.status(), StatusCode::FORBIDDEN);
    assert!(refresh_works(&client, &sb, &mut refresh).await);

    // The sandbox's own pages may.
    let resp = client
        .post(url("revoke"))
        .header("origin", &own)
        .json(&json!({"user": user}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    // The first grant and the one its refresh rotated to.
    assert_eq!(resp.json::<Value>().await.unwrap()["revoked"], 2);
    assert!(!refresh_works(&client, &sb, &mut refresh).await);
}

#[tokio::test]
async fn control_endpoints_are_off_unless_asked_for() {
    let (sb, client) = start_with(patchbay_sandbox::SandboxOptions::default()).await;
    let user = "adele@contoso.example";
    tokens(&client, &sb, user).await;

    let resp = client
        .post(sb.base_url().join("_sandbox/revoke").unwrap())
        .json(&json!({"user": user}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"], "control_off");
    let message = body["message"].as_str().unwrap();
    assert!(message.contains("PATCHBAY_SANDBOX_CONTROL=1"), "{message}");
    let stats = client
        .get(sb.base_url().join("_sandbox/stats").unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(stats.status(), StatusCode::NOT_FOUND);

    // The page stays and says so; in-process control is not HTTP and still works (nothing was revoked yet).
    let page = get(&client, &sb.base_url().join("_sandbox/").unwrap()).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains("Off in this sandbox"), "{}", page.html);
    assert_eq!(sb.control().revoke_user(user).unwrap(), 1);
}

#[tokio::test]
async fn a_request_for_another_host_name_is_refused_as_dns_rebinding_would_send_it() {
    let (sb, client) = start().await;
    let port = sb.base_url().port().unwrap();
    // A page at rebind.attacker.example whose name now resolves to 127.0.0.1: the browser connects here and
    // says its own name. Neither the control endpoints nor the sign-in pages answer it.
    for path in [
        "_sandbox/stats",
        "organizations/v2.0/.well-known/openid-configuration",
    ] {
        let url = sb.base_url().join(path).unwrap();
        let refused = client
            .get(url.clone())
            .header("host", format!("rebind.attacker.example:{port}"))
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), StatusCode::MISDIRECTED_REQUEST, "{path}");
        for host in [format!("127.0.0.1:{port}"), format!("localhost:{port}")] {
            let ok = client
                .get(url.clone())
                .header("host", host)
                .send()
                .await
                .unwrap();
            assert_eq!(ok.status(), StatusCode::OK, "{path}");
        }
    }
}
