//! Keeping connections alive, against the sandbox over real HTTP: revocation, an expired secret, throttling,
//! concurrent refreshes, a restart, the daily refresh, Fix pinned to the same account, and the monitor's events.

mod common;

use common::*;
use patchbay_core::catalogue::AuthType;
use patchbay_core::environment::EnvironmentId;
use patchbay_core::error::ErrorCode;
use patchbay_core::events::CoreEvent;
use patchbay_core::health::{CheckOptions, MonitorConfig};
use patchbay_core::model::ConnectionStatus;
use patchbay_core::{CoreConfig, Patchbay};
use patchbay_sandbox::{AppRegistration, Garble, DEMO_APP_CLIENT_ID, DEMO_APP_SECRET};
use secrecy::{ExposeSecret, SecretString};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast;

const MEGAN: &str = "megan@contoso.example";

fn forced() -> CheckOptions {
    CheckOptions {
        force_refresh: true,
        max_token_age: None,
    }
}

/// Graph's answer to `GET /me` with this token.
async fn me_status(h: &Harness, token: &SecretString) -> u16 {
    h.http
        .get(format!("{}/v1.0/me", h.sandbox.graph_url()))
        .bearer_auth(token.expose_secret())
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// The next status change of `id`, skipping "checking".
async fn next_status(
    events: &mut broadcast::Receiver<CoreEvent>,
    id: &str,
) -> (ConnectionStatus, Option<String>) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let event = tokio::time::timeout_at(deadline, events.recv())
            .await
            .expect("a status change arrives")
            .expect("the event bus is open");
        if let CoreEvent::StatusChanged { connection, .. } = event {
            if connection.id == id && connection.status != ConnectionStatus::Checking {
                return (connection.status, connection.status_reason.clone());
            }
        }
    }
}

#[tokio::test]
async fn a_revoked_sign_in_is_needs_reconnect_with_its_reason_within_one_sweep() {
    let h = Harness::new().await;
    let c = h.connect_as(h.request(AuthType::BuiltInApp), ADELE).await;
    let mut events = h.core.subscribe();
    h.core.start_background(MonitorConfig {
        interval: Duration::from_millis(500),
        at_start: false,
        ..MonitorConfig::default()
    });
    // Each sweep refreshes (a token older than the interval): a revocation is found by the next one.
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert!(h.sandbox.control().revoke_user(ADELE).unwrap() >= 1);
    let (status, reason) = next_status(&mut events, &c.id).await;
    assert_eq!(status, ConnectionStatus::NeedsReconnect);
    let reason = reason.unwrap();
    assert!(reason.contains("password was changed"), "{reason}");
    assert!(
        !reason.contains("invalid_grant"),
        "no raw protocol words: {reason}"
    );
    let listed = h.core.get(&c.id).unwrap();
    let error = listed.last_error.clone().unwrap();
    assert!(error.summary.contains("AADSTS50173"), "{error:?}");
    assert!(
        error.trace_id.is_some() && error.correlation_id.is_some(),
        "{error:?}"
    );
    // Another sweep finds it still broken: no second event for it.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    while let Ok(event) = events.try_recv() {
        if let CoreEvent::StatusChanged {
            connection,
            previous,
        } = event
        {
            assert!(
                connection.id != c.id
                    || previous == ConnectionStatus::Checking
                    || connection.status == ConnectionStatus::Checking,
                "a second change for an unchanged status: {previous:?} → {:?}",
                connection.status
            );
        }
    }
    assert!(
        h.core.shutdown(Duration::from_secs(5)).await,
        "every task ends in time"
    );
}

