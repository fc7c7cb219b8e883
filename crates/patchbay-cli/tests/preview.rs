//! `patchbay preview` and `patchbay graph` as a script runs them: the real binary against a sandbox's Graph.

mod common;

use common::*;
use serde_json::Value;

const INBOX_KEYS: [&str; 9] = [
    "id",
    "subject",
    "from_name",
    "from_address",
    "received",
    "is_read",
    "has_attachments",
    "preview",
    "web_link",
];

const EVENT_KEYS: [&str; 10] = [
    "id",
    "subject",
    "start",
    "end",
    "all_day",
    "location",
    "organizer",
    "join_url",
    "cancelled",
    "web_link",
];

fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
    k.sort();
    k
}

fn sorted(k: &[&str]) -> Vec<String> {
    let mut k: Vec<String> = k.iter().map(|s| s.to_string()).collect();
    k.sort();
    k
}

fn json_array(out: &std::process::Output) -> Vec<Value> {
    assert!(out.status.success(), "{}", text(&out.stderr));
    serde_json::from_slice::<Value>(&out.stdout)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

/// No JWT (access token) anywhere in what a command printed.
fn no_token(out: &std::process::Output) {
    for stream in [&out.stdout, &out.stderr] {
        assert!(!text(stream).contains("eyJ"), "a token was printed");
    }
}

#[tokio::test]
async fn preview_inbox_prints_the_documented_json_and_aligned_columns() {
    let home = Home::new();
    let sandbox = own_sandbox().await;
    let id = connect_to(&home, &sandbox, ADELE).await;

    let out = home
        .run(&["preview", "inbox", &id, "--top", "60", "--json"])
        .await;
    no_token(&out);
    let rows = json_array(&out);
    assert!(rows.len() >= 50, "{}", rows.len());
    for row in &rows {
        assert_eq!(keys(row), sorted(&INBOX_KEYS));
        let received = row["received"].as_str().unwrap();
        assert!(received.parse::<jiff::Timestamp>().is_ok(), "{received}");
        assert!(
            received.ends_with("+01:00") || received.ends_with("+02:00"),
            "in the mailbox's zone: {received}"
        );
    }
    // Missing values are null, never invented.
    assert!(
        rows.iter().any(|r| r["subject"].is_null()),
        "the empty subject"
    );
    assert!(
        rows.iter()
            .any(|r| r["from_name"].is_null() && r["from_address"].is_string()),
        "the sender without a name"
    );

    let out = home.run(&["preview", "inbox", &id, "--top", "5"]).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let table = text(&out.stdout);
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 6, "{table}");
    assert!(lines[0].starts_with("RECEIVED"), "{table}");
    let from_col = lines[0].find("FROM").unwrap();
    assert!(
        lines[1..].iter().all(|l| l.chars().count() > from_col),
        "{table}"
    );
    assert!(
        text(&out.stderr).contains("Europe/Berlin"),
        "{}",
        text(&out.stderr)
    );
}

#[tokio::test]
async fn preview_calendar_json_is_in_the_mailbox_zone_and_days() {
    let home = Home::new();
    let sandbox = own_sandbox().await;
    let id = connect_to(&home, &sandbox, "megan@contoso.example").await;
    let out = home
        .run(&["preview", "calendar", &id, "--days", "7", "--json"])
        .await;
    no_token(&out);
    let rows = json_array(&out);
    assert!(!rows.is_empty());
    for row in &rows {
        assert_eq!(keys(row), sorted(&EVENT_KEYS));
        let start = row["start"].as_str().unwrap();
        assert!(
            start.ends_with("-05:00") || start.ends_with("-04:00"),
            "New York's offset: {start}"
        );
        if row["all_day"] == Value::Bool(true) {
            assert!(start.contains("T00:00:00"), "{start}");
        }
    }
    assert!(rows.iter().any(|r| r["join_url"].is_string()));
    assert!(rows.iter().any(|r| r["cancelled"] == Value::Bool(true)));

    let out = home.run(&["preview", "calendar", &id, "--days", "2"]).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).starts_with("DAY"),
        "{}",
        text(&out.stdout)
    );
}

