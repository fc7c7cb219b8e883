//! The real `patchbay` binary, run as a person or a script would: each test has its own data directory and its
//! own keychain entry. Sign-ins run against the sandbox the CLI starts in-process (`--environment sandbox`); the
//! test learns its URL from the authorization URL the CLI prints, and walks its pages over HTTP.

mod common;

use common::*;
use patchbay_sandbox::{DEMO_APP_CLIENT_ID, DEMO_APP_SECRET};
use serde_json::Value;
use tokio::io::AsyncWriteExt;

#[tokio::test]
async fn help_and_version() {
    let home = Home::new();
    let out = home.run(&["--version"]).await;
    assert!(out.status.success());
    // The commit the build stamped, as the app's About line shows it.
    let version = format!(
        "patchbay {} (commit {})",
        env!("CARGO_PKG_VERSION"),
        env!("PATCHBAY_COMMIT")
    );
    assert_eq!(text(&out.stdout).trim(), version);
    assert_ne!(env!("PATCHBAY_COMMIT"), "", "the build names a commit");
    let out = home.run(&["list", "--version"]).await;
    assert_eq!(
        text(&out.stdout).trim(),
        version.replacen("patchbay", "patchbay-list", 1),
        "subcommands name the same build"
    );
    let out = home.run(&["--help"]).await;
    assert!(out.status.success());
    for command in ["connectors", "connect", "list", "remove", "rename"] {
        assert!(text(&out.stdout).contains(command), "{command}");
    }
    let out = home.run(&["connect", "--help"]).await;
    for flag in [
        "--no-browser",
        "--client-secret-stdin",
        "--environment",
        "--timeout",
        "usgov-dod",
    ] {
        assert!(text(&out.stdout).contains(flag), "{flag}");
    }
    // Completion scripts, as the packages install them.
    let out = home.run(&["completions", "bash"]).await;
    assert!(out.status.success());
    assert!(
        text(&out.stdout).contains("complete -F _patchbay"),
        "{}",
        text(&out.stdout)
    );
    let out = home.run(&["completions", "zsh"]).await;
    assert!(text(&out.stdout).starts_with("#compdef patchbay"));
    let out = home.run(&["completions", "fish"]).await;
    assert!(text(&out.stdout).contains("complete -c patchbay"));
    assert!(
        std::fs::read_dir(home.data.path())
            .unwrap()
            .next()
            .is_none(),
        "printing completions touched the data folder"
    );
    let out = home.run(&["frobnicate"]).await;
    assert_eq!(out.status.code(), Some(2), "usage errors exit 2");
}

#[tokio::test]
async fn connectors_as_a_table_and_as_json() {
    let home = Home::new();
    let out = home.run(&["connectors"]).await;
    assert!(out.status.success());
    let table = text(&out.stdout);
    let outlook = table
        .lines()
        .find(|l| l.starts_with("outlook365 "))
        .expect("an outlook365 row");
    assert!(
        outlook.contains("available") && outlook.trim_end().ends_with("16"),
        "{outlook}"
    );
    assert!(
        table
            .lines()
            .any(|l| l.starts_with("teams ") && l.contains("available")),
        "{table}"
    );

    let out = home.run(&["connectors", "--json"]).await;
    assert!(out.status.success());
    let connectors: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let by_id = |id: &str| connectors.iter().find(|c| c["id"] == id).unwrap().clone();
    assert_eq!(by_id("outlook365")["status"], "available");
    assert_eq!(
        by_id("outlook365")["default_scopes"]
            .as_array()
            .unwrap()
            .len(),
        16
    );
    assert_eq!(by_id("teams")["status"], "available");
}

