//! Connect against the sandbox identity platform over real HTTP: both auth types and every error a person can
//! meet, each with the message they get.

mod common;

use common::*;
use patchbay_core::catalogue::AuthType;
use patchbay_core::error::ErrorCode;
use patchbay_core::model::{ConnectEvent, ConnectionStatus};
use patchbay_sandbox::{
    AppRegistration, DEMO_APP_CLIENT_ID, DEMO_APP_SECRET, DEMO_PUBLIC_APP_CLIENT_ID, DEMO_TENANT_ID,
};
use secrecy::SecretString;
use std::collections::HashMap;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(30);

#[tokio::test]
async fn built_in_app_connects_with_the_full_scope_list_and_pkce() {
    let h = Harness::new().await;
    let mut flow = start(&h.core, h.request(AuthType::BuiltInApp), WAIT);
    let auth_url = flow.auth_url().await;
    let q: HashMap<String, String> = auth_url.query_pairs().into_owned().collect();
    assert_eq!(
        q["client_id"],
        patchbay_core::config::DEFAULT_BUILTIN_CLIENT_ID
    );
    assert_eq!(q["code_challenge_method"], "S256");
    // The harness reaches its sandbox as a custom provider (only the Sandbox environment Patchbay runs itself
    // is taken for Microsoft's), and a custom provider that lists no prompt values is sent none.
    assert_eq!(q.get("prompt"), None);
    assert_eq!(q["response_type"], "code");
    assert!(
        q["redirect_uri"].starts_with("http://localhost:"),
        "{}",
        q["redirect_uri"]
    );
    assert!(!q["redirect_uri"].ends_with('/'));
    assert_eq!(q["state"].len(), 43);
    assert!(q.contains_key("nonce"));
    assert_eq!(q["scope"].split(' ').count(), 16);

    let back = sign_in(&h.http, &auth_url, ADELE, true).await;
    assert!(
        back.query_pairs().any(|(k, _)| k == "iss"),
        "the sandbox sends RFC 9207 iss"
    );
    let mut kinds = vec![];
    let summary = flow.finish_with(&mut kinds).await.unwrap();
    assert_eq!(kinds, ["exchanging", "connected"]);
    assert_eq!(summary.account.email, ADELE);
    assert_eq!(summary.account.tid, DEMO_TENANT_ID);
    assert!(!summary.account.oid.is_empty());
    assert_eq!(summary.name, ADELE);
    assert_eq!(summary.status, ConnectionStatus::Healthy);
    assert_eq!(summary.scopes_requested.len(), 16);
    assert!(
        summary.scopes_missing.is_empty(),
        "{:?}",
        summary.scopes_missing
    );
    assert_eq!(h.core.list().unwrap(), vec![summary.clone()]);

    // Rename and remove: metadata and sealed secrets go, nothing else.
    let renamed = h.core.rename(&summary.id, "  Work mail ").unwrap();
    assert_eq!(renamed.name, "Work mail");
    let sealed = h
        .data
        .path()
        .join("secrets")
        .join(format!("{}.sealed", summary.id));
    assert!(sealed.exists());
    h.core.remove(&summary.id).unwrap();
    assert!(h.core.list().unwrap().is_empty());
    assert!(!sealed.exists());
    assert_eq!(
        h.core.remove(&summary.id).unwrap_err().code,
        ErrorCode::NotFound
    );
}

trait FinishWith {
    async fn finish_with(
        self,
        kinds: &mut Vec<String>,
    ) -> Result<patchbay_core::model::ConnectionSummary, patchbay_core::error::ErrorInfo>;
}