#[tokio::test]
async fn an_expired_secret_is_app_credentials_invalid_until_the_secret_is_updated() {
    let h = Harness::new().await;
    let mut req = h.request(AuthType::BringYourOwnApp);
    req.client_id = Some(DEMO_APP_CLIENT_ID.into());
    req.client_secret = Some(SecretString::from(DEMO_APP_SECRET));
    req.client_secret_expires_on = Some("2031-01-31".into());
    let c = h.connect_as(req, MEGAN).await;
    assert!(c.has_client_secret);
    assert_eq!(c.client_secret_expires_on.as_deref(), Some("2031-01-31"));

    h.sandbox
        .control()
        .expire_secret(DEMO_APP_CLIENT_ID)
        .unwrap();
    let outcome = h.core.check_connection(&c.id, forced()).await.unwrap();
    assert_eq!(outcome.status, ConnectionStatus::AppCredentialsInvalid);
    assert!(outcome.reason.unwrap().contains("Update client secret"));

    // A wrong new secret is refused and the old one kept.
    let err = h
        .core
        .update_client_secret(&c.id, SecretString::from("not-the-secret"), None)
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidClientSecret);
    assert!(err.title.contains("old one is kept"), "{err:?}");

    // The admin creates a new secret; Patchbay takes it without a new sign-in.
    let new_secret = "sbx~rotated-secret-value-2027";
    h.sandbox
        .control()
        .register_app(AppRegistration {
            client_id: DEMO_APP_CLIENT_ID.into(),
            client_secret: Some(new_secret.into()),
            redirect_uris: vec![
                "http://localhost".into(),
                "http://localhost/callback".into(),
            ],
            public: false,
            name: Some("Patchbay demo (web)".into()),
            default_scopes: None,
        })
        .unwrap();
    let fixed = h
        .core
        .update_client_secret(
            &c.id,
            SecretString::from(new_secret),
            Some("2027-12-31".into()),
        )
        .await
        .unwrap();
    assert_eq!(fixed.status, ConnectionStatus::Healthy);
    assert_eq!(
        fixed.client_secret_expires_on.as_deref(),
        Some("2027-12-31")
    );
    assert_eq!(fixed.account.email, MEGAN, "the same sign-in, no new one");
    let outcome = h.core.check_connection(&c.id, forced()).await.unwrap();
    assert_eq!(outcome.status, ConnectionStatus::Healthy);
}

#[tokio::test]
async fn throttling_and_outages_are_unreachable_then_healthy_never_broken() {
    let h = Harness::with_quick_retries().await;
    let c = h.connect_as(h.request(AuthType::BuiltInApp), ADELE).await;
    for status in [429, 503] {
        // Two failures: both attempts of one check fail, with Retry-After honoured between them.
        h.sandbox.control().fail_next(status, 2, Some(1)).unwrap();
        let started = std::time::Instant::now();
        let outcome = h.core.check_connection(&c.id, forced()).await.unwrap();
        assert!(
            started.elapsed() >= Duration::from_secs(1),
            "Retry-After was honoured"
        );
        assert_eq!(outcome.status, ConnectionStatus::Unreachable, "{status}");
        let listed = h.core.get(&c.id).unwrap();
        assert!(listed.unreachable_since.is_some());
        assert!(listed
            .status_reason
            .unwrap()
            .contains("could not be reached"));
        let outcome = h.core.check_connection(&c.id, forced()).await.unwrap();
        assert_eq!(outcome.status, ConnectionStatus::Healthy, "{status}");
        assert!(h.core.get(&c.id).unwrap().unreachable_since.is_none());
    }
    // Offline (nothing listening) is unreachable too.
    let mut req = h.request(AuthType::BuiltInApp);
    req.name = Some("second".into());
    let c2 = h.connect_as(req, ADELE).await;
    let sandbox = h.sandbox;
    sandbox.shutdown().await;
    let outcome = h.core.check_connection(&c2.id, forced()).await.unwrap();
    assert_eq!(outcome.status, ConnectionStatus::Unreachable);
}

#[tokio::test]
async fn concurrent_callers_in_one_process_share_one_refresh() {
    let h = Harness::new().await;
    h.sandbox
        .control()
        .set_access_token_lifetime(Duration::from_secs(2));
    let c = h.connect_as(h.request(AuthType::BuiltInApp), ADELE).await;
    // A two-second token must keep half its life (expiry is counted in whole seconds): two seconds on, every
    // caller needs a new one.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let before = h
        .sandbox
        .control()
        .stats()
        .token_requests
        .get("refresh_token")
        .copied()
        .unwrap_or(0);
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let core = h.core.clone();
        let id = c.id.clone();
        tasks.push(tokio::spawn(async move { core.access_token(&id).await }));
    }
    let mut tokens = Vec::new();
    for t in tasks {
        tokens.push(t.await.unwrap().unwrap());
    }
    let after = h.sandbox.control().stats().token_requests["refresh_token"];
    assert_eq!(
        after - before,
        1,
        "exactly one refresh request for 20 callers"
    );
    assert_eq!(tokens.iter().filter(|t| t.refreshed).count(), 1);
    for t in &tokens {
        assert_eq!(
            me_status(&h, &t.token).await,
            200,
            "every caller got a working token"
        );
        assert_eq!(t.token.expose_secret(), tokens[0].token.expose_secret());
    }
}