#[tokio::test]
async fn sign_in_with_the_built_in_app_then_list_rename_and_remove() {
    let home = Home::new();
    let out = home.run(&["list"]).await;
    assert_eq!(
        text(&out.stdout).trim(),
        "No connections yet. Add one with `patchbay connect --connector outlook365`."
    );
    assert!(home.list().await.is_empty());

    let connecting = home.start_connect(&["--json"], None).await;
    let q: std::collections::HashMap<String, String> =
        connecting.auth_url.query_pairs().into_owned().collect();
    assert_eq!(q["scope"].split(' ').count(), 16);
    connecting.sign_in(ADELE, true).await;
    let done = connecting.finish().await;
    assert_eq!(done.code, Some(0), "{}", done.stderr);
    assert!(
        done.stderr
            .contains("A local sandbox is running at http://127.0.0.1:"),
        "{}",
        done.stderr
    );
    assert!(
        done.stderr.contains(ADELE),
        "the demo users are listed: {}",
        done.stderr
    );
    assert!(
        done.stderr.contains("Exchanging the code…"),
        "{}",
        done.stderr
    );
    let summary: Value =
        serde_json::from_str(&done.stdout).unwrap_or_else(|e| panic!("{e}: {}", done.stdout));
    assert_eq!(summary["account"]["email"], ADELE);
    assert!(!summary["account"]["oid"].as_str().unwrap().is_empty());
    assert_eq!(summary["status"], "healthy");
    assert_eq!(summary["environment"], "sandbox");
    assert_eq!(summary["scopes_requested"].as_array().unwrap().len(), 16);
    assert_eq!(summary["scopes_granted"].as_array().unwrap().len(), 16);
    let id = summary["id"].as_str().unwrap().to_string();

    assert_eq!(home.list().await, vec![summary.clone()]);
    let table = text(&home.run(&["list"]).await.stdout);
    let row = table
        .lines()
        .find(|l| l.starts_with(&id))
        .unwrap_or_else(|| panic!("{table}"));
    assert!(
        row.contains(ADELE) && row.contains("sandbox") && row.contains("healthy"),
        "{row}"
    );

    let out = home.run(&["rename", &id, "Work mail"]).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(home.list().await[0]["name"], "Work mail");

    let out = home.run(&["remove", &id]).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout).trim(),
        format!("Removed connection Work mail ({id}).")
    );
    assert!(home.list().await.is_empty());
    let out = home.run(&["list"]).await;
    assert!(text(&out.stdout).starts_with("No connections yet."));
}

#[tokio::test]
async fn bring_your_own_app_reads_its_secret_from_stdin_and_never_shows_it() {
    let home = Home::new();
    // Every log line on, from every crate: still no secret or token may show.
    let connecting = home
        .start_connect_with(
            &[
                "--client-id",
                DEMO_APP_CLIENT_ID,
                "--client-secret-stdin",
                "--features",
                "read_mail",
                "--name",
                "Mine",
                "--json",
            ],
            Some(DEMO_APP_SECRET),
            false,
            &[("PATCHBAY_LOG", "trace")],
        )
        .await;
    assert!(!connecting.auth_url.as_str().contains(DEMO_APP_SECRET));
    let q: std::collections::HashMap<String, String> =
        connecting.auth_url.query_pairs().into_owned().collect();
    assert_eq!(q["client_id"], DEMO_APP_CLIENT_ID);
    assert_eq!(
        q["scope"],
        "openid profile email offline_access User.Read Mail.Read"
    );
    connecting.sign_in("megan@contoso.example", true).await;
    let done = connecting.finish().await;
    assert_eq!(done.code, Some(0), "{}", done.stderr);
    let summary: Value = serde_json::from_str(&done.stdout).unwrap();
    assert_eq!(summary["name"], "Mine");
    assert_eq!(summary["auth_type"], "bring_your_own_app");
    assert_eq!(summary["client_id"], DEMO_APP_CLIENT_ID);
    assert_eq!(summary["account"]["email"], "megan@contoso.example");
    assert_eq!(summary["scopes_requested"].as_array().unwrap().len(), 6);

    assert!(!done.stdout.contains(DEMO_APP_SECRET) && !done.stderr.contains(DEMO_APP_SECRET));
    assert!(
        done.stderr.lines().count() > 5,
        "trace logging is on: {}",
        done.stderr
    );
    if let Some(token) = token_in(&done.stderr) {
        panic!("a token is in the trace log: {token}");
    }
    let files = files_under(home.data.path());
    assert!(!files.is_empty());
    for (path, bytes) in files {
        let found = bytes
            .windows(DEMO_APP_SECRET.len())
            .any(|w| w == DEMO_APP_SECRET.as_bytes());
        assert!(!found, "the secret is in {}", path.display());
    }
    let out = home.run(&["list", "--json"]).await;
    assert!(!text(&out.stdout).contains(DEMO_APP_SECRET));
}