impl FinishWith for Flow {
    async fn finish_with(
        mut self,
        kinds: &mut Vec<String>,
    ) -> Result<patchbay_core::model::ConnectionSummary, patchbay_core::error::ErrorInfo> {
        let result = tokio::time::timeout(Duration::from_secs(20), &mut self.result)
            .await
            .unwrap()
            .unwrap();
        while let Ok(event) = self.events.try_recv() {
            kinds.push(
                match event {
                    ConnectEvent::WaitingForBrowser { .. } => "waiting_for_browser",
                    ConnectEvent::Exchanging { .. } => "exchanging",
                    ConnectEvent::Connected { .. } => "connected",
                    ConnectEvent::Failed { .. } => "failed",
                }
                .to_string(),
            );
        }
        result
    }
}

#[tokio::test]
async fn bring_your_own_confidential_app_asks_only_for_the_chosen_features() {
    let h = Harness::new().await;
    let mut req = h.request(AuthType::BringYourOwnApp);
    req.client_id = Some(DEMO_APP_CLIENT_ID.into());
    req.client_secret = Some(SecretString::from(DEMO_APP_SECRET));
    req.features = Some(vec!["read_mail".into(), "read_calendar".into()]);
    req.name = Some("My mailbox".into());
    let mut flow = start(&h.core, req, WAIT);
    let auth_url = flow.auth_url().await;
    let q: HashMap<String, String> = auth_url.query_pairs().into_owned().collect();
    assert_eq!(
        q["scope"],
        "openid profile email offline_access User.Read Mail.Read Calendars.Read"
    );
    assert!(
        !auth_url.as_str().contains(DEMO_APP_SECRET),
        "the secret goes only to the token endpoint"
    );
    sign_in(&h.http, &auth_url, "megan@contoso.example", true).await;
    let summary = flow.finish().await.unwrap();
    assert_eq!(summary.name, "My mailbox");
    assert_eq!(summary.client_id, DEMO_APP_CLIENT_ID);
    assert_eq!(summary.account.email, "megan@contoso.example");
    assert_eq!(summary.scopes_requested.len(), 7);
    assert!(summary.scopes_missing.is_empty());
}

#[tokio::test]
async fn bring_your_own_public_app_needs_no_secret() {
    let h = Harness::new().await;
    let mut req = h.request(AuthType::BringYourOwnApp);
    req.client_id = Some(DEMO_PUBLIC_APP_CLIENT_ID.into());
    let mut flow = start(&h.core, req, WAIT);
    let auth_url = flow.auth_url().await;
    sign_in(&h.http, &auth_url, ADELE, true).await;
    assert_eq!(
        flow.finish().await.unwrap().client_id,
        DEMO_PUBLIC_APP_CLIENT_ID
    );
}

#[tokio::test]
async fn fewer_scopes_granted_are_listed_with_the_features_they_disable() {
    let h = Harness::new().await;
    h.sandbox
        .control()
        .deny_scopes(
            patchbay_core::config::DEFAULT_BUILTIN_CLIENT_ID,
            vec!["Mail.Send".into(), "Calendars.ReadWrite".into()],
        )
        .unwrap();
    let mut flow = start(&h.core, h.request(AuthType::BuiltInApp), WAIT);
    let auth_url = flow.auth_url().await;
    sign_in(&h.http, &auth_url, ADELE, true).await;
    let summary = flow.finish().await.unwrap();
    assert_eq!(summary.scopes_missing, ["Mail.Send", "Calendars.ReadWrite"]);
    assert_eq!(
        summary.features_unavailable,
        ["Send mail", "Write calendar"]
    );
    assert!(!summary.scopes_granted.iter().any(|s| s == "Mail.Send"));
}

#[tokio::test]
async fn declining_consent_is_a_cancelled_sign_in() {
    let h = Harness::new().await;
    let mut flow = start(&h.core, h.request(AuthType::BuiltInApp), WAIT);
    let auth_url = flow.auth_url().await;
    sign_in(&h.http, &auth_url, ADELE, false).await;
    let err = flow.finish().await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Cancelled);
    assert!(h.core.list().unwrap().is_empty());
}