#[tokio::test]
async fn the_rotated_refresh_token_is_stored_and_the_old_one_is_never_used_again() {
    let h = Harness::new().await;
    let c = h.connect_as(h.request(AuthType::BuiltInApp), ADELE).await;
    // The sandbox rotates refresh tokens and accepts each once: three refreshes in a row work only if each
    // new one was saved before the next.
    for _ in 0..3 {
        let outcome = h.core.check_connection(&c.id, forced()).await.unwrap();
        assert_eq!(outcome.status, ConnectionStatus::Healthy);
        assert!(outcome.refreshed);
    }
    assert_eq!(
        h.sandbox.control().stats().token_requests["refresh_token"],
        3
    );
}

#[tokio::test]
async fn a_refresh_answered_with_a_200_not_taken_keeps_its_new_refresh_token_and_never_resends_the_old(
) {
    let h = Harness::with_quick_retries().await;
    let c = h.connect_as(h.request(AuthType::BuiltInApp), ADELE).await;
    let refreshes = || {
        h.sandbox
            .control()
            .stats()
            .token_requests
            .get("refresh_token")
            .copied()
            .unwrap_or(0)
    };
    // The sandbox redeems the refresh token, issues a new one and answers with a 200 Patchbay must refuse; it
    // refuses a redeemed token sent again, as a provider with reuse detection would.
    for garble in [Garble::ZeroLifetime, Garble::Unreadable] {
        let before = refreshes();
        h.sandbox.control().garble_next_refresh(garble);
        let outcome = h.core.check_connection(&c.id, forced()).await.unwrap();
        assert_eq!(outcome.status, ConnectionStatus::Unreachable, "{garble:?}");
        assert_eq!(
            refreshes() - before,
            1,
            "{garble:?}: the spent refresh token was not sent again"
        );
        let outcome = h.core.check_connection(&c.id, forced()).await.unwrap();
        assert_eq!(
            outcome.status,
            ConnectionStatus::Healthy,
            "{garble:?}: the new refresh token from the answer not taken was kept"
        );
    }
}

#[tokio::test]
async fn a_renewal_whose_answer_is_lost_asks_for_a_new_sign_in_and_never_resends_the_spent_token() {
    let h = Harness::with_quick_retries().await;
    let c = h.connect_as(h.request(AuthType::BuiltInApp), ADELE).await;
    let refreshes = || {
        h.sandbox
            .control()
            .stats()
            .token_requests
            .get("refresh_token")
            .copied()
            .unwrap_or(0)
    };
    let before = refreshes();
    // The sandbox redeems the refresh token and issues a new one, in a 200 cut short: the new one is lost.
    h.sandbox.control().garble_next_refresh(Garble::Truncated);
    for _ in 0..3 {
        let outcome = h.core.check_connection(&c.id, forced()).await.unwrap();
        assert_eq!(
            outcome.status,
            ConnectionStatus::NeedsReconnect,
            "{outcome:?}"
        );
        let reason = outcome.reason.unwrap();
        assert!(
            reason.contains("answer was lost") && reason.contains("signing in again"),
            "{reason}"
        );
        // A token asked for directly (a command, an assistant) sends nothing either.
        assert!(h.core.access_token(&c.id).await.is_err());
    }
    assert_eq!(
        refreshes() - before,
        1,
        "the refresh token that may be spent was never sent again"
    );
    // The grant was never taken for stolen: signing in again as the same account mends it.
    let (auth_url, fixing) = start_fix(&h.core, &c.id).await;
    sign_in(&h.http, &auth_url, ADELE, true).await;
    fixing.await.unwrap().unwrap();
    let outcome = h.core.check_connection(&c.id, forced()).await.unwrap();
    assert_eq!(outcome.status, ConnectionStatus::Healthy, "{outcome:?}");
}

