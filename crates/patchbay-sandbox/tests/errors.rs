mod common;

use common::*;
use patchbay_sandbox::{
    AppRegistration, BUILT_IN_CLIENT_ID, DEMO_APP_CLIENT_ID, DEMO_APP_SECRET,
    DEMO_PUBLIC_APP_CLIENT_ID,
};
use reqwest::StatusCode;

/// The authorize request ends on an error page with this AADSTS code.
async fn assert_error_page(client: &reqwest::Client, url: &url::Url, code: &str) -> String {
    let page = get(client, url).await;
    assert_eq!(page.kind(), "error", "{}", page.html);
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert_eq!(meta(&page.html, "pb-code").unwrap(), code);
    meta(&page.html, "pb-error").unwrap()
}

/// The authorize request redirects back to the app with `error`.
async fn assert_error_redirect(client: &reqwest::Client, url: &url::Url, error: &str, code: &str) {
    let page = get(client, url).await;
    assert_eq!(page.status, StatusCode::FOUND, "{}", page.html);
    let q = query(&page.location.unwrap());
    assert_eq!(q["error"], error, "{q:?}");
    assert!(
        q["error_description"].starts_with(&format!("{code}: ")),
        "{q:?}"
    );
    assert!(q["error_description"].contains("\r\nTrace ID: "));
    assert_eq!(q["state"], "st-123");
    assert!(q.contains_key("iss"));
}

#[tokio::test]
async fn unknown_client_is_an_error_page() {
    let (sb, client) = start().await;
    let f = flow(
        &sb,
        "00000000-1111-2222-3333-444444444444",
        REDIRECT,
        SCOPES,
        &[],
    );
    let msg = assert_error_page(&client, &f.url, "AADSTS700016").await;
    assert!(msg.contains("Application with identifier '00000000-1111-2222-3333-444444444444' was not found in the directory"));
}

#[tokio::test]
async fn redirect_uri_mismatch_is_an_error_page_not_a_redirect() {
    let (sb, client) = start().await;
    for (client_id, redirect) in [
        (BUILT_IN_CLIENT_ID, "http://localhost:53682/callback"),
        (BUILT_IN_CLIENT_ID, "https://evil.example/"),
        (DEMO_APP_CLIENT_ID, "http://localhost:8080/other"),
        (DEMO_PUBLIC_APP_CLIENT_ID, "http://localhost.evil.example/"),
    ] {
        let f = flow(&sb, client_id, redirect, SCOPES, &[]);
        let msg = assert_error_page(&client, &f.url, "AADSTS50011").await;
        assert!(msg.contains(&format!("The redirect URI '{redirect}' specified in the request does not match the redirect URIs configured for the application '{client_id}'")), "{msg}");
    }
    // Loopback, any port, on either name, for public clients.
    for redirect in [
        "http://localhost:1/",
        "http://127.0.0.1:65000",
        "http://localhost",
    ] {
        let f = flow(&sb, DEMO_PUBLIC_APP_CLIENT_ID, redirect, SCOPES, &[]);
        assert_eq!(get(&client, &f.url).await.kind(), "sign-in", "{redirect}");
    }
}

#[tokio::test]
async fn pkce_is_required_for_public_clients() {
    let (sb, client) = start().await;
    let mut url = sb
        .base_url()
        .join("organizations/oauth2/v2.0/authorize")
        .unwrap();
    url.query_pairs_mut()
        .append_pair("client_id", BUILT_IN_CLIENT_ID)
        .append_pair("response_type", "code")
        .append_pair("redirect_uri", REDIRECT)
        .append_pair("scope", SCOPES)
        .append_pair("state", "st-123");
    assert_error_redirect(&client, &url, "invalid_request", "AADSTS9002325").await;
    // plain is refused too
    let mut plain = url.clone();
    plain
        .query_pairs_mut()
        .append_pair("code_challenge", "abc")
        .append_pair("code_challenge_method", "plain");
    assert_error_redirect(&client, &plain, "invalid_request", "AADSTS9002325").await;
}