#[tokio::test]
async fn admin_approval_needed_gives_the_admin_consent_link() {
    let h = Harness::new().await;
    h.sandbox
        .control()
        .set_admin_consent_required(None, true)
        .unwrap();
    let mut flow = start(&h.core, h.request(AuthType::BuiltInApp), WAIT);
    let auth_url = flow.auth_url().await;
    sign_in(&h.http, &auth_url, ADELE, true).await;
    let err = flow.finish().await.unwrap_err();
    assert_eq!(err.code, ErrorCode::AdminConsentRequired, "{err:?}");
    let link = url::Url::parse(&err.action.expect("a link to copy").url).unwrap();
    assert!(
        link.as_str()
            .starts_with(h.sandbox.authority("organizations").as_str()),
        "{link}"
    );
    assert!(link.path().ends_with("/v2.0/adminconsent"));
    let q: HashMap<String, String> = link.query_pairs().into_owned().collect();
    assert_eq!(
        q["client_id"],
        patchbay_core::config::DEFAULT_BUILTIN_CLIENT_ID
    );
    assert!(err.detail.unwrap().contains("AADSTS65001"));
}

#[tokio::test]
async fn a_wrong_client_secret_says_to_use_the_secret_value() {
    let h = Harness::new().await;
    let mut req = h.request(AuthType::BringYourOwnApp);
    req.client_id = Some(DEMO_APP_CLIENT_ID.into());
    req.client_secret = Some(SecretString::from("the-secret-id-not-its-value"));
    let mut flow = start(&h.core, req, WAIT);
    let auth_url = flow.auth_url().await;
    sign_in(&h.http, &auth_url, ADELE, true).await;
    let err = flow.finish().await.unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidClientSecret);
    assert!(err.message.contains("Value (not its Secret ID)"));
    assert!(
        !format!("{err:?}").contains("the-secret-id-not-its-value"),
        "no secret in the error"
    );
}

#[tokio::test]
async fn an_expired_client_secret_says_how_to_rotate_it() {
    let h = Harness::new().await;
    h.sandbox
        .control()
        .expire_secret(DEMO_APP_CLIENT_ID)
        .unwrap();
    let mut req = h.request(AuthType::BringYourOwnApp);
    req.client_id = Some(DEMO_APP_CLIENT_ID.into());
    req.client_secret = Some(SecretString::from(DEMO_APP_SECRET));
    let mut flow = start(&h.core, req, WAIT);
    let auth_url = flow.auth_url().await;
    sign_in(&h.http, &auth_url, ADELE, true).await;
    let err = flow.finish().await.unwrap_err();
    assert_eq!(err.code, ErrorCode::ClientSecretExpired);
    assert!(err.message.contains("create a new client secret"));
}

#[tokio::test]
async fn mfa_required_is_explained() {
    let h = Harness::new().await;
    h.sandbox.control().set_mfa_required(true);
    let mut flow = start(&h.core, h.request(AuthType::BuiltInApp), WAIT);
    let auth_url = flow.auth_url().await;
    sign_in(&h.http, &auth_url, ADELE, true).await;
    assert_eq!(
        flow.finish().await.unwrap_err().code,
        ErrorCode::MfaRequired
    );
}

#[tokio::test]
async fn mixing_default_with_named_scopes_is_an_invalid_scope() {
    let h = Harness::new().await;
    let mut req = h.request(AuthType::BringYourOwnApp);
    req.client_id = Some(DEMO_PUBLIC_APP_CLIENT_ID.into());
    req.scopes = Some(vec![
        "https://graph.microsoft.com/.default".into(),
        "Mail.Read".into(),
    ]);
    let mut flow = start(&h.core, req, WAIT);
    let auth_url = flow.auth_url().await;
    let back = patchbay_sandbox::driver::sign_in(&h.http, &auth_url, ADELE, true)
        .await
        .unwrap();
    h.http.get(back).send().await.unwrap();
    let err = flow.finish().await.unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidScope, "{err:?}");
    assert!(err.message.contains(".default"));
}