#[tokio::test]
async fn a_fix_as_another_account_is_refused_and_the_same_account_fixes_it() {
    let h = Harness::new().await;
    let c = h.connect_as(h.request(AuthType::BuiltInApp), ADELE).await;
    h.sandbox.control().revoke_user(ADELE).unwrap();
    assert_eq!(
        h.core
            .check_connection(&c.id, forced())
            .await
            .unwrap()
            .status,
        ConnectionStatus::NeedsReconnect
    );

    let fix = |user: &'static str| {
        let core = h.core.clone();
        let http = h.http.clone();
        let id = c.id.clone();
        async move {
            let (auth_url, run) = start_fix(&core, &id).await;
            let hint = auth_url
                .query_pairs()
                .find(|(k, _)| k == "login_hint")
                .map(|(_, v)| v.into_owned());
            assert_eq!(
                hint.as_deref(),
                Some(ADELE),
                "the fix names the connection's account"
            );
            sign_in(&http, &auth_url, user, true).await;
            run.await.unwrap()
        }
    };

    let err = fix(MEGAN).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::AccountMismatch);
    assert!(
        err.title.contains(MEGAN) && err.title.contains(ADELE),
        "{err:?}"
    );
    let unchanged = h.core.get(&c.id).unwrap();
    assert_eq!(unchanged.account.email, ADELE);
    assert_eq!(unchanged.status, ConnectionStatus::NeedsReconnect);

    let fixed = fix(ADELE).await.unwrap();
    assert_eq!(fixed.id, c.id, "the same connection, fixed in place");
    assert_eq!(fixed.status, ConnectionStatus::Healthy);
    assert_eq!(h.core.list().unwrap().len(), 1);
    let token = h.core.access_token(&c.id).await.unwrap();
    assert_eq!(me_status(&h, &token.token).await, 200);
}

#[tokio::test]
async fn a_sandbox_connection_still_refreshes_after_a_restart() {
    let data = tempfile::tempdir().unwrap();
    let keys = SharedKeys::default();
    let first = Arc::new(Patchbay::with_key_store(
        CoreConfig::with_data_dir(data.path().to_path_buf()),
        Box::new(keys.clone()),
    ));
    let req = patchbay_core::model::ConnectRequest {
        connector_id: "outlook365".into(),
        environment: EnvironmentId::Sandbox,
        authority: None,
        graph_url: None,
        auth_type: AuthType::BuiltInApp,
        client_id: None,
        client_secret: None,
        client_secret_expires_on: None,
        tenant: None,
        features: None,
        scopes: None,
        redirect_uri: None,
        name: None,
    };
    let mut flow = start(&first, req, Duration::from_secs(30));
    let auth_url = flow.auth_url().await;
    let first_port = auth_url.port();
    sign_in(&browser(), &auth_url, ADELE, true).await;
    let c = flow.finish().await.unwrap();
    assert!(first.shutdown(Duration::from_secs(5)).await);

    // A new process: same data folder and keychain, a sandbox on another port, the same tenant.
    let second = Patchbay::with_key_store(
        CoreConfig::with_data_dir(data.path().to_path_buf()),
        Box::new(keys),
    );
    let outcome = second.check_connection(&c.id, forced()).await.unwrap();
    assert_eq!(
        outcome.status,
        ConnectionStatus::Healthy,
        "{:?}",
        outcome.reason
    );
    assert!(outcome.refreshed);
    let port = second.sandbox().describe().await.unwrap().base_url.port();
    assert_ne!(port, first_port, "the sandbox really restarted");
    let tenant = std::fs::read_to_string(data.path().join("sandbox-tenant.json")).unwrap();
    let token = second.access_token(&c.id).await.unwrap();
    assert!(
        !tenant.contains(token.token.expose_secret()),
        "the tenant file keeps digests, not tokens"
    );
    second.shutdown(Duration::from_secs(5)).await;
}

