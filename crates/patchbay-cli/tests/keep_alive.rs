//! `patchbay check`, `patchbay token` and `patchbay fix`, as separate processes sharing one data folder and
//! keychain entry — the way scripts and the app use them at once: one refresh for fifty processes, a process
//! killed mid-refresh, a sandbox tenant that survives the process that served it, Fix pinned to its account.

mod common;

use common::*;
use patchbay_sandbox::{Sandbox, SandboxOptions};
use serde_json::Value;
use std::time::Duration;

const MEGAN: &str = "megan@contoso.example";

fn refreshes(sandbox: &Sandbox) -> u64 {
    sandbox
        .control()
        .stats()
        .token_requests
        .get("refresh_token")
        .copied()
        .unwrap_or(0)
}

async fn me_status(sandbox: &Sandbox, token: &str) -> u16 {
    reqwest::Client::new()
        .get(format!("{}/v1.0/me", sandbox.graph_url()))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn fifty_token_processes_on_an_expiring_token_cause_one_refresh() {
    let home = Home::new();
    let sandbox = own_sandbox().await;
    // The first token lives two seconds (expiry counted in whole seconds: two seconds on, it must be renewed);
    // the renewed one an hour.
    sandbox
        .control()
        .set_access_token_lifetime(Duration::from_secs(2));
    let id = connect_to(&home, &sandbox, ADELE).await;
    sandbox
        .control()
        .set_access_token_lifetime(Duration::from_secs(3600));
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(refreshes(&sandbox), 0);

    // Fifty processes at once (all started before any is awaited).
    let children: Vec<_> = (0..50)
        .map(|_| home.command(&["token", &id]).spawn().unwrap())
        .collect();
    let mut outputs = Vec::new();
    for child in children {
        outputs.push(
            tokio::time::timeout(LIMIT, child.wait_with_output())
                .await
                .expect("patchbay token ends")
                .unwrap(),
        );
    }
    let mut tokens = std::collections::HashSet::new();
    for out in &outputs {
        assert!(out.status.success(), "{}", text(&out.stderr));
        let stdout = text(&out.stdout);
        assert_eq!(
            stdout.lines().count(),
            1,
            "the token alone on stdout: {stdout:?}"
        );
        assert!(
            out.stderr.is_empty(),
            "nothing on stderr: {}",
            text(&out.stderr)
        );
        tokens.insert(stdout.trim().to_string());
    }
    assert_eq!(
        refreshes(&sandbox),
        1,
        "one refresh at the server for 50 processes"
    );
    assert_eq!(tokens.len(), 1, "all 50 got the token of that one refresh");
    let token = tokens.into_iter().next().unwrap();
    assert_eq!(me_status(&sandbox, &token).await, 200, "and it works");
}

#[tokio::test]
async fn check_reports_json_and_exits_1_when_a_connection_is_broken() {
    let home = Home::new();
    let sandbox = own_sandbox().await;
    let id = connect_to(&home, &sandbox, ADELE).await;

    let out = home.run(&["check", &id, "--json"]).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let rows: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["id"], id.as_str());
    assert_eq!(rows[0]["status"], "healthy");
    assert!(rows[0]["reason"].is_null());
    assert!(rows[0]["checked_at"].as_str().unwrap().starts_with("20"));

    sandbox.control().revoke_user(ADELE).unwrap();
    let out = home.run(&["check", "--all", "--refresh", "--json"]).await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let rows: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows[0]["status"], "needs_reconnect");
    assert!(rows[0]["reason"]
        .as_str()
        .unwrap()
        .contains("signing in again"));
    assert!(error_line(&text(&out.stderr)).contains("not healthy"));

    // `token` fails the same way: nothing on stdout, the reason in words on stderr.
    let out = home.run(&["token", &id]).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let line = error_line(&text(&out.stderr));
    assert!(line.contains("sign in again"), "{line}");
    assert!(!line.contains("invalid_grant"), "{line}");

    // The app (and `list`) see it too: the status is kept with the connection.
    let listed = home.list().await;
    assert_eq!(listed[0]["status"], "needs_reconnect");
}

/// Kill `patchbay` between receiving a rotated refresh token and storing it, then use the connection again.
async fn crash_mid_refresh(grace: Duration) -> (Home, Sandbox, String) {
    let home = Home::new();
    let sandbox = own_sandbox().await;
    sandbox.control().set_refresh_token_grace(grace);
    let id = connect_to(&home, &sandbox, ADELE).await;
    let crashed = tokio::time::timeout(
        LIMIT,
        home.command(&["check", &id, "--refresh"])
            .env("PATCHBAY_FAULT", "refresh-received")
            .output(),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(
        crashed.status.code(),
        None,
        "killed by the fault: {}",
        text(&crashed.stderr)
    );
    assert!(text(&crashed.stderr).contains("aborting at refresh-received"));
    assert_eq!(refreshes(&sandbox), 1, "the provider did rotate the token");
    (home, sandbox, id)
}

#[tokio::test]
async fn a_process_killed_mid_refresh_leaves_a_working_connection_where_the_old_token_still_works()
{
    // Microsoft does not invalidate a refresh token when it issues the next one.
    let (home, sandbox, id) = crash_mid_refresh(Duration::from_secs(3600)).await;
    let out = home.run(&["check", &id, "--refresh", "--json"]).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = home.run(&["token", &id]).await;
    assert!(out.status.success());
    assert_eq!(me_status(&sandbox, text(&out.stdout).trim()).await, 200);
}

#[tokio::test]
async fn a_process_killed_mid_refresh_under_strict_rotation_leaves_the_connection_flagged_never_lost(
) {
    // A provider that accepts each refresh token once: the old one is dead, and Patchbay says so.
    let (home, _sandbox, id) = crash_mid_refresh(Duration::ZERO).await;
    let out = home.run(&["check", &id, "--refresh", "--json"]).await;
    assert_eq!(out.status.code(), Some(1));
    let rows: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows[0]["status"], "needs_reconnect");
    let listed = home.list().await;
    assert_eq!(listed.len(), 1, "the connection is still there to be fixed");
    assert_eq!(listed[0]["id"], id.as_str());
    assert_eq!(listed[0]["status"], "needs_reconnect");
}