#[tokio::test]
async fn an_unknown_app_shown_on_microsofts_page_is_explained_once_pasted() {
    let h = Harness::new().await;
    // Microsoft shows AADSTS700016 on its own page and never redirects back: the person pastes what it says.
    let mut req = h.request(AuthType::BringYourOwnApp);
    req.client_id = Some("00000000-1111-2222-3333-444444444444".into());
    req.tenant = Some("contoso.onmicrosoft.com".into());
    let mut flow = start(&h.core, req, WAIT);
    let auth_url = flow.auth_url().await;
    let page = sign_in_to_error_page(&h.http, &auth_url, ADELE).await;
    assert!(page.contains("AADSTS700016"), "{page}");

    // Text without a code is refused and the sign-in keeps waiting.
    let refused = h
        .core
        .report_sign_in_page_error("flow-1", "Something went wrong")
        .unwrap_err();
    assert_eq!(refused.code, ErrorCode::InvalidInput);
    assert!(refused.message.contains("AADSTS"), "{refused:?}");
    assert!(!flow.result.is_finished());

    let explained = h
        .core
        .report_sign_in_page_error(
            "flow-1",
            &format!("Sign in\nSorry, but we're having trouble signing you in.\n{page}"),
        )
        .unwrap();
    let err = flow.finish().await.unwrap_err();
    assert_eq!(err, explained);
    assert_eq!(err.code, ErrorCode::AppNotFound, "{err:?}");
    assert!(
        err.title.contains("00000000-1111-2222-3333-444444444444"),
        "{err:?}"
    );
    assert!(err.message.contains("contoso.onmicrosoft.com"), "{err:?}");
    assert!(err.detail.unwrap().contains("AADSTS700016"));
    // Once the flow is over there is nothing to report to.
    assert_eq!(
        h.core
            .report_sign_in_page_error("flow-1", &page)
            .unwrap_err()
            .code,
        ErrorCode::InvalidInput
    );
}

#[tokio::test]
async fn a_wrong_redirect_uri_shown_on_microsofts_page_names_the_uri_to_register() {
    let h = Harness::new().await;
    h.sandbox
        .control()
        .register_app(AppRegistration {
            client_id: "aaaaaaaa-0000-0000-0000-000000000001".into(),
            client_secret: None,
            redirect_uris: vec!["http://localhost/only-this".into()],
            public: true,
            name: None,
            default_scopes: None,
        })
        .unwrap();
    let mut req = h.request(AuthType::BringYourOwnApp);
    req.client_id = Some("aaaaaaaa-0000-0000-0000-000000000001".into());
    req.redirect_uri = Some("http://localhost/other".into());
    let mut flow = start(&h.core, req, WAIT);
    let auth_url = flow.auth_url().await;
    let page = sign_in_to_error_page(&h.http, &auth_url, ADELE).await;
    assert!(page.contains("AADSTS50011"), "{page}");
    h.core.report_sign_in_page_error("flow-1", &page).unwrap();
    let err = flow.finish().await.unwrap_err();
    assert_eq!(err.code, ErrorCode::RedirectUriMismatch, "{err:?}");
    let action = err.action.expect("the URI to copy");
    assert_eq!(action.url, "http://localhost/other");
    assert!(
        err.message.contains("Mobile and desktop applications"),
        "{}",
        err.message
    );

    // The wizard shows the same advice before the sign-in.
    let advice = h
        .core
        .redirect_advice(Some("http://localhost/other"), false)
        .unwrap();
    assert_eq!(advice.redirect_uri, "http://localhost/other");
    assert_eq!(advice.platform, "Mobile and desktop applications");
    assert_eq!(h.core.redirect_advice(None, true).unwrap().platform, "Web");
}