#[tokio::test]
async fn without_json_the_connection_is_described_in_words() {
    let home = Home::new();
    let connecting = home
        .start_connect(
            &["--scopes", "Mail.Read Calendars.Read", "--name", "Demo"],
            None,
        )
        .await;
    connecting.sign_in(ADELE, true).await;
    let done = connecting.finish().await;
    assert_eq!(done.code, Some(0), "{}", done.stderr);
    let out = &done.stdout;
    assert!(out.starts_with("Connected Demo."), "{out}");
    assert!(
        out.contains("Account:      Adele Vance <adele@contoso.example>"),
        "{out}"
    );
    assert!(out.contains("Environment:  sandbox"), "{out}");
    assert!(out.contains("7 of 7 requested granted"), "{out}");
    assert!(!out.contains("Not granted"), "{out}");
}

#[tokio::test]
async fn mistakes_exit_1_with_one_line_saying_what_to_do() {
    let home = Home::new();
    let out = home.run(&["connect", "--connector", "myspace"]).await;
    assert_eq!(out.status.code(), Some(1));
    let line = error_line(&text(&out.stderr));
    assert!(
        line.contains("\"myspace\"") && line.contains("--connector outlook365"),
        "{line}"
    );

    // Teams is for work or school accounts: a personal account's tenant is refused before any sign-in.
    let out = home
        .run(&["connect", "--connector", "teams", "--tenant", "consumers"])
        .await;
    assert_eq!(out.status.code(), Some(1));
    let line = error_line(&text(&out.stderr));
    assert!(
        line.contains("Microsoft Teams is not for personal Microsoft accounts"),
        "{line}"
    );

    let out = home
        .run(&[
            "connect",
            "--connector",
            "outlook365",
            "--environment",
            "custom",
        ])
        .await;
    assert_eq!(out.status.code(), Some(1));
    let line = error_line(&text(&out.stderr));
    assert!(
        line.contains("--authority") && line.contains("--graph-url"),
        "{line}"
    );

    let out = home.run(&["remove", "no-such-id"]).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        error_line(&text(&out.stderr)).starts_with("patchbay: There is no connection no-such-id.")
    );

    let out = home.run(&["rename", "no-such-id", "x"]).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(error_line(&text(&out.stderr)).contains("There is no connection"));

    let out = home
        .run(&[
            "connect",
            "--connector",
            "outlook365",
            "--client-id",
            "x",
            "--features",
            "read_mail,teleport",
        ])
        .await;
    assert_eq!(out.status.code(), Some(1));
    assert!(error_line(&text(&out.stderr)).contains("\"teleport\""));

    // An empty secret on stdin (here: none at all) is refused before anything starts.
    let out = home
        .run(&[
            "connect",
            "--connector",
            "outlook365",
            "--environment",
            "sandbox",
            "--client-id",
            DEMO_APP_CLIENT_ID,
            "--client-secret-stdin",
        ])
        .await;
    assert_eq!(out.status.code(), Some(1));
    assert!(error_line(&text(&out.stderr)).contains("client secret read from stdin is empty"));

    // A secret is never an argument; flags that only make sense with your own app say so.
    let out = home
        .run(&[
            "connect",
            "--connector",
            "outlook365",
            "--client-secret",
            "s3cret",
        ])
        .await;
    assert_eq!(out.status.code(), Some(2));
    let out = home
        .run(&[
            "connect",
            "--connector",
            "outlook365",
            "--client-secret-stdin",
        ])
        .await;
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--client-id"));
}

#[tokio::test]
async fn an_error_pasted_from_microsofts_page_ends_the_sign_in_with_the_fix() {
    let home = Home::new();
    let unknown = "00000000-1111-2222-3333-444444444444";
    let mut connecting = home
        .start_connect_with(&["--client-id", unknown], None, true, &[])
        .await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    // Microsoft (and the sandbox) show AADSTS700016 on the sign-in page and never redirect back.
    let page = patchbay_sandbox::driver::sign_in(&http, &connecting.auth_url, ADELE, true)
        .await
        .unwrap_err();
    assert!(page.contains("AADSTS700016"), "{page}");
    let stdin = connecting.stdin.as_mut().unwrap();
    stdin.write_all(b"no code on this line\n").await.unwrap();
    stdin
        .write_all(format!("{page}\n").as_bytes())
        .await
        .unwrap();
    let done = connecting.finish().await;
    assert_eq!(done.code, Some(1), "{}", done.stderr);
    assert!(
        done.stderr
            .contains("There is no Microsoft error code in that text."),
        "the line without a code gets a hint: {}",
        done.stderr
    );
    let line = error_line(&done.stderr);
    assert!(
        line.starts_with(&format!(
            "patchbay: The app {unknown} is not known in this tenant."
        )),
        "{line}"
    );
    assert!(line.contains("Directory (tenant) ID"), "{line}");
    assert!(home.list().await.is_empty());
}

