mod common;

use common::*;
use patchbay_sandbox::{BUILT_IN_CLIENT_ID, DEMO_TENANT_ID};
use reqwest::StatusCode;
use serde_json::Value;

#[tokio::test]
async fn code_flow_with_pkce_for_the_built_in_client() {
    let (sb, client) = start().await;
    let f = builtin_flow(&sb);

    let page = get(&client, &f.url).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.kind(), "sign-in");
    assert!(page.html.contains("<title>Pick an account</title>"));
    for who in ["Adele Vance", "Megan Bowen", "Alex Wilber"] {
        assert!(page.html.contains(who), "{who} listed");
    }

    let consent = submit(&client, &sb, &page, &[("login", "adele@contoso.example")]).await;
    assert_eq!(consent.kind(), "consent");
    assert!(consent
        .html
        .contains("<title>Permissions requested</title>"));
    assert!(consent.html.contains("Read your mail"));
    assert!(consent.html.contains("Microsoft Graph Command Line Tools"));

    let back = submit(&client, &sb, &consent, &[("accept", "yes")]).await;
    assert_eq!(back.status, StatusCode::FOUND);
    let location = back.location.unwrap();
    assert_eq!(
        location.origin().ascii_serialization(),
        "http://localhost:53682"
    );
    assert_eq!(location.path(), "/");
    let q = query(&location);
    assert_eq!(q["state"], "st-123");
    let base = sb.base_url().as_str().trim_end_matches('/').to_string();
    assert_eq!(q["iss"], format!("{base}/{DEMO_TENANT_ID}/v2.0"));
    assert!(q.contains_key("session_state"));
    let code = &q["code"];

    let (status, body) = redeem(&client, &sb, &f, code).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    assert_eq!(body["ext_expires_in"], 3600);
    assert_eq!(
        body["scope"],
        "openid profile email offline_access User.Read Mail.Read"
    );
    assert!(body["access_token"].as_str().unwrap().len() > 20);
    assert!(body["refresh_token"].as_str().unwrap().len() > 20);

    let id = claims(body["id_token"].as_str().unwrap());
    assert_eq!(id["aud"], BUILT_IN_CLIENT_ID);
    assert_eq!(id["iss"], format!("{base}/{DEMO_TENANT_ID}/v2.0"));
    assert_eq!(id["tid"], DEMO_TENANT_ID);
    assert_eq!(id["nonce"], "nonce-456");
    assert_eq!(id["name"], "Adele Vance");
    assert_eq!(id["preferred_username"], "adele@contoso.example");
    assert_eq!(id["email"], "adele@contoso.example");
    assert_eq!(id["ver"], "2.0");
    let adele = sb
        .control()
        .users()
        .into_iter()
        .find(|u| u.email == "adele@contoso.example")
        .unwrap();
    assert_eq!(id["oid"], adele.id.as_str());
    assert!(id["sub"].is_string());
    let (iat, nbf, exp) = (
        id["iat"].as_u64().unwrap(),
        id["nbf"].as_u64().unwrap(),
        id["exp"].as_u64().unwrap(),
    );
    assert!(nbf <= iat && iat < exp);

    let stats = sb.control().stats();
    assert_eq!(stats.token_requests.get("authorization_code"), Some(&1));
    assert_eq!(stats.codes_issued, 1);
}

#[tokio::test]
async fn no_refresh_token_without_offline_access_and_no_id_token_without_openid() {
    let (sb, client) = start().await;
    let f = flow(
        &sb,
        BUILT_IN_CLIENT_ID,
        "http://127.0.0.1:9999",
        "User.Read",
        &[],
    );
    let back = sign_in(&client, &sb, &f, "megan@contoso.example").await;
    let (status, body) = redeem(&client, &sb, &f, &query(&back)["code"]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["scope"], "User.Read");
    assert!(body.get("refresh_token").is_none());
    assert!(body.get("id_token").is_none());
}

