mod common;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use common::*;
use patchbay_sandbox::{DEMO_TENANT_DOMAIN, DEMO_TENANT_ID};
use reqwest::StatusCode;
use serde_json::Value;

async fn discovery(client: &reqwest::Client, authority: &url::Url) -> (StatusCode, Value) {
    let url = format!("{authority}/.well-known/openid-configuration");
    let resp = client.get(url).send().await.unwrap();
    (resp.status(), resp.json().await.unwrap())
}

#[tokio::test]
async fn common_authority_advertises_the_tenantid_template() {
    let (sb, client) = start().await;
    let base = sb.base_url().as_str().trim_end_matches('/').to_string();
    assert_eq!(
        sb.authority("common").as_str(),
        format!("{base}/common/v2.0")
    );
    let (status, doc) = discovery(&client, &sb.authority("common")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(doc["issuer"], format!("{base}/{{tenantid}}/v2.0"));
    assert_eq!(
        doc["authorization_endpoint"],
        format!("{base}/common/oauth2/v2.0/authorize")
    );
    assert_eq!(
        doc["token_endpoint"],
        format!("{base}/common/oauth2/v2.0/token")
    );
    assert_eq!(
        doc["jwks_uri"],
        format!("{base}/common/discovery/v2.0/keys")
    );
    assert_eq!(
        doc["end_session_endpoint"],
        format!("{base}/common/oauth2/v2.0/logout")
    );
    assert_eq!(
        doc["code_challenge_methods_supported"],
        serde_json::json!(["S256"])
    );
    assert_eq!(doc["authorization_response_iss_parameter_supported"], true);
    assert_eq!(
        doc["token_endpoint_auth_methods_supported"],
        serde_json::json!(["client_secret_post", "client_secret_basic"])
    );
    assert!(doc["response_types_supported"]
        .as_array()
        .unwrap()
        .contains(&"code".into()));
    assert!(doc["scopes_supported"]
        .as_array()
        .unwrap()
        .contains(&"openid".into()));
    for tenant in ["organizations", "consumers"] {
        let (status, doc) = discovery(&client, &sb.authority(tenant)).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(doc["issuer"], format!("{base}/{{tenantid}}/v2.0"));
    }
}

#[tokio::test]
async fn tenant_authority_has_a_concrete_issuer() {
    let (sb, client) = start().await;
    let base = sb.base_url().as_str().trim_end_matches('/').to_string();
    for tenant in [DEMO_TENANT_ID, DEMO_TENANT_DOMAIN] {
        let (status, doc) = discovery(&client, &sb.authority(tenant)).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(doc["issuer"], format!("{base}/{DEMO_TENANT_ID}/v2.0"));
        assert_eq!(
            doc["token_endpoint"],
            format!("{base}/{tenant}/oauth2/v2.0/token")
        );
    }
}

#[tokio::test]
async fn unknown_tenant_is_aadsts90002() {
    let (sb, client) = start().await;
    let (status, body) = discovery(&client, &sb.authority("fabrikam.example")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_aad(&body, "invalid_request", 90002);
    assert!(body["error_description"]
        .as_str()
        .unwrap()
        .contains("Tenant 'fabrikam.example' not found"));
}

#[tokio::test]
async fn id_token_signature_verifies_with_the_published_key() {
    let (sb, client) = start().await;
    let tokens = tokens(&client, &sb, "adele@contoso.example").await;
    let id_token = tokens["id_token"].as_str().unwrap();
    let (status, doc) = discovery(&client, &sb.authority("organizations")).await;
    assert_eq!(status, StatusCode::OK);
    let jwks: Value = client
        .get(doc["jwks_uri"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let key = &jwks["keys"][0];
    assert_eq!(key["kty"], "RSA");
    assert_eq!(key["kid"], header(id_token)["kid"]);
    assert_eq!(header(id_token)["alg"], "RS256");
    assert_eq!(header(id_token)["typ"], "JWT");
    let n = URL_SAFE_NO_PAD.decode(key["n"].as_str().unwrap()).unwrap();
    let e = URL_SAFE_NO_PAD.decode(key["e"].as_str().unwrap()).unwrap();
    let (input, sig) = id_token.rsplit_once('.').unwrap();
    let sig = URL_SAFE_NO_PAD.decode(sig).unwrap();
    let public = ring::rsa::PublicKeyComponents { n: &n, e: &e };
    public
        .verify(
            &ring::signature::RSA_PKCS1_2048_8192_SHA256,
            input.as_bytes(),
            &sig,
        )
        .expect("valid RS256 signature");
    let mut forged = sig.clone();
    forged[0] ^= 1;
    assert!(public
        .verify(
            &ring::signature::RSA_PKCS1_2048_8192_SHA256,
            input.as_bytes(),
            &forged
        )
        .is_err());
}