#[tokio::test]
async fn declining_consent_exits_1_with_sign_in_was_cancelled() {
    let home = Home::new();
    let connecting = home.start_connect(&[], None).await;
    connecting.sign_in(ADELE, false).await;
    let done = connecting.finish().await;
    assert_eq!(done.code, Some(1), "{}", done.stderr);
    assert!(done.stdout.trim().is_empty(), "{}", done.stdout);
    assert!(
        error_line(&done.stderr).starts_with("patchbay: Sign-in was cancelled. "),
        "{}",
        done.stderr
    );
    assert!(home.list().await.is_empty());
}

#[tokio::test]
async fn no_sign_in_within_the_timeout_says_so() {
    let home = Home::new();
    let connecting = home.start_connect(&["--timeout", "1"], None).await;
    let done = connecting.finish().await;
    assert_eq!(done.code, Some(1), "{}", done.stderr);
    assert!(
        error_line(&done.stderr).contains("No sign-in arrived"),
        "{}",
        done.stderr
    );
}

#[cfg(unix)]
#[tokio::test]
async fn ctrl_c_cancels_the_sign_in_and_exits_130() {
    let home = Home::new();
    let connecting = home.start_connect(&[], None).await;
    let pid = connecting.child.id().unwrap().to_string();
    let status = std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap();
    assert!(status.success());
    let done = connecting.finish().await;
    assert_eq!(done.code, Some(130), "{}", done.stderr);
    assert!(
        error_line(&done.stderr).starts_with("patchbay: Sign-in was cancelled."),
        "{}",
        done.stderr
    );
    assert!(home.list().await.is_empty());
}

#[tokio::test]
async fn doctor_checks_this_computer_and_names_a_connection_whose_secrets_are_broken() {
    let home = Home::new();
    // The service's program is there (any file stands in for it: doctor only looks for it).
    let out = home
        .command(&["doctor", "--json"])
        .env("PATCHBAY_SERVICE_BINARY", env!("CARGO_BIN_EXE_patchbay"))
        .output()
        .await
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let checks: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let ids: Vec<&str> = checks.iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        [
            "keychain",
            "data_dir",
            "secrets",
            "service",
            "loopback",
            "browser",
            "deep_link",
            "tray"
        ]
    );
    let status = |checks: &[Value], id: &str| {
        checks.iter().find(|c| c["id"] == id).unwrap()["status"]
            .as_str()
            .unwrap()
            .to_string()
    };
    for id in ["keychain", "data_dir", "secrets", "loopback"] {
        assert_eq!(status(&checks, id), "ok", "{id}: {checks:?}");
    }
    // The keychain check names the program behind the Secret Service (a headless machine needs one too).
    let keychain = checks.iter().find(|c| c["id"] == "keychain").unwrap();
    assert!(
        keychain["summary"]
            .as_str()
            .unwrap()
            .contains("gnome-keyring"),
        "{keychain}"
    );
    // No resident service runs for this data folder: said, with how to start one.
    let service = checks.iter().find(|c| c["id"] == "service").unwrap();
    assert_eq!(service["status"], "warning", "{service}");
    assert!(
        service["fix"]
            .as_str()
            .unwrap()
            .contains("systemctl --user enable --now patchbay"),
        "{service}"
    );
    // Its program nowhere to be found: said, as what stops it from starting.
    let out = home
        .command(&["doctor", "--json"])
        .env(
            "PATCHBAY_SERVICE_BINARY",
            home.data.path().join("no-such-program"),
        )
        .output()
        .await
        .unwrap();
    let checks: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let service = checks.iter().find(|c| c["id"] == "service").unwrap();
    assert_eq!(service["status"], "warning", "{service}");
    assert!(
        service["summary"].as_str().unwrap().contains(
            "cannot start: its program, patchbay-service, is neither beside Patchbay nor on PATH"
        ),
        "{service}"
    );
    assert!(
        service["fix"]
            .as_str()
            .unwrap()
            .contains("Reinstall Patchbay"),
        "{service}"
    );

    // One connection: its secrets open. Then damage its sealed file: doctor names it and exits 1.
    let connecting = home.start_connect(&["--name", "Work"], None).await;
    connecting.sign_in(ADELE, true).await;
    assert_eq!(connecting.finish().await.code, Some(0));
    let out = home.run(&["doctor"]).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("[ok] Connections' secrets: All 1 connection's secrets open"),
        "{}",
        text(&out.stdout)
    );
    let id = home.list().await[0]["id"].as_str().unwrap().to_string();
    let sealed = files_under(home.data.path())
        .into_iter()
        .map(|(path, _)| path)
        .find(|p| p.to_string_lossy().contains(&id))
        .expect("the sealed file");
    std::fs::write(&sealed, b"not a sealed file").unwrap();
    let out = home.run(&["doctor"]).await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("[FAILED] Connections' secrets: The secrets of 1 of 1 connections cannot be used: \"Work\" (cannot be opened)."),
        "{stdout}"
    );
    assert!(
        stdout.contains("fix: Fix those connections by signing in again"),
        "{stdout}"
    );
    assert_eq!(
        error_line(&text(&out.stderr)),
        "patchbay: 1 check failed: Connections' secrets. Follow the fix under each failed check, then run patchbay doctor again."
    );
}