#[tokio::test]
async fn a_sandbox_connection_refreshes_in_a_later_process_and_fix_keeps_its_account() {
    let home = Home::new();
    let connecting = home.start_connect(&["--json"], None).await;
    connecting.sign_in(ADELE, true).await;
    let done = connecting.finish().await;
    assert_eq!(done.code, Some(0), "{}", done.stderr);
    let id = serde_json::from_str::<Value>(&done.stdout).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();

    // A later process starts its own sandbox over the same tenant file: the refresh still works.
    let out = home.run(&["check", &id, "--refresh", "--json"]).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let rows: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows[0]["status"], "healthy");
    assert_eq!(rows[0]["refreshed"], true);

    // An administrator revokes the account (through the same tenant file), and it shows.
    let admin = Sandbox::start(SandboxOptions {
        tenant_file: Some(home.data.path().join("sandbox-tenant.json")),
        ..SandboxOptions::default()
    })
    .await
    .unwrap();
    assert!(admin.control().revoke_user(ADELE).unwrap() >= 1);
    let out = home.run(&["check", &id, "--refresh"]).await;
    assert_eq!(out.status.code(), Some(1));

    // Fix signing in as someone else is refused; nothing changes.
    let fixing = home
        .start_sign_in(&["fix", &id, "--no-browser"], None, false, &[])
        .await;
    let hint = fixing
        .auth_url
        .query_pairs()
        .find(|(k, _)| k == "login_hint")
        .map(|(_, v)| v.into_owned());
    assert_eq!(hint.as_deref(), Some(ADELE));
    fixing.sign_in(MEGAN, true).await;
    let done = fixing.finish().await;
    assert_eq!(done.code, Some(1));
    assert!(error_line(&done.stderr).contains("You signed in as megan@contoso.example"));
    assert_eq!(home.list().await[0]["account"]["email"], ADELE);

    // As the same account, it is fixed in place.
    let fixing = home
        .start_sign_in(&["fix", &id, "--no-browser", "--json"], None, false, &[])
        .await;
    fixing.sign_in(ADELE, true).await;
    let done = fixing.finish().await;
    assert_eq!(done.code, Some(0), "{}", done.stderr);
    let fixed: Value = serde_json::from_str(&done.stdout).unwrap();
    assert_eq!(fixed["id"], id.as_str());
    assert_eq!(fixed["status"], "healthy");
    let out = home.run(&["check", &id, "--refresh"]).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
}

#[tokio::test]
async fn a_connection_whose_secrets_cannot_be_opened_is_cant_check_never_healthy() {
    let home = Home::new();
    let sandbox = own_sandbox().await;
    let id = connect_to(&home, &sandbox, ADELE).await;

    // The keychain no longer holds the vault key (here: Patchbay is pointed at an entry that holds none, as
    // after a keychain reset), over the real Secret Service.
    let reset = Home {
        data: tempfile::tempdir().unwrap(),
        keychain_service: format!("{}.reset", home.keychain_service),
    };
    let run = |args: &'static [&'static str]| {
        let mut cmd = reset.command(args);
        cmd.env("PATCHBAY_DATA_DIR", home.data.path());
        async move {
            tokio::time::timeout(Duration::from_secs(60), cmd.output())
                .await
                .unwrap()
                .unwrap()
        }
    };
    let out = run(&["check", "--all", "--json"]).await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let rows: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows[0]["status"], "cant_check", "{rows:?}");
    let reason = rows[0]["reason"].as_str().unwrap();
    assert!(reason.contains("vault key is missing"), "{reason}");
    let out = run(&["list", "--json"]).await;
    let listed: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(listed[0]["status"], "cant_check");
    assert_eq!(listed[0]["broken"], true);

    // The keychain back: the next check finds it healthy again.
    let out = home.run(&["check", &id, "--json"]).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let rows: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows[0]["status"], "healthy");

    // A status file gone is no record of a check: not healthy either, until a check writes one.
    std::fs::remove_file(home.data.path().join("status").join(format!("{id}.json"))).unwrap();
    let listed = home.list().await;
    assert_eq!(listed[0]["status"], "cant_check");
    assert!(listed[0]["status_reason"]
        .as_str()
        .unwrap()
        .contains("no record"));
    let out = home.run(&["check", &id, "--json"]).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(home.list().await[0]["status"], "healthy");
}
