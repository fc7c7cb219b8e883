//! `client_info`, as Entra returns it when a request asks (`client_info=1`, as every MSAL does): beside the code
//! in the authorization response, and in the token response of each grant — base64url JSON
//! `{"uid": object ID, "utid": tenant ID}`, the consumers tenant for a personal account. Not asked, not sent.

mod common;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use common::*;
use patchbay_sandbox::{BUILT_IN_CLIENT_ID, CONSUMERS_TENANT_ID, DEMO_TENANT_ID};
use reqwest::StatusCode;
use serde_json::{json, Value};

fn decode(client_info: &str) -> Value {
    let bytes = URL_SAFE_NO_PAD
        .decode(client_info)
        .unwrap_or_else(|e| panic!("client_info is unpadded base64url ({e}): {client_info}"));
    serde_json::from_slice(&bytes).expect("client_info is JSON")
}

/// Sign in at `tenant` as `email`, asking for `client_info` or not; the redirect and the token response.
async fn sign_in_at(tenant: &str, email: &str, ask: bool) -> (Value, Option<String>, Value) {
    let (sb, client) = start().await;
    let extra: &[(&str, &str)] = if ask { &[("client_info", "1")] } else { &[] };
    let mut f = flow(&sb, BUILT_IN_CLIENT_ID, REDIRECT, SCOPES, extra);
    let path = f.url.path().replacen("organizations", tenant, 1);
    f.url.set_path(&path);
    let back = sign_in(&client, &sb, &f, email).await;
    let mut q = query(&back);
    let code = q.remove("code").expect("a code");
    let token_url = sb
        .base_url()
        .join(&format!("{tenant}/oauth2/v2.0/token"))
        .unwrap();
    let mut form = vec![
        ("grant_type", "authorization_code".to_string()),
        ("client_id", f.client_id.clone()),
        ("code", code),
        ("redirect_uri", f.redirect_uri.clone()),
        ("code_verifier", f.verifier.clone()),
    ];
    if ask {
        form.push(("client_info", "1".into()));
    }
    let response = client
        .post(token_url.clone())
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let tokens: Value = response.json().await.unwrap();
    // A refresh asks again (or not), and is answered alike.
    let mut refresh = vec![
        ("grant_type", "refresh_token".to_string()),
        ("client_id", f.client_id.clone()),
        (
            "refresh_token",
            tokens["refresh_token"]
                .as_str()
                .expect("a refresh token")
                .to_string(),
        ),
    ];
    if ask {
        refresh.push(("client_info", "1".into()));
    }
    let refreshed: Value = client
        .post(token_url)
        .form(&refresh)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(refreshed["access_token"].is_string(), "{refreshed}");
    sb.shutdown().await;
    (
        json!({"code": tokens, "refresh": refreshed}),
        q.remove("client_info"),
        tokens,
    )
}

#[tokio::test]
async fn client_info_names_the_object_and_its_tenant_when_asked() {
    let adele = "87d349ed-44d7-43e1-9a83-5f2406dee5bd";
    let (answers, in_redirect, _) =
        sign_in_at("organizations", "adele@contoso.example", true).await;
    let expected = json!({"uid": adele, "utid": DEMO_TENANT_ID});
    assert_eq!(
        decode(&in_redirect.expect("client_info in the redirect")),
        expected
    );
    for grant in ["code", "refresh"] {
        let info = answers[grant]["client_info"]
            .as_str()
            .unwrap_or_else(|| panic!("no client_info from the {grant} grant: {answers}"));
        assert_eq!(decode(info), expected, "{grant}");
    }
}

#[tokio::test]
async fn a_personal_accounts_client_info_names_the_consumers_tenant() {
    let (answers, in_redirect, tokens) = sign_in_at("consumers", "sam@outlook.example", true).await;
    let expected =
        json!({"uid": "00000000-0000-0000-4b2c-9e51d7a3f08b", "utid": CONSUMERS_TENANT_ID});
    assert_eq!(
        decode(&in_redirect.expect("client_info in the redirect")),
        expected
    );
    assert_eq!(
        decode(answers["refresh"]["client_info"].as_str().unwrap()),
        expected
    );
    // The same IDs as the ID token's oid and tid.
    let id = claims(tokens["id_token"].as_str().unwrap());
    assert_eq!(
        (id["oid"].clone(), id["tid"].clone()),
        (expected["uid"].clone(), expected["utid"].clone())
    );
}

#[tokio::test]
async fn not_asked_not_sent() {
    let (answers, in_redirect, _) =
        sign_in_at("organizations", "adele@contoso.example", false).await;
    assert_eq!(in_redirect, None);
    for grant in ["code", "refresh"] {
        assert!(
            answers[grant].get("client_info").is_none(),
            "{grant}: {answers}"
        );
    }
}