#[tokio::test]
async fn the_need_admin_approval_page_is_explained_with_the_admin_consent_link() {
    let h = Harness::new().await;
    let control = h.sandbox.control();
    control.set_admin_consent_required(None, true).unwrap();
    control.set_admin_approval_page(true);
    let mut flow = start(&h.core, h.request(AuthType::BuiltInApp), WAIT);
    let auth_url = flow.auth_url().await;
    let page = sign_in_to_error_page(&h.http, &auth_url, ADELE).await;
    assert!(page.contains("AADSTS90094"), "{page}");
    h.core.report_sign_in_page_error("flow-1", &page).unwrap();
    let err = flow.finish().await.unwrap_err();
    assert_eq!(err.code, ErrorCode::AdminConsentRequired, "{err:?}");
    let link = url::Url::parse(&err.action.expect("a link to copy").url).unwrap();
    assert!(link.path().ends_with("/v2.0/adminconsent"), "{link}");
    let q: HashMap<String, String> = link.query_pairs().into_owned().collect();
    assert_eq!(
        q["client_id"],
        patchbay_core::config::DEFAULT_BUILTIN_CLIENT_ID
    );
}

#[tokio::test]
async fn mfa_registration_required_is_explained() {
    let h = Harness::new().await;
    h.sandbox.control().set_mfa_registration_required(true);
    let mut flow = start(&h.core, h.request(AuthType::BuiltInApp), WAIT);
    let auth_url = flow.auth_url().await;
    sign_in(&h.http, &auth_url, ADELE, true).await;
    let err = flow.finish().await.unwrap_err();
    assert_eq!(err.code, ErrorCode::MfaRequired, "{err:?}");
    assert!(err.detail.unwrap().contains("AADSTS50079"));
}

#[tokio::test]
async fn an_issuer_on_the_redirect_that_is_not_the_providers_is_refused() {
    let h = Harness::new().await;
    let mut flow = start(&h.core, h.request(AuthType::BuiltInApp), WAIT);
    let auth_url = flow.auth_url().await;
    let back = patchbay_sandbox::driver::sign_in(&h.http, &auth_url, ADELE, true)
        .await
        .unwrap();
    // RFC 9207: the state is right, but the response says it comes from another issuer (a mix-up attack).
    let pairs: Vec<(String, String)> = back.query_pairs().into_owned().collect();
    assert!(
        pairs.iter().any(|(k, _)| k == "iss"),
        "the sandbox sends iss: {back}"
    );
    let mut mixed = back.clone();
    mixed
        .query_pairs_mut()
        .clear()
        .extend_pairs(pairs.iter().map(|(k, v)| {
            if k == "iss" {
                (k.as_str(), "https://attacker.example/v2.0")
            } else {
                (k.as_str(), v.as_str())
            }
        }));
    assert_eq!(h.http.get(mixed).send().await.unwrap().status(), 200);
    let err = flow.finish().await.unwrap_err();
    assert_eq!(err.code, ErrorCode::StateMismatch, "{err:?}");
    assert!(err.detail.unwrap().contains("attacker.example"));
    assert!(h.core.list().unwrap().is_empty());
}

#[tokio::test]
async fn a_missing_issuer_is_refused_where_the_provider_promises_one() {
    let h = Harness::new().await;
    let mut flow = start(&h.core, h.request(AuthType::BuiltInApp), WAIT);
    let auth_url = flow.auth_url().await;
    let back = patchbay_sandbox::driver::sign_in(&h.http, &auth_url, ADELE, true)
        .await
        .unwrap();
    let pairs: Vec<(String, String)> = back
        .query_pairs()
        .into_owned()
        .filter(|(k, _)| k != "iss")
        .collect();
    let mut stripped = back.clone();
    stripped.query_pairs_mut().clear().extend_pairs(pairs);
    h.http.get(stripped).send().await.unwrap();
    let err = flow.finish().await.unwrap_err();
    assert_eq!(err.code, ErrorCode::StateMismatch, "{err:?}");
    assert!(err.title.contains("issuer"), "{err:?}");
}

