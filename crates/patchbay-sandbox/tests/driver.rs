//! `patchbay_sandbox::driver::sign_in`, as other crates' tests use it.
#![cfg(feature = "driver")]

mod common;

use common::*;
use patchbay_sandbox::driver::sign_in;
use patchbay_sandbox::BUILT_IN_CLIENT_ID;
use reqwest::StatusCode;

#[tokio::test]
async fn driver_signs_in_and_consents() {
    let (sb, client) = start().await;
    let f = builtin_flow(&sb);
    let back = sign_in(&client, &f.url, "megan@contoso.example", true)
        .await
        .unwrap();
    assert!(back.as_str().starts_with(REDIRECT));
    let q = query(&back);
    assert_eq!(q["state"], "st-123");
    let (status, body) = redeem(&client, &sb, &f, &q["code"]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        claims(body["id_token"].as_str().unwrap())["preferred_username"],
        "megan@contoso.example"
    );

    // Consent remembered: the second run skips the page either way.
    let f = builtin_flow(&sb);
    let back = sign_in(&client, &f.url, "megan@contoso.example", false)
        .await
        .unwrap();
    assert!(query(&back).contains_key("code"));
}

#[tokio::test]
async fn driver_reports_decline_errors_and_bad_accounts() {
    let (sb, client) = start().await;
    let back = sign_in(
        &client,
        &builtin_flow(&sb).url,
        "adele@contoso.example",
        false,
    )
    .await
    .unwrap();
    assert_eq!(query(&back)["error"], "access_denied");

    let err = sign_in(
        &client,
        &builtin_flow(&sb).url,
        "ghost@contoso.example",
        true,
    )
    .await
    .unwrap_err();
    assert!(err.contains("ghost@contoso.example"), "{err}");

    let f = flow(
        &sb,
        BUILT_IN_CLIENT_ID,
        "http://localhost:1/wrong",
        SCOPES,
        &[],
    );
    let err = sign_in(&client, &f.url, "adele@contoso.example", true)
        .await
        .unwrap_err();
    assert!(err.starts_with("AADSTS50011: "), "{err}");
}