#[tokio::test]
async fn another_process_changes_reach_the_running_app_within_two_seconds() {
    let sandbox = patchbay_sandbox::Sandbox::start(Default::default())
        .await
        .unwrap();
    let data = tempfile::tempdir().unwrap();
    let keys = SharedKeys::default();
    let core = |keys: &SharedKeys| {
        Arc::new(Patchbay::with_key_store(
            CoreConfig::with_data_dir(data.path().to_path_buf()),
            Box::new(keys.clone()),
        ))
    };
    let app = core(&keys);
    // "The CLI": another core over the same folder and keychain, as another process would be.
    let cli = core(&keys);
    let h = Harness {
        sandbox,
        core: cli.clone(),
        data: tempfile::tempdir().unwrap(),
        http: browser(),
    };
    let c = h.connect_as(h.request(AuthType::BuiltInApp), ADELE).await;
    let mut events = app.subscribe();
    app.start_background(MonitorConfig {
        at_start: false,
        ..MonitorConfig::default()
    });

    let started = std::time::Instant::now();
    cli.rename(&c.id, "Renamed by the CLI").unwrap();
    let event = tokio::time::timeout(Duration::from_secs(2), events.recv())
        .await
        .expect("the change arrives within 2 s")
        .unwrap();
    assert_eq!(event, CoreEvent::ConnectionsChanged);
    eprintln!("rename seen after {:?}", started.elapsed());
    assert_eq!(app.get(&c.id).unwrap().name, "Renamed by the CLI");

    // A status the CLI found (a revoked sign-in) reaches the app as a status change.
    h.sandbox.control().revoke_user(ADELE).unwrap();
    let started = std::time::Instant::now();
    let outcome = cli.check_connection(&c.id, forced()).await.unwrap();
    assert_eq!(outcome.status, ConnectionStatus::NeedsReconnect);
    let (status, _) = tokio::time::timeout(Duration::from_secs(2), next_status(&mut events, &c.id))
        .await
        .expect("the status arrives within 2 s");
    assert_eq!(status, ConnectionStatus::NeedsReconnect);
    eprintln!("status seen after {:?}", started.elapsed());
    assert!(app.shutdown(Duration::from_secs(5)).await);
}

#[tokio::test]
async fn secrets_that_cannot_be_opened_read_as_cant_check_never_as_the_last_status() {
    let sandbox = patchbay_sandbox::Sandbox::start(Default::default())
        .await
        .unwrap();
    let data = tempfile::tempdir().unwrap();
    let keys = SharedKeys::default();
    let core = |keys: &SharedKeys| {
        Arc::new(Patchbay::with_key_store(
            CoreConfig::with_data_dir(data.path().to_path_buf()),
            Box::new(keys.clone()),
        ))
    };
    let app = core(&keys);
    let h = Harness {
        sandbox,
        core: app.clone(),
        data: tempfile::tempdir().unwrap(),
        http: browser(),
    };
    let c = h.connect_as(h.request(AuthType::BuiltInApp), ADELE).await;
    assert_eq!(app.get(&c.id).unwrap().status, ConnectionStatus::Healthy);

    // The keychain is reset: a process that starts now (the CLI) cannot open the connection's secrets.
    keys.0.clear();
    let cli = core(&keys);
    let outcome = cli.check_connection(&c.id, forced()).await.unwrap();
    assert_eq!(outcome.status, ConnectionStatus::CantCheck, "{outcome:?}");
    let reason = outcome.reason.unwrap();
    assert!(reason.contains("vault key is missing"), "{reason}");
    // Every process sees it (the running app too), with no Fix that would not help.
    let seen = app.get(&c.id).unwrap();
    assert_eq!(seen.status, ConnectionStatus::CantCheck);
    assert!(seen.facts.broken && seen.facts.needs_attention);
    assert_eq!(seen.facts.fix, None);
    let e = cli.access_token(&c.id).await.unwrap_err();
    assert!(e.to_error_info().title.contains("vault key"), "{e:?}");

    // The CLI makes a new vault key (patchbay reset-vault). The running app still holds the old key: its
    // Fix must seal under the new one, or the CLI reads the result as damaged and it is lost.
    cli.reset_vault().unwrap();
    let (auth_url, fixing) = start_fix(&app, &c.id).await;
    sign_in(&h.http, &auth_url, ADELE, true).await;
    fixing.await.unwrap().expect("the fix succeeds");
    let outcome = cli.check_connection(&c.id, forced()).await.unwrap();
    assert_eq!(outcome.status, ConnectionStatus::Healthy, "{outcome:?}");
    let restarted = core(&keys);
    let outcome = restarted.check_connection(&c.id, forced()).await.unwrap();
    assert_eq!(outcome.status, ConnectionStatus::Healthy, "{outcome:?}");
}