#[tokio::test]
async fn doctor_says_why_the_window_could_not_start_the_service_until_one_runs() {
    use patchbay_core::resident::start::{record_failure, StartFailure};
    let home = Home::new();
    // A window tried, and the service's log could not be opened (a folder is where the file should be).
    let log = home.data.path().join("service.log");
    std::fs::create_dir(&log).unwrap();
    let e = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(&log)
        .unwrap_err();
    record_failure(home.data.path(), StartFailure::log_file(&log, &e));
    let out = home.run(&["doctor"]).await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let line = stdout
        .lines()
        .find(|l| l.starts_with("[FAILED] Background service: "))
        .unwrap_or_else(|| panic!("{stdout}"));
    assert!(
        line.contains("Patchbay's service could not start (")
            && line.contains(&format!(
                "its log file {} could not be opened",
                log.display()
            )),
        "{line}"
    );
    assert!(stdout.contains("fix: Check that "), "{stdout}");
    assert!(
        error_line(&text(&out.stderr)).contains("Background service"),
        "{}",
        text(&out.stderr)
    );
    // Once a service runs for the folder, that is what doctor says.
    let lock = patchbay_core::resident::ServiceLock::claim(home.data.path())
        .unwrap()
        .expect("the service's place");
    let stdout = text(&home.run(&["doctor"]).await.stdout);
    assert!(
        stdout.contains("[ok] Background service: Patchbay's service is starting."),
        "{stdout}"
    );
    drop(lock);
}

#[tokio::test]
async fn doctor_says_when_there_is_no_keychain() {
    let home = Home::new();
    let out = home
        .command(&["doctor"])
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/patchbay-test-bus",
        )
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("[FAILED] Keychain: The keychain is not available."),
        "{stdout}"
    );
    assert!(stdout.contains("gnome-keyring"), "{stdout}");
    assert!(error_line(&text(&out.stderr)).starts_with("patchbay: 1 check failed: Keychain."));
}

/// A secret typed at a terminal is not echoed: run under a pseudo-terminal (util-linux `script`), everything
/// the terminal showed is captured, and the typed secret is not in it.
#[tokio::test]
async fn a_secret_typed_at_a_terminal_is_not_shown() {
    let home = Home::new();
    let sandbox = own_sandbox().await;
    let id = connect_to(&home, &sandbox, ADELE).await;
    const TYPED: &str = "typed-secret-4f9c1e";
    let inner = format!(
        "{} update-secret {id} --client-secret-stdin",
        env!("CARGO_BIN_EXE_patchbay")
    );
    let mut cmd = tokio::process::Command::new("script");
    cmd.args(["-qec", &inner, "/dev/null"])
        .env("PATCHBAY_DATA_DIR", home.data.path())
        .env("PATCHBAY_KEYCHAIN_SERVICE", &home.keychain_service)
        .env_remove("PATCHBAY_LOG")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true);
    let mut child = cmd.spawn().expect("util-linux script");
    let mut stdin = child.stdin.take().unwrap();
    // Typed once the prompt is up (a terminal discards nothing typed early, but be a patient typist).
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    stdin
        .write_all(format!("{TYPED}\n").as_bytes())
        .await
        .unwrap();
    drop(stdin);
    let out = tokio::time::timeout(LIMIT, child.wait_with_output())
        .await
        .expect("patchbay ends")
        .unwrap();
    let shown = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(shown.contains("Client secret:"), "the prompt: {shown}");
    assert!(!shown.contains(TYPED), "the secret was echoed: {shown}");
}