#[tokio::test]
async fn graph_me_with_valid_and_invalid_tokens() {
    let (sb, client) = start().await;
    let tokens = tokens(&client, &sb, "megan@contoso.example").await;
    let me_url = format!("{}/v1.0/me", sb.graph_url());
    let resp = client
        .get(&me_url)
        .bearer_auth(tokens["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let me: Value = resp.json().await.unwrap();
    assert_eq!(me["displayName"], "Megan Bowen");
    assert_eq!(me["mail"], "megan@contoso.example");
    assert_eq!(me["userPrincipalName"], "megan@contoso.example");
    assert!(me["id"].is_string());

    for auth in [None, Some("Bearer nonsense"), Some("Bearer a.b.c")] {
        let mut req = client.get(&me_url);
        if let Some(a) = auth {
            req = req.header("authorization", a);
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
        assert!(resp.headers().contains_key("www-authenticate"));
        let body: Value = resp.json().await.unwrap();
        assert_eq!(
            body["error"]["code"], "InvalidAuthenticationToken",
            "{body}"
        );
        assert!(body["error"]["message"].is_string());
        assert!(body["error"]["innerError"]["request-id"].is_string());
    }

    // Expired access token.
    assert_eq!(sb.control().expire_access_tokens(None).unwrap(), 1);
    let resp = client
        .get(&me_url)
        .bearer_auth(tokens["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(
        body["error"]["message"],
        "Lifetime validation failed, the token is expired."
    );
}

#[tokio::test]
async fn graph_me_needs_a_user_read_scope() {
    let (sb, client) = start().await;
    let f = flow(&sb, BUILT_IN_CLIENT_ID, REDIRECT, "openid Mail.Read", &[]);
    let back = sign_in(&client, &sb, &f, "alex@contoso.example").await;
    let (_, body) = redeem(&client, &sb, &f, &query(&back)["code"]).await;
    let resp = client
        .get(format!("{}/v1.0/me", sb.graph_url()))
        .bearer_auth(body["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], "Authorization_RequestDenied");
}

#[tokio::test]
async fn refresh_rotates_and_the_old_token_is_rejected() {
    let (sb, client) = start().await;
    let first = tokens(&client, &sb, "adele@contoso.example").await;
    let rt1 = first["refresh_token"].as_str().unwrap().to_string();
    let refresh = |rt: String, scope: Option<&'static str>| {
        let client = client.clone();
        let sb_token = token_url(&sb);
        async move {
            let mut form = vec![
                ("grant_type", "refresh_token".to_string()),
                ("client_id", BUILT_IN_CLIENT_ID.into()),
                ("refresh_token", rt),
            ];
            if let Some(s) = scope {
                form.push(("scope", s.into()));
            }
            let resp = client.post(sb_token).form(&form).send().await.unwrap();
            (resp.status(), resp.json::<Value>().await.unwrap())
        }
    };

    let (status, second) = refresh(rt1.clone(), None).await;
    assert_eq!(status, StatusCode::OK, "{second}");
    let rt2 = second["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(rt1, rt2);
    assert_ne!(first["access_token"], second["access_token"]);
    assert!(second["id_token"].is_string());
    assert_eq!(second["scope"], first["scope"]);

    let (status, body) = refresh(rt1, None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_aad(&body, "invalid_grant", 70000);

    // Narrowing with `scope`.
    let (status, third) = refresh(rt2, Some("openid User.Read")).await;
    assert_eq!(status, StatusCode::OK, "{third}");
    assert_eq!(third["scope"], "openid User.Read");
    // Widening is refused.
    let rt3 = third["refresh_token"].as_str().unwrap().to_string();
    let (status, body) = refresh(rt3.clone(), Some("Calendars.Read")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_aad(&body, "invalid_grant", 65001);
    // The refused request did not consume the token; the full grant is still there.
    let (status, fourth) = refresh(rt3, None).await;
    assert_eq!(status, StatusCode::OK, "{fourth}");
    assert!(fourth["scope"].as_str().unwrap().contains("Mail.Read"));

    let stats = sb.control().stats();
    assert_eq!(stats.token_requests.get("refresh_token"), Some(&5));
    assert_eq!(stats.token_requests.get("authorization_code"), Some(&1));
}

#[tokio::test]
async fn refresh_grace_lets_the_old_token_work_briefly() {
    let (sb, client) = start().await;
    sb.control()
        .set_refresh_token_grace(std::time::Duration::from_secs(60));
    let first = tokens(&client, &sb, "adele@contoso.example").await;
    let rt = first["refresh_token"].as_str().unwrap();
    for _ in 0..2 {
        let (status, body) = post_token(
            &client,
            &sb,
            &[
                ("grant_type", "refresh_token"),
                ("client_id", BUILT_IN_CLIENT_ID),
                ("refresh_token", rt),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
}

#[tokio::test]
async fn consent_is_remembered_unless_prompt_consent() {
    let (sb, client) = start().await;
    let _ = tokens(&client, &sb, "adele@contoso.example").await;

    // Second sign-in: no consent page.
    let f = builtin_flow(&sb);
    let page = get(&client, &f.url).await;
    let back = submit(&client, &sb, &page, &[("login", "adele@contoso.example")]).await;
    assert_eq!(back.status, StatusCode::FOUND);
    assert!(query(&back.location.unwrap()).contains_key("code"));

    // A narrower request is covered too.
    let f = flow(&sb, BUILT_IN_CLIENT_ID, REDIRECT, "openid User.Read", &[]);
    let page = get(&client, &f.url).await;
    let back = submit(&client, &sb, &page, &[("login", "adele@contoso.example")]).await;
    assert_eq!(back.status, StatusCode::FOUND);

    // A wider one, or prompt=consent, asks again; another user asks too.
    for (scope, prompt, who) in [
        ("openid Calendars.Read", None, "adele@contoso.example"),
        (SCOPES, Some("consent"), "adele@contoso.example"),
        (SCOPES, None, "megan@contoso.example"),
    ] {
        let extra: Vec<(&str, &str)> = prompt.map(|p| vec![("prompt", p)]).unwrap_or_default();
        let f = flow(&sb, BUILT_IN_CLIENT_ID, REDIRECT, scope, &extra);
        let page = get(&client, &f.url).await;
        let next = submit(&client, &sb, &page, &[("login", who)]).await;
        assert_eq!(next.kind(), "consent", "{scope} {prompt:?} {who}");
    }
}

#[tokio::test]
async fn declining_consent_redirects_with_access_denied() {
    let (sb, client) = start().await;
    let f = builtin_flow(&sb);
    let page = get(&client, &f.url).await;
    let consent = submit(&client, &sb, &page, &[("login", "alex@contoso.example")]).await;
    let back = submit(&client, &sb, &consent, &[("accept", "no")]).await;
    assert_eq!(back.status, StatusCode::FOUND);
    let q = query(&back.location.unwrap());
    assert_eq!(q["error"], "access_denied");
    assert!(q["error_description"]
        .starts_with("AADSTS65004: User declined to consent to access the app."));
    assert_eq!(q["state"], "st-123");
    assert!(!q.contains_key("code"));
}

#[tokio::test]
async fn login_hint_and_select_account() {
    let (sb, client) = start().await;
    let f = flow(
        &sb,
        BUILT_IN_CLIENT_ID,
        REDIRECT,
        SCOPES,
        &[("login_hint", "megan@contoso.example")],
    );
    let page = get(&client, &f.url).await;
    assert!(page.html.contains("<title>Sign in to your account</title>"));
    assert!(page.html.contains("Megan Bowen"));
    assert!(!page.html.contains("Adele Vance"));

    let f = flow(
        &sb,
        BUILT_IN_CLIENT_ID,
        REDIRECT,
        SCOPES,
        &[
            ("login_hint", "megan@contoso.example"),
            ("prompt", "select_account"),
        ],
    );
    let page = get(&client, &f.url).await;
    assert!(page.html.contains("<title>Pick an account</title>"));
    assert!(page.html.contains("Adele Vance") && page.html.contains("Megan Bowen"));
}

#[tokio::test]
async fn unknown_account_is_shown_on_the_sign_in_page() {
    let (sb, client) = start().await;
    let f = builtin_flow(&sb);
    let page = get(&client, &f.url).await;
    let again = submit(&client, &sb, &page, &[("login", "nobody@contoso.example")]).await;
    assert_eq!(again.kind(), "sign-in");
    assert!(again.html.contains("AADSTS50034"));
    // Same transaction still works.
    let next = submit(&client, &sb, &again, &[("login", "adele@contoso.example")]).await;
    assert_eq!(next.kind(), "consent");
}

#[tokio::test]
async fn confidential_app_with_basic_and_post_authentication() {
    use patchbay_sandbox::{DEMO_APP_CLIENT_ID, DEMO_APP_SECRET};
    let (sb, client) = start().await;
    for basic in [false, true] {
        let f = flow(
            &sb,
            DEMO_APP_CLIENT_ID,
            "http://localhost:8080/callback",
            SCOPES,
            &[],
        );
        let back = sign_in(&client, &sb, &f, "adele@contoso.example").await;
        let code = query(&back)["code"].clone();
        let mut req = client.post(token_url(&sb));
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", f.redirect_uri.as_str()),
            ("code_verifier", f.verifier.as_str()),
        ];
        if basic {
            req = req.basic_auth(DEMO_APP_CLIENT_ID, Some(DEMO_APP_SECRET));
        } else {
            form.extend([
                ("client_id", DEMO_APP_CLIENT_ID),
                ("client_secret", DEMO_APP_SECRET),
            ]);
        }
        let resp = req.form(&form).send().await.unwrap();
        let status = resp.status();
        let body: Value = resp.json().await.unwrap();
        assert_eq!(status, StatusCode::OK, "basic={basic} {body}");
        assert_eq!(
            claims(body["id_token"].as_str().unwrap())["aud"],
            DEMO_APP_CLIENT_ID
        );
    }
}

#[tokio::test]
async fn dotdefault_expands_to_the_app_permissions() {
    let (sb, client) = start().await;
    let f = flow(
        &sb,
        BUILT_IN_CLIENT_ID,
        REDIRECT,
        "https://graph.microsoft.com/.default openid offline_access",
        &[],
    );
    let back = sign_in(&client, &sb, &f, "adele@contoso.example").await;
    let (status, body) = redeem(&client, &sb, &f, &query(&back)["code"]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["scope"], "User.Read openid offline_access");
}

#[tokio::test]
async fn logout_redirects_to_loopback_only() {
    let (sb, client) = start().await;
    let url = sb
        .base_url()
        .join("common/oauth2/v2.0/logout?post_logout_redirect_uri=http%3A%2F%2Flocalhost%3A1234%2Fbye&state=s")
        .unwrap();
    let page = get(&client, &url).await;
    assert_eq!(page.status, StatusCode::FOUND);
    assert_eq!(
        page.location.unwrap().as_str(),
        "http://localhost:1234/bye?state=s"
    );
    let url = sb
        .base_url()
        .join("common/oauth2/v2.0/logout?post_logout_redirect_uri=https%3A%2F%2Fevil.example%2F")
        .unwrap();
    let page = get(&client, &url).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.kind(), "signed-out");
}

#[tokio::test]
async fn each_kind_of_account_signs_in_only_where_microsoft_lets_it() {
    let (sb, client) = start().await;
    let at = |tenant: &str| {
        let mut f = builtin_flow(&sb);
        let path = f.url.path().replacen("organizations", tenant, 1);
        f.url.set_path(&path);
        f
    };
    let try_sign_in = |f: Flow, email: &'static str| {
        let client = client.clone();
        let sb = &sb;
        async move {
            let page = get(&client, &f.url).await;
            assert_eq!(page.kind(), "sign-in", "{}", page.html);
            submit(&client, sb, &page, &[("login", email), ("passwd", "demo")]).await
        }
    };
    // A personal account where only work accounts sign in: Microsoft's AADSTS50020, on its sign-in page.
    let page = try_sign_in(at("organizations"), "sam@outlook.example").await;
    assert_eq!(page.kind(), "sign-in");
    assert!(page.html.contains("AADSTS50020"), "{}", page.html);
    // A work account at consumers: the personal-account page's own words.
    let page = try_sign_in(at("consumers"), "adele@contoso.example").await;
    assert_eq!(page.kind(), "sign-in");
    assert!(
        page.html.contains("That Microsoft account doesn"),
        "{}",
        page.html
    );
    // The personal account at consumers and at common: a code, with the consumers issuer.
    for tenant in ["consumers", "common"] {
        let back = sign_in(&client, &sb, &at(tenant), "sam@outlook.example").await;
        let q = query(&back);
        assert!(q.contains_key("code"), "{tenant}: {back}");
        assert!(
            q["iss"].ends_with(&format!("/{}/v2.0", patchbay_sandbox::CONSUMERS_TENANT_ID)),
            "{tenant}: {}",
            q["iss"]
        );
    }
}