#[tokio::test]
async fn a_forged_callback_is_refused_and_the_real_one_still_completes() {
    let h = Harness::new().await;
    let mut flow = start(&h.core, h.request(AuthType::BuiltInApp), WAIT);
    let auth_url = flow.auth_url().await;
    let back = patchbay_sandbox::driver::sign_in(&h.http, &auth_url, ADELE, true)
        .await
        .unwrap();
    let mut forged = back.clone();
    forged.set_query(Some("code=attacker-code&state=attacker-state"));
    assert_eq!(h.http.get(forged).send().await.unwrap().status(), 400);
    // A deep link with a wrong state is refused too.
    let err = h
        .core
        .deliver_callback("patchbay://oauth/callback?code=x&state=nope")
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::StateMismatch);
    assert_eq!(h.http.get(back).send().await.unwrap().status(), 200);
    assert_eq!(flow.finish().await.unwrap().account.email, ADELE);
}

#[tokio::test]
async fn the_deep_link_callback_completes_a_flow_registered_for_it() {
    let h = Harness::new().await;
    h.sandbox
        .control()
        .register_app(AppRegistration {
            client_id: "aaaaaaaa-0000-0000-0000-000000000002".into(),
            client_secret: None,
            redirect_uris: vec!["patchbay://oauth/callback".into()],
            public: true,
            name: None,
            default_scopes: None,
        })
        .unwrap();
    let mut req = h.request(AuthType::BringYourOwnApp);
    req.client_id = Some("aaaaaaaa-0000-0000-0000-000000000002".into());
    req.redirect_uri = Some("patchbay://oauth/callback".into());
    let mut flow = start(&h.core, req, WAIT);
    let auth_url = flow.auth_url().await;
    let back = patchbay_sandbox::driver::sign_in(&h.http, &auth_url, ADELE, true)
        .await
        .unwrap();
    assert_eq!(back.scheme(), "patchbay");
    h.core.deliver_callback(back.as_str()).unwrap();
    assert_eq!(flow.finish().await.unwrap().account.email, ADELE);
}

#[tokio::test]
async fn no_sign_in_within_the_time_limit_is_a_timeout_and_cancel_stops_at_once() {
    let h = Harness::new().await;
    let mut flow = start(
        &h.core,
        h.request(AuthType::BuiltInApp),
        Duration::from_millis(300),
    );
    flow.auth_url().await;
    let err = flow.finish().await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Timeout);
    assert!(
        err.title.contains("1 minutes") || err.title.contains("minute"),
        "{}",
        err.title
    );

    let mut flow = start(&h.core, h.request(AuthType::BuiltInApp), WAIT);
    flow.auth_url().await;
    flow.cancel.cancel();
    assert_eq!(flow.finish().await.unwrap_err().code, ErrorCode::Cancelled);
}

#[tokio::test]
async fn an_unreachable_authority_says_so() {
    let h = Harness::new().await;
    let mut req = h.request(AuthType::BuiltInApp);
    req.authority = Some("http://127.0.0.1:9/organizations/v2.0".into());
    let flow = start(&h.core, req, WAIT);
    let err = flow.finish().await.unwrap_err();
    assert_eq!(err.code, ErrorCode::NetworkUnreachable, "{err:?}");
    assert!(err.title.contains("127.0.0.1"));
}

#[tokio::test]
async fn discovery_is_fetched_once_per_authority() {
    let h = Harness::new().await;
    for _ in 0..2 {
        let mut flow = start(&h.core, h.request(AuthType::BuiltInApp), WAIT);
        let auth_url = flow.auth_url().await;
        sign_in(&h.http, &auth_url, ADELE, true).await;
        flow.finish().await.unwrap();
    }
    let stats = h.sandbox.control().stats();
    assert_eq!(stats.discovery_requests, 1);
    assert_eq!(stats.token_requests.get("authorization_code"), Some(&2));
    assert_eq!(h.core.list().unwrap().len(), 2);
}