#[tokio::test]
async fn graph_calls_graph_as_the_connection_and_reports_graphs_errors() {
    let home = Home::new();
    let sandbox = own_sandbox().await;
    let id = connect_to(&home, &sandbox, ADELE).await;

    let out = home.run(&["graph", &id, "me"]).await;
    no_token(&out);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let me: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(me["mail"], ADELE);

    let out = home
        .run(&[
            "graph",
            &id,
            "/me/messages?$top=3",
            "--query",
            "$select=subject,from",
        ])
        .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let page: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(page["value"].as_array().unwrap().len(), 3);
    assert!(
        page["value"][0].get("bodyPreview").is_none(),
        "$select honoured"
    );

    // Graph's words reach the terminal unable to drive it (here the sandbox echoes a path segment holding an
    // OSC 52 clipboard write and an OSC 0 title, as Graph echoes what it could not follow).
    let out = home
        .run(&["graph", &id, "/me/%1B]52;c;cm0gLXJmIH4=%07%1B]0;pwned%07"])
        .await;
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("Resource not found for the segment"),
        "{stderr}"
    );
    assert!(
        !out.stderr.iter().any(|b| *b == 0x1b || *b == 0x07),
        "no escape sequence on the terminal: {stderr:?}"
    );

    // --paginate follows nextLink and prints one array of every page's items.
    let all = json_array(
        &home
            .run(&[
                "graph",
                &id,
                "me/mailFolders/inbox/messages",
                "--paginate",
                "--query",
                "$top=9",
                "--query",
                "$select=id",
            ])
            .await,
    );
    let inbox = json_array(
        &home
            .run(&["preview", "inbox", &id, "--top", "1000", "--json"])
            .await,
    );
    assert_eq!(all.len(), inbox.len());

    // Throttled once: waited out as Retry-After says.
    sandbox.control().fail_next(429, 1, Some(1)).unwrap();
    let out = home
        .run(&["graph", &id, "me", "--query", "$select=id"])
        .await;
    assert!(out.status.success(), "{}", text(&out.stderr));

    // Graph's error: exit 1, code, message and request-id on stderr, nothing on stdout.
    // (Graph answers an unknown segment with 400, not 404.)
    let out = home.run(&["graph", &id, "me/nothingHere"]).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let line = error_line(&text(&out.stderr));
    assert!(
        line.contains("HTTP 400: BadRequest: Resource not found for the segment 'nothingHere'."),
        "{line}"
    );
    assert!(line.contains("request-id"), "{line}");

    // A full URL under the connection's Graph (a nextLink, a Graph Explorer URL) is followed...
    let base = sandbox.graph_url().to_string();
    let full = format!("{}/v1.0/me?$select=mail", base.trim_end_matches('/'));
    let out = home.run(&["graph", &id, &full]).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let me: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(me["mail"], ADELE);
    // ...and one anywhere else is refused before anything is sent.
    let requests = sandbox.control().stats().graph_requests;
    let out = home
        .run(&["graph", &id, "https://evil.example/v1.0/me"])
        .await;
    assert_eq!(out.status.code(), Some(1));
    let line = error_line(&text(&out.stderr));
    assert!(
        line.contains("is not under this connection's Microsoft Graph"),
        "{line}"
    );
    assert_eq!(sandbox.control().stats().graph_requests, requests);
}

#[tokio::test]
async fn without_calendar_permission_the_agenda_says_which_and_graph_shows_the_403() {
    let home = Home::new();
    let sandbox = own_sandbox().await;
    sandbox
        .control()
        .deny_scopes(
            patchbay_sandbox::BUILT_IN_CLIENT_ID,
            [
                "Calendars.Read",
                "Calendars.ReadWrite",
                "Calendars.Read.Shared",
                "Calendars.ReadWrite.Shared",
            ]
            .map(String::from)
            .to_vec(),
        )
        .unwrap();
    let id = connect_to(&home, &sandbox, ADELE).await;

    let out = home.run(&["preview", "inbox", &id, "--json"]).await;
    assert_eq!(json_array(&out).len(), 25, "the inbox still works");

    let out = home.run(&["preview", "calendar", &id]).await;
    assert_eq!(out.status.code(), Some(1));
    let line = error_line(&text(&out.stderr));
    assert!(
        line.contains("The calendar needs permission Calendars.Read."),
        "{line}"
    );
    assert!(line.contains("patchbay fix"), "{line}");

    let out = home
        .run(&[
            "graph",
            &id,
            "me/calendarView",
            "--query",
            "startDateTime=2026-01-01T00:00:00Z",
            "--query",
            "endDateTime=2026-01-02T00:00:00Z",
        ])
        .await;
    assert_eq!(out.status.code(), Some(1));
    let line = error_line(&text(&out.stderr));
    assert!(line.contains("ErrorAccessDenied"), "{line}");
    assert!(line.contains("request-id"), "{line}");
}

/// Mail is shown, never kept: with every log line on, no subject, sender or preview line reaches the log, and
/// nothing of the mailbox is written under the data folder.
#[tokio::test]
async fn mail_and_events_never_reach_the_log_or_the_disk() {
    let home = Home::new();
    let sandbox = own_sandbox().await;
    let id = connect_to(&home, &sandbox, ADELE).await;

    let inbox = json_array(
        &home
            .run(&["preview", "inbox", &id, "--top", "25", "--json"])
            .await,
    );
    let events = json_array(&home.run(&["preview", "calendar", &id, "--json"]).await);
    // Words only the mailbox holds (long enough not to match anything by chance).
    let mut secrets: Vec<String> = vec![];
    for row in &inbox {
        for key in ["subject", "preview", "from_name"] {
            if let Some(s) = row[key].as_str().filter(|s| s.chars().count() >= 12) {
                secrets.push(s.chars().take(40).collect());
            }
        }
    }
    for event in &events {
        if let Some(s) = event["subject"]
            .as_str()
            .filter(|s| s.chars().count() >= 12)
        {
            secrets.push(s.to_string());
        }
    }
    assert!(secrets.len() > 30, "{}", secrets.len());

    let traced = |args: &'static [&'static str]| {
        let mut cmd = home.command(&[]);
        cmd.args(args.iter().map(|a| a.replace("ID", &id)))
            .env("PATCHBAY_LOG", "trace");
        cmd
    };
    let mut logs = String::new();
    for args in [
        &["preview", "inbox", "ID", "--top", "25"][..],
        &["preview", "calendar", "ID", "--json"],
        &["graph", "ID", "me/mailFolders/inbox/messages", "--paginate"],
    ] {
        let out = tokio::time::timeout(LIMIT, traced(args).output())
            .await
            .expect("patchbay ends")
            .unwrap();
        assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
        logs.push_str(&text(&out.stderr));
    }
    assert!(logs.lines().count() > 20, "trace logging is on: {logs}");
    assert_eq!(token_in(&logs), None, "a token is in the trace log");
    for s in &secrets {
        assert!(!logs.contains(s.as_str()), "mail content in the log: {s}");
    }
    for (path, bytes) in files_under(home.data.path()) {
        let content = String::from_utf8_lossy(&bytes);
        for s in &secrets {
            assert!(
                !content.contains(s.as_str()),
                "mail content in {}: {s}",
                path.display()
            );
        }
    }
}