#[tokio::test]
async fn scope_errors_are_redirected_as_invalid_scope() {
    let (sb, client) = start().await;
    for scope in [
        "openid https://graph.microsoft.com/.default Mail.Read",
        "openid Mail.Teleport",
        "api://someone-else/Read",
    ] {
        let f = flow(&sb, BUILT_IN_CLIENT_ID, REDIRECT, scope, &[]);
        assert_error_redirect(&client, &f.url, "invalid_scope", "AADSTS70011").await;
    }
}

#[tokio::test]
async fn other_authorize_errors() {
    let (sb, client) = start().await;
    let f = flow(
        &sb,
        BUILT_IN_CLIENT_ID,
        REDIRECT,
        SCOPES,
        &[("prompt", "none")],
    );
    assert_error_redirect(&client, &f.url, "login_required", "AADSTS50058").await;
    let f = flow(
        &sb,
        BUILT_IN_CLIENT_ID,
        REDIRECT,
        SCOPES,
        &[("response_mode", "fragment")],
    );
    assert_error_redirect(&client, &f.url, "invalid_request", "AADSTS90100").await;
    let mut url = f.url.clone();
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| k != "response_mode")
        .map(|(k, v)| {
            let v = if k == "response_type" {
                "token".to_string()
            } else {
                v.into_owned()
            };
            (k.into_owned(), v)
        })
        .collect();
    url.query_pairs_mut().clear().extend_pairs(pairs);
    assert_error_redirect(&client, &url, "unsupported_response_type", "AADSTS700054").await;
    // Unknown tenant: page.
    let bad = url::Url::parse(
        &f.url
            .as_str()
            .replace("/organizations/", "/fabrikam.example/"),
    )
    .unwrap();
    assert_error_page(&client, &bad, "AADSTS90002").await;
    // Stale transaction id.
    let resp = client
        .post(
            sb.base_url()
                .join("organizations/oauth2/v2.0/login")
                .unwrap(),
        )
        .form(&[("tx", "nope"), ("login", "adele@contoso.example")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
}

async fn code_for(client: &reqwest::Client, sb: &patchbay_sandbox::Sandbox, f: &Flow) -> String {
    let back = sign_in(client, sb, f, "adele@contoso.example").await;
    query(&back)["code"].clone()
}

#[tokio::test]
async fn code_is_single_use() {
    let (sb, client) = start().await;
    let f = builtin_flow(&sb);
    let code = code_for(&client, &sb, &f).await;
    assert_eq!(redeem(&client, &sb, &f, &code).await.0, StatusCode::OK);
    let (status, body) = redeem(&client, &sb, &f, &code).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_aad(&body, "invalid_grant", 54005);
    assert!(body["error_description"]
        .as_str()
        .unwrap()
        .contains("OAuth2 Authorization code was already redeemed"));
}

#[tokio::test]
async fn expired_and_unknown_codes() {
    let (sb, client) = start().await;
    sb.control().set_code_lifetime(std::time::Duration::ZERO);
    let f = builtin_flow(&sb);
    let code = code_for(&client, &sb, &f).await;
    let (status, body) = redeem(&client, &sb, &f, &code).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_aad(&body, "invalid_grant", 70008);
    let (_, body) = redeem(&client, &sb, &f, "garbage").await;
    assert_aad(&body, "invalid_grant", 9002313);
}

#[tokio::test]
async fn pkce_verifier_and_redirect_uri_must_match() {
    let (sb, client) = start().await;
    let mut f = builtin_flow(&sb);
    let code = code_for(&client, &sb, &f).await;
    let right = f.verifier.clone();
    f.verifier = "wrong-verifier-wrong-verifier-wrong-verifier-000".into();
    let (status, body) = redeem(&client, &sb, &f, &code).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_aad(&body, "invalid_grant", 501481);
    assert!(body["error_description"]
        .as_str()
        .unwrap()
        .contains("The Code_Verifier does not match the code_challenge supplied in the authorization request."));
    f.verifier = right;
    f.redirect_uri = "http://localhost:9/".into();
    let (_, body) = redeem(&client, &sb, &f, &code).await;
    assert_aad(&body, "invalid_grant", 500112);
    // Failed attempts did not burn the code.
    f.redirect_uri = REDIRECT.into();
    assert_eq!(redeem(&client, &sb, &f, &code).await.0, StatusCode::OK);
}

#[tokio::test]
async fn client_authentication_errors() {
    let (sb, client) = start().await;
    let f = flow(
        &sb,
        DEMO_APP_CLIENT_ID,
        "http://localhost/callback",
        SCOPES,
        &[],
    );
    let code = code_for(&client, &sb, &f).await;
    let base = [
        ("grant_type", "authorization_code"),
        ("client_id", DEMO_APP_CLIENT_ID),
        ("code", code.as_str()),
        ("redirect_uri", "http://localhost/callback"),
        ("code_verifier", f.verifier.as_str()),
    ];
    let with = |secret: Option<&'static str>| {
        let mut form = base.to_vec();
        if let Some(s) = secret {
            form.push(("client_secret", s));
        }
        form
    };
    let (status, body) = post_token(&client, &sb, &with(None)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_aad(&body, "invalid_client", 7000218);
    let (status, body) = post_token(&client, &sb, &with(Some("not-the-secret"))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_aad(&body, "invalid_client", 7000215);
    assert!(body["error_description"].as_str().unwrap().contains("Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID"));

    sb.control().expire_secret(DEMO_APP_CLIENT_ID).unwrap();
    let (status, body) = post_token(&client, &sb, &with(Some(DEMO_APP_SECRET))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_aad(&body, "invalid_client", 7000222);
    assert!(body["error_description"]
        .as_str()
        .unwrap()
        .contains(&format!(
            "The provided client secret keys for app '{DEMO_APP_CLIENT_ID}' are expired."
        )));

    // A public client must not send a secret.
    let f = builtin_flow(&sb);
    let code = code_for(&client, &sb, &f).await;
    let (status, body) = post_token(
        &client,
        &sb,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", BUILT_IN_CLIENT_ID),
            ("client_secret", "x"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", &f.verifier),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_aad(&body, "invalid_client", 700025);
}

#[tokio::test]
async fn malformed_token_requests() {
    let (sb, client) = start().await;
    let (status, body) = post_token(&client, &sb, &[("client_id", BUILT_IN_CLIENT_ID)]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_aad(&body, "invalid_request", 900144);
    assert!(body["error_description"]
        .as_str()
        .unwrap()
        .contains("'grant_type'"));
    let (_, body) = post_token(&client, &sb, &[("grant_type", "authorization_code")]).await;
    assert_aad(&body, "invalid_request", 900144);
    let (_, body) = post_token(
        &client,
        &sb,
        &[
            ("grant_type", "password"),
            ("client_id", BUILT_IN_CLIENT_ID),
        ],
    )
    .await;
    assert_aad(&body, "unsupported_grant_type", 70003);
    let (_, body) = post_token(
        &client,
        &sb,
        &[("grant_type", "refresh_token"), ("client_id", "who")],
    )
    .await;
    assert_aad(&body, "unauthorized_client", 700016);
    let (_, body) = post_token(
        &client,
        &sb,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", BUILT_IN_CLIENT_ID),
            ("refresh_token", "x"),
        ],
    )
    .await;
    assert_aad(&body, "invalid_grant", 9002313);
    // Non-form garbage body never panics.
    let resp = client
        .post(token_url(&sb))
        .body(vec![0xff, 0xfe, b'%', b'&', b'='])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let resp = client
        .post(token_url(&sb))
        .header("authorization", "Basic !!!")
        .form(&[("grant_type", "refresh_token")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    // GET on the token endpoint.
    let resp = client.get(token_url(&sb)).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert_aad(&resp.json().await.unwrap(), "invalid_request", 900561);
}

#[tokio::test]
async fn revoked_and_inactive_refresh_tokens() {
    let (sb, client) = start().await;
    let adele = tokens(&client, &sb, "adele@contoso.example").await;
    let megan = tokens(&client, &sb, "megan@contoso.example").await;
    let refresh = |rt: String| {
        let client = client.clone();
        let url = token_url(&sb);
        async move {
            let resp = client
                .post(url)
                .form(&[
                    ("grant_type", "refresh_token"),
                    ("client_id", BUILT_IN_CLIENT_ID),
                    ("refresh_token", &rt),
                ])
                .send()
                .await
                .unwrap();
            (
                resp.status(),
                resp.json::<serde_json::Value>().await.unwrap(),
            )
        }
    };
    assert_eq!(
        sb.control().revoke_user("adele@contoso.example").unwrap(),
        1
    );
    let (status, body) = refresh(adele["refresh_token"].as_str().unwrap().into()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_aad(&body, "invalid_grant", 50173);
    assert!(body["error_description"].as_str().unwrap().contains(
        "The provided grant has expired due to it being revoked, a fresh auth token is needed."
    ));

    sb.control()
        .expire_refresh_tokens(Some("megan@contoso.example"))
        .unwrap();
    let (_, body) = refresh(megan["refresh_token"].as_str().unwrap().into()).await;
    assert_aad(&body, "invalid_grant", 700082);

    // A refresh token belongs to its client.
    sb.control()
        .register_app(AppRegistration {
            client_id: "other-app".into(),
            redirect_uris: vec!["http://localhost".into()],
            public: true,
            ..Default::default()
        })
        .unwrap();
    let fresh = tokens(&client, &sb, "alex@contoso.example").await;
    let (_, body) = post_token(
        &client,
        &sb,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", "other-app"),
            ("refresh_token", fresh["refresh_token"].as_str().unwrap()),
        ],
    )
    .await;
    assert_aad(&body, "invalid_grant", 70000);
}

#[tokio::test]
async fn hostile_state_and_login_hint_are_escaped() {
    let (sb, client) = start().await;
    let evil = "\"><script>alert(1)</script><img src=x onerror=alert(2)>";
    let f = flow(
        &sb,
        BUILT_IN_CLIENT_ID,
        REDIRECT,
        SCOPES,
        &[("login_hint", evil), ("state", evil)],
    );
    let page = get(&client, &f.url).await;
    assert_eq!(page.kind(), "sign-in");
    assert!(!page.html.contains("<script>"));
    assert!(!page.html.contains("<img src=x"));
    assert!(page
        .html
        .contains("&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"));
    // The state comes back intact (URL-encoded) in the redirect.
    let mut page2 = submit(&client, &sb, &page, &[("login", "adele@contoso.example")]).await;
    assert!(!page2.html.contains("<script>"));
    page2 = submit(&client, &sb, &page2, &[("accept", "yes")]).await;
    let q = query(&page2.location.unwrap());
    assert_eq!(q["state"], "st-123", "the first state parameter wins");

    // Hostile values on error pages too.
    let f = flow(&sb, "<script>x</script>", REDIRECT, SCOPES, &[]);
    let page = get(&client, &f.url).await;
    assert_eq!(page.kind(), "error");
    assert!(!page.html.contains("<script>x"));
    let f = flow(
        &sb,
        BUILT_IN_CLIENT_ID,
        "http://localhost/\"><script>y</script>",
        SCOPES,
        &[],
    );
    let page = get(&client, &f.url).await;
    assert!(!page.html.contains("<script>y"));
    // Unknown account typed on the sign-in page.
    let f = builtin_flow(&sb);
    let page = get(&client, &f.url).await;
    let page = submit(&client, &sb, &page, &[("login", "<b>bold</b>@x")]).await;
    assert!(!page.html.contains("<b>bold"));
}