#[tokio::test]
async fn bad_input_is_refused_before_any_browser_opens() {
    let h = Harness::new().await;
    type Edit = Box<dyn Fn(&mut patchbay_core::model::ConnectRequest)>;
    let cases: Vec<(Edit, &str)> = vec![
        (
            Box::new(|r| r.connector_id = "nope".into()),
            "Unknown connector",
        ),
        (
            Box::new(|r| r.auth_type = AuthType::BringYourOwnApp),
            "client ID",
        ),
        (Box::new(|r| r.tenant = Some("bad/tenant".into())), "tenant"),
        (Box::new(|r| r.authority = None), "environment"),
    ];
    for (edit, fragment) in cases {
        let mut req = h.request(AuthType::BuiltInApp);
        edit(&mut req);
        let err = start(&h.core, req, WAIT).finish().await.unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidInput, "{fragment}: {err:?}");
        assert!(err.title.contains(fragment), "{fragment}: {}", err.title);
    }
}

#[tokio::test]
async fn a_second_connection_for_the_same_account_gets_its_own_default_name() {
    let h = Harness::new().await;
    let mut names = vec![];
    for _ in 0..3 {
        let mut flow = start(&h.core, h.request(AuthType::BuiltInApp), WAIT);
        let auth_url = flow.auth_url().await;
        sign_in(&h.http, &auth_url, ADELE, true).await;
        names.push(flow.finish().await.unwrap().name.clone());
    }
    assert_eq!(
        names,
        [
            ADELE.to_string(),
            format!("{ADELE} (2)"),
            format!("{ADELE} (3)")
        ]
    );
    // A name the person chose is kept as it is, even when another connection has it.
    let mut req = h.request(AuthType::BuiltInApp);
    req.name = Some(ADELE.into());
    let mut flow = start(&h.core, req, WAIT);
    let auth_url = flow.auth_url().await;
    sign_in(&h.http, &auth_url, ADELE, true).await;
    assert_eq!(flow.finish().await.unwrap().name, ADELE);
    assert_eq!(h.core.list().unwrap().len(), 4);
}

const SAM: &str = "sam@outlook.example";

/// A forced check: a refresh now, then Graph.
fn refresh_now() -> patchbay_core::health::CheckOptions {
    patchbay_core::health::CheckOptions {
        force_refresh: true,
        max_token_age: None,
    }
}

#[tokio::test]
async fn a_personal_account_signs_in_and_refreshes_through_consumers_without_shared_scopes() {
    let h = Harness::new().await;
    // The wizard's "Personal account" with the built-in app: the consumers authority.
    let mut req = h.request(AuthType::BuiltInApp);
    req.authority = Some(h.sandbox.authority("consumers").to_string());
    req.tenant = Some("consumers".into());
    let mut flow = start(&h.core, req, WAIT);
    let auth_url = flow.auth_url().await;
    assert!(auth_url.path().starts_with("/consumers/"), "{auth_url}");
    let q: HashMap<String, String> = auth_url.query_pairs().into_owned().collect();
    assert!(
        !q["scope"].to_ascii_lowercase().contains(".shared"),
        "no shared-mailbox scope for a personal account: {}",
        q["scope"]
    );
    sign_in(&h.http, &auth_url, SAM, true).await;
    let c = flow.finish().await.unwrap();
    assert_eq!(
        c.account.tid,
        patchbay_core::catalogue::PERSONAL_ACCOUNTS_TENANT_ID
    );
    assert_eq!(c.tenant, "consumers");
    assert!(c
        .scopes_requested
        .iter()
        .all(|s| !s.to_ascii_lowercase().ends_with(".shared")));
    assert!(c.scopes_missing.is_empty(), "{:?}", c.scopes_missing);
    // Its access token is opaque (not a JWT), and every refresh goes through consumers.
    let token = h.core.access_token(&c.id).await.unwrap();
    assert!(!secrecy::ExposeSecret::expose_secret(&token.token).starts_with("eyJ"));
    for _ in 0..2 {
        let outcome = h.core.check_connection(&c.id, refresh_now()).await.unwrap();
        assert_eq!(outcome.status, ConnectionStatus::Healthy, "{outcome:?}");
        assert!(outcome.refreshed);
    }
}