/// The vault key deleted from the keychain while connections exist: no new key is made over their sealed
/// files; `doctor` says so and names `reset-vault`, which asks first, then sets the files aside (nothing
/// deleted) and makes a new key.
#[tokio::test]
async fn a_vault_key_gone_from_the_keychain_is_replaced_only_when_asked() {
    let home = Home::new();
    let sandbox = own_sandbox().await;
    let id = connect_to(&home, &sandbox, ADELE).await;
    let cleared = std::process::Command::new("secret-tool")
        .args(["clear", "service", &home.keychain_service])
        .status()
        .expect("secret-tool (libsecret-tools)");
    assert!(cleared.success());

    // A second connection would need a key: none is minted over the first one's sealed file.
    let out = home.run(&["doctor"]).await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    let said = text(&out.stdout);
    assert!(said.contains("vault key is missing"), "{said}");
    assert!(said.contains("patchbay reset-vault"), "{said}");
    // The window offers the same, behind a button (the check carries the action).
    let out = home.run(&["doctor", "--json"]).await;
    let checks: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let keychain = checks
        .as_array()
        .and_then(|c| c.iter().find(|c| c["id"] == "keychain"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(keychain["action"], "reset_vault", "{keychain}");

    // Not at a terminal and no --yes: it asks, so nothing happens.
    let out = home.run(&["reset-vault"]).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(error_line(&text(&out.stderr)).contains("asks first"));
    let secrets = home.data.path().join("secrets");
    assert!(secrets.join(format!("{id}.sealed")).exists(), "untouched");

    let out = home.run(&["reset-vault", "--yes"]).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(!secrets.join(format!("{id}.sealed")).exists());
    let aside: Vec<_> = std::fs::read_dir(&secrets)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("orphaned-"))
        .collect();
    assert_eq!(aside.len(), 1);
    assert!(
        aside[0].path().join(format!("{id}.sealed")).exists(),
        "set aside, not deleted"
    );
    // The connection is still listed, and says it needs a new sign-in.
    let out = home.run(&["list", "--json"]).await;
    assert!(text(&out.stdout).contains(&id));
}

/// A process killed (abort: no destructors, as `kill -9`) at every step of writing the connections file
/// leaves the old file or the new one, whole: the connection is never lost or half-written.
#[tokio::test]
async fn a_process_killed_while_saving_never_loses_a_connection() {
    let home = Home::new();
    let sandbox = own_sandbox().await;
    let id = connect_to(&home, &sandbox, ADELE).await;
    let mut names = vec![];
    for (i, stage) in [
        "write-half",
        "write-temp-written",
        "write-synced",
        "write-renamed",
    ]
    .iter()
    .enumerate()
    {
        let name = format!("Renamed {i}");
        let mut cmd = home.command(&["rename", &id, &name]);
        cmd.env("PATCHBAY_FAULT", format!("{stage}:connections.json"));
        let out = tokio::time::timeout(LIMIT, cmd.output())
            .await
            .expect("patchbay ends")
            .unwrap();
        assert!(!out.status.success(), "{stage}: it was killed");
        assert!(
            text(&out.stderr).contains(&format!("aborting at {stage}:connections.json")),
            "{stage}: {}",
            text(&out.stderr)
        );
        let list = home.run(&["list", "--json"]).await;
        assert!(list.status.success(), "{stage}: {}", text(&list.stderr));
        let all: Value = serde_json::from_slice(&list.stdout).unwrap();
        let all = all.as_array().unwrap();
        assert_eq!(all.len(), 1, "{stage}: the connection is still there");
        let now = all[0]["name"].as_str().unwrap().to_string();
        // Before the rename the old name stands; once renamed, the new one.
        let expected = if *stage == "write-renamed" {
            name.clone()
        } else {
            names.last().cloned().unwrap_or_else(|| now.clone())
        };
        assert_eq!(now, expected, "{stage}");
        names.push(now);
    }
    // And it still works afterwards.
    let out = home.run(&["rename", &id, "Final"]).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
}

#[tokio::test]
async fn the_from_filter_says_it_can_be_forged() {
    let home = Home::new();
    let out = home.run(&["automations", "add", "--help"]).await;
    assert!(out.status.success());
    let help = text(&out.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        help.contains("Anyone can write any address there") && help.contains("never to trust it"),
        "{help}"
    );
}