#[tokio::test]
async fn a_personal_account_signed_in_through_common_refreshes_through_consumers() {
    let h = Harness::new().await;
    // Your own app, registered for both kinds of account: signed in through common.
    let mut req = h.request(AuthType::BringYourOwnApp);
    req.authority = Some(h.sandbox.authority("common").to_string());
    req.tenant = Some("common".into());
    req.client_id = Some(DEMO_APP_CLIENT_ID.into());
    req.client_secret = Some(SecretString::from(DEMO_APP_SECRET));
    let mut flow = start(&h.core, req, WAIT);
    let auth_url = flow.auth_url().await;
    assert!(auth_url.path().starts_with("/common/"), "{auth_url}");
    sign_in(&h.http, &auth_url, SAM, true).await;
    let c = flow.finish().await.unwrap();
    // The ID token's tid says personal: the connection keeps consumers for its refreshes. (The sandbox, as
    // reported of Microsoft, refuses a personal account's refresh through common.)
    assert_eq!(c.tenant, "consumers");
    assert!(c.authority.contains("/consumers/"), "{}", c.authority);
    let outcome = h.core.check_connection(&c.id, refresh_now()).await.unwrap();
    assert_eq!(outcome.status, ConnectionStatus::Healthy, "{outcome:?}");
    assert!(outcome.refreshed);

    // Revoked, then fixed: the Fix signs in through consumers and pins the same account (oid and tenant).
    h.sandbox.control().revoke_user(SAM).unwrap();
    let outcome = h.core.check_connection(&c.id, refresh_now()).await.unwrap();
    assert_eq!(outcome.status, ConnectionStatus::NeedsReconnect);
    let (auth_url, fixing) = start_fix(&h.core, &c.id).await;
    assert!(auth_url.path().starts_with("/consumers/"), "{auth_url}");
    sign_in(&h.http, &auth_url, SAM, true).await;
    let fixed = fixing.await.unwrap().unwrap();
    assert_eq!(fixed.account.oid, c.account.oid);
    let outcome = h.core.check_connection(&c.id, refresh_now()).await.unwrap();
    assert_eq!(outcome.status, ConnectionStatus::Healthy, "{outcome:?}");
}

#[tokio::test]
async fn a_graph_that_answers_the_check_with_404_is_never_reported_healthy() {
    let h = Harness::new().await;
    // A custom connection whose Graph URL is not Graph: /me answers 404 there.
    let mut req = h.request(AuthType::BuiltInApp);
    req.graph_url = Some(h.sandbox.base_url().join("not-graph").unwrap().to_string());
    let c = h.connect_as(req, ADELE).await;
    for _ in 0..2 {
        let outcome = h.core.check_connection(&c.id, refresh_now()).await.unwrap();
        assert_eq!(outcome.status, ConnectionStatus::CantCheck, "{outcome:?}");
        let reason = outcome.reason.unwrap();
        assert!(
            reason.starts_with("Microsoft Graph answered HTTP 404 to the connection's check")
                && reason.contains("Graph URL may be wrong"),
            "{reason}"
        );
    }
    // A token obtained since vouches for the sign-in, not for Graph: it still says so.
    h.core.access_token(&c.id).await.unwrap();
    assert_eq!(
        h.core.list().unwrap()[0].status,
        ConnectionStatus::CantCheck
    );
}
