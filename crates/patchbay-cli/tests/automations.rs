//! `patchbay automations` as processes against the sandbox: the fixed CLI contract, a baseline that never fires,
//! two messages in the same second both delivered, Graph's replays, changed and `@removed` messages firing
//! nothing, a 410 resync delivering only what is new, filters, pause and resume, retries and failure, a POST
//! action, a revoked connection stopping its automation and catching up after Fix, and a process killed at every
//! step of a round losing nothing; and calendar changes (added, changed, cancelled, deleted) each firing once,
//! through replays and a 410.

mod common;

use common::{connect_to, own_sandbox, text, Home, ADELE};
use patchbay_sandbox::EventChange;
use patchbay_sandbox::Sandbox;
use serde_json::Value;
use std::path::{Path, PathBuf};

use common::{recorded as lines, recorder};

async fn add(home: &Home, args: &[&str]) -> Value {
    common::add_automation(home, args).await
}

async fn run_once(home: &Home, env: &[(&str, &str)]) -> (Option<i32>, String) {
    let mut cmd = home.command(&["automations", "run", "--once"]);
    cmd.envs(env.iter().copied());
    let out = tokio::time::timeout(common::LIMIT, cmd.output())
        .await
        .unwrap()
        .unwrap();
    (out.status.code(), text(&out.stderr))
}

fn deliver(sandbox: &Sandbox, from: &str, subject: &str, attachments: bool) -> String {
    sandbox
        .control()
        .deliver_mail(ADELE, ("Sender", from), subject, "Hello.", attachments)
        .unwrap()
}

async fn list(home: &Home) -> Vec<Value> {
    let out = home.run(&["automations", "list", "--json"]).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    serde_json::from_slice::<Value>(&out.stdout)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

struct Setup {
    sandbox: Sandbox,
    home: Home,
    connection: String,
    out: PathBuf,
}

async fn setup() -> Setup {
    let sandbox = own_sandbox().await;
    let home = Home::new();
    let connection = connect_to(&home, &sandbox, ADELE).await;
    let out = home.data.path().join("delivered.txt");
    Setup {
        sandbox,
        home,
        connection,
        out,
    }
}

#[tokio::test]
async fn new_mail_fires_once_each_and_nothing_else_ever_does() {
    let s = setup().await;
    let run = recorder(&s.out);
    let added = add(
        &s.home,
        &[
            "--connection",
            &s.connection,
            "--on",
            "new-mail",
            "--run",
            &run,
            "--name",
            "All mail",
        ],
    )
    .await;
    let id = added["id"].as_str().unwrap().to_string();
    assert_eq!(added["state"], "active");
    assert_eq!(added["trigger"]["on"], "new_mail");
    assert_eq!(added["trigger"]["folder"], "inbox");

    // The baseline: the sixty messages already there never fire.
    assert_eq!(run_once(&s.home, &[]).await.0, Some(0));
    assert!(lines(&s.out).is_empty());

    // Two in the same second: both, in arrival order, each with its JSON and its id in the environment.
    let a = deliver(&s.sandbox, "ada@contoso.example", "First", false);
    let b = deliver(&s.sandbox, "ada@contoso.example", "Second", true);
    let (code, stderr) = run_once(&s.home, &[]).await;
    assert_eq!(code, Some(0), "{stderr}");
    let got = lines(&s.out);
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(got[0].0, a);
    assert_eq!(got[1].0, b);
    let json = &got[1].1;
    assert_eq!(json["automation_id"], id.as_str());
    assert_eq!(json["connection_id"], s.connection.as_str());
    assert_eq!(json["trigger"], "new_mail");
    assert_eq!(json["item"]["id"], b.as_str());
    assert_eq!(json["item"]["subject"], "Second");
    assert_eq!(json["item"]["from_address"], "ada@contoso.example");
    assert_eq!(json["item"]["has_attachments"], true);
    let mut keys: Vec<&str> = json["item"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "from_address",
            "from_name",
            "has_attachments",
            "id",
            "is_read",
            "preview",
            "received",
            "subject",
            "web_link"
        ]
    );
    assert!(!json.to_string().contains("eyJ"), "no token in the payload");

    // Nothing new: nothing fires. Replays, a changed message, a removed one: nothing fires either.
    assert_eq!(run_once(&s.home, &[]).await.0, Some(0));
    s.sandbox.control().change_mail(ADELE, &a, false).unwrap();
    s.sandbox.control().change_mail(ADELE, &b, true).unwrap();
    s.sandbox.control().replay_next_delta(ADELE, 3).unwrap();
    assert_eq!(run_once(&s.home, &[]).await.0, Some(0));
    assert_eq!(lines(&s.out).len(), 2);

    // The delta token expires (410): Patchbay starts over; of the whole folder only the new one fires.
    s.sandbox.control().expire_delta_tokens(ADELE).unwrap();
    let c = deliver(&s.sandbox, "grace@contoso.example", "During the gap", false);
    let (code, stderr) = run_once(&s.home, &[]).await;
    assert_eq!(code, Some(0), "{stderr}");
    let got = lines(&s.out);
    assert_eq!(got.len(), 3, "{got:?}");
    assert_eq!(got[2].0, c);

    // The history: one line per attempt, oldest first.
    let out = s.home.run(&["automations", "history", &id, "--json"]).await;
    let history: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(history.len(), 3);
    assert_eq!(history[0]["item_id"], a.as_str());
    assert_eq!(history[0]["subject"], "First");
    assert_eq!(history[0]["outcome"], "delivered");
    assert_eq!(history[0]["attempt"], 1);
    assert_eq!(history[0]["exit_code"], 0);
    assert!(history[0]["at"].is_string());

    // show, remove.
    let out = s.home.run(&["automations", "show", &id, "--json"]).await;
    let shown: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(shown["name"], "All mail");
    assert_eq!(shown["queued"], 0);
    let out = s.home.run(&["automations", "remove", &id]).await;
    assert!(out.status.success());
    assert!(list(&s.home).await.is_empty());
    s.sandbox.shutdown().await;
}

fn add_event(sandbox: &Sandbox, subject: &str, hours_ahead: i64) -> String {
    let start = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(hours_ahead);
    sandbox
        .control()
        .add_event(
            ADELE,
            subject,
            start,
            start + jiff::SignedDuration::from_hours(1),
        )
        .unwrap()
}

fn change_event(sandbox: &Sandbox, id: &str, change: EventChange) {
    sandbox.control().change_event(ADELE, id, change).unwrap();
}

fn changes(out: &Path) -> Vec<(String, String)> {
    lines(out)
        .into_iter()
        .map(|(id, json)| {
            assert_eq!(json["trigger"], "event_changed");
            (id, json["item"]["change"].as_str().unwrap().to_string())
        })
        .collect()
}

#[tokio::test]
async fn calendar_changes_fire_once_each_added_changed_and_cancelled() {
    let s = setup().await;
    let run = recorder(&s.out);
    let added = add(
        &s.home,
        &[
            "--connection",
            &s.connection,
            "--on",
            "event-changed",
            "--days",
            "3",
            "--run",
            &run,
        ],
    )
    .await;
    assert_eq!(added["trigger"]["on"], "event_changed");
    assert_eq!(added["trigger"]["days"], 3);

    // The baseline: the demo week never fires.
    assert_eq!(run_once(&s.home, &[]).await.0, Some(0));
    assert!(lines(&s.out).is_empty());

    // Added, then changed, then cancelled; another deleted; one beyond the days asked stays quiet.
    let a = add_event(&s.sandbox, "Design review", 5);
    let b = add_event(&s.sandbox, "Lunch", 26);
    add_event(&s.sandbox, "Next month's offsite", 24 * 30);
    let (code, stderr) = run_once(&s.home, &[]).await;
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(
        changes(&s.out),
        [(a.clone(), "added".into()), (b.clone(), "added".into())]
    );
    let json = &lines(&s.out)[0].1;
    let mut keys: Vec<&str> = json["item"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "all_day",
            "cancelled",
            "change",
            "end",
            "id",
            "join_url",
            "location",
            "organizer",
            "organizer_address",
            "show_as",
            "start",
            "subject",
            "web_link"
        ]
    );
    assert_eq!(json["item"]["subject"], "Design review");

    change_event(
        &s.sandbox,
        &a,
        EventChange {
            subject: Some("Design review (moved)".into()),
            ..EventChange::default()
        },
    );
    s.sandbox.control().replay_next_delta(ADELE, 3).unwrap();
    assert_eq!(run_once(&s.home, &[]).await.0, Some(0));
    change_event(
        &s.sandbox,
        &a,
        EventChange {
            cancel: true,
            ..EventChange::default()
        },
    );
    change_event(
        &s.sandbox,
        &b,
        EventChange {
            delete: true,
            ..EventChange::default()
        },
    );
    assert_eq!(run_once(&s.home, &[]).await.0, Some(0));
    let got = changes(&s.out);
    assert_eq!(
        got[2..],
        [
            (a.clone(), "changed".into()),
            (a.clone(), "cancelled".into()),
            (b.clone(), "cancelled".into())
        ]
    );
    assert_eq!(
        lines(&s.out)[2].1["item"]["subject"],
        "Design review (moved)"
    );
    assert_eq!(lines(&s.out)[4].1["item"]["cancelled"], true);

    // The delta token expires (410): the fresh pass fires only what happened in the gap.
    let c = add_event(&s.sandbox, "Call with Fabrikam", 30);
    let d = add_event(&s.sandbox, "Dentist", 40);
    assert_eq!(run_once(&s.home, &[]).await.0, Some(0));
    s.sandbox.control().expire_delta_tokens(ADELE).unwrap();
    let e = add_event(&s.sandbox, "Added during the gap", 8);
    change_event(
        &s.sandbox,
        &d,
        EventChange {
            delete: true,
            ..EventChange::default()
        },
    );
    let (code, stderr) = run_once(&s.home, &[]).await;
    assert_eq!(code, Some(0), "{stderr}");
    let got = changes(&s.out);
    assert_eq!(
        got[5..],
        [
            (c, "added".into()),
            (d.clone(), "added".into()),
            (e, "added".into()),
            (d, "cancelled".into())
        ]
    );
    assert_eq!(run_once(&s.home, &[]).await.0, Some(0));
    assert_eq!(lines(&s.out).len(), 9, "nothing twice");

    // The calendar's own refusals, in words.
    for (args, words) in [
        (vec!["--days", "0"], "out of range"),
        (vec!["--days", "61"], "out of range"),
        (
            vec!["--from", "ada@contoso.example"],
            "--from is for --on new-mail",
        ),
    ] {
        let mut all = vec![
            "automations",
            "add",
            "--connection",
            &s.connection,
            "--on",
            "event-changed",
            "--run",
            "true",
        ];
        all.extend(args.iter().copied());
        let out = s.home.run(&all).await;
        assert_eq!(out.status.code(), Some(1));
        assert!(text(&out.stderr).contains(words), "{}", text(&out.stderr));
    }
    s.sandbox.shutdown().await;
}

#[tokio::test]
async fn filters_pause_resume_retries_and_failure() {
    let s = setup().await;
    let run = recorder(&s.out);
    let added = add(
        &s.home,
        &[
            "--connection",
            &s.connection,
            "--on",
            "new-mail",
            "--from",
            "Billing@Fabrikam.example",
            "--subject-contains",
            "invoice",
            "--run",
            &run,
        ],
    )
    .await;
    let id = added["id"].as_str().unwrap().to_string();
    deliver(
        &s.sandbox,
        "billing@fabrikam.example",
        "Your invoice 1",
        false,
    );
    deliver(
        &s.sandbox,
        "billing@fabrikam.example",
        "A newsletter",
        false,
    );
    deliver(
        &s.sandbox,
        "someone@contoso.example",
        "An invoice too",
        false,
    );
    assert_eq!(run_once(&s.home, &[]).await.0, Some(0));
    assert_eq!(lines(&s.out).len(), 1);

    // Paused: nothing runs; on resume what came meanwhile is delivered.
    let out = s.home.run(&["automations", "pause", &id, "--json"]).await;
    assert_eq!(
        serde_json::from_slice::<Value>(&out.stdout).unwrap()["state"],
        "paused"
    );
    deliver(&s.sandbox, "billing@fabrikam.example", "Invoice 2", false);
    assert_eq!(run_once(&s.home, &[]).await.0, Some(0));
    assert_eq!(lines(&s.out).len(), 1);
    s.home.run(&["automations", "resume", &id]).await;
    assert_eq!(run_once(&s.home, &[]).await.0, Some(0));
    assert_eq!(lines(&s.out).len(), 2);

    // A command that fails is retried with backoff, then marked failed; Retry puts it back.
    deliver(&s.sandbox, "billing@fabrikam.example", "Invoice 3", false);
    let env = [("FAIL", "1"), ("PATCHBAY_RETRY_BASE_SECS", "0")];
    for attempt in 1..=5 {
        let (code, _) = run_once(&s.home, &env).await;
        assert_eq!(code, Some(1), "attempt {attempt} is left failing");
    }
    let out = s.home.run(&["automations", "history", &id, "--json"]).await;
    let history: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let third: Vec<&Value> = history
        .iter()
        .filter(|h| h["subject"] == "Invoice 3")
        .collect();
    assert_eq!(third.len(), 5);
    assert_eq!(third[0]["outcome"], "retrying");
    assert_eq!(third[4]["outcome"], "failed");
    assert_eq!(third[4]["exit_code"], 1);
    let view = &list(&s.home).await[0];
    assert_eq!(view["state"], "failing");
    assert_eq!(view["failed"], 1);
    // Failed items wait for Retry: another round does not try them.
    assert_eq!(run_once(&s.home, &env).await.0, Some(1));
    let out = s.home.run(&["automations", "retry", &id]).await;
    assert!(out.status.success());
    assert_eq!(run_once(&s.home, &[]).await.0, Some(0));
    let got = lines(&s.out);
    assert_eq!(got.last().unwrap().1["item"]["subject"], "Invoice 3");
    assert_eq!(list(&s.home).await[0]["state"], "active");

    // The contract's refusals, in words.
    for (args, words) in [
        (
            vec!["--run", "x", "--post", "https://e.example/h"],
            "cannot be used with",
        ),
        (vec!["--post", "http://hooks.example.com/h"], "plain http"),
        (vec!["--run", "x 'open"], "cannot be split"),
        (vec!["--run", "x", "--every", "5"], "too often"),
    ] {
        let mut all = vec![
            "automations",
            "add",
            "--connection",
            &s.connection,
            "--on",
            "new-mail",
        ];
        all.extend(args.iter().copied());
        let out = s.home.run(&all).await;
        assert_eq!(
            out.status.code(),
            Some(if words == "cannot be used with" { 2 } else { 1 })
        );
        assert!(text(&out.stderr).contains(words), "{}", text(&out.stderr));
    }
    s.sandbox.shutdown().await;
}

#[tokio::test]
async fn a_post_action_sends_the_json_to_a_local_url() {
    let s = setup().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://127.0.0.1:{}/hook",
        listener.local_addr().unwrap().port()
    );
    let server = tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        loop {
            let n = socket.read(&mut chunk).await.unwrap();
            buf.extend_from_slice(&chunk[..n]);
            let text = String::from_utf8_lossy(&buf).to_string();
            if let Some((head, body)) = text.split_once("\r\n\r\n") {
                let len: usize = head
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length:")
                            .map(|v| v.trim().parse().unwrap())
                    })
                    .unwrap_or(0);
                if body.len() >= len {
                    socket
                        .write_all(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n")
                        .await
                        .unwrap();
                    return body.to_string();
                }
            }
        }
    });
    add(
        &s.home,
        &[
            "--connection",
            &s.connection,
            "--on",
            "new-mail",
            "--post",
            &url,
        ],
    )
    .await;
    let id = deliver(&s.sandbox, "ada@contoso.example", "To the hook", false);
    // Graph throttles the round (429, Retry-After: 1): waited out within the same `run --once`.
    s.sandbox.control().fail_next(429, 1, Some(1)).unwrap();
    let (code, stderr) = run_once(&s.home, &[]).await;
    assert_eq!(s.sandbox.control().stats().injected_failures, 1);
    assert_eq!(code, Some(0), "{stderr}");
    let body: Value = serde_json::from_str(&server.await.unwrap()).unwrap();
    assert_eq!(body["item"]["id"], id.as_str());
    s.sandbox.shutdown().await;
}

#[tokio::test]
async fn a_revoked_connection_stops_its_automation_which_catches_up_after_fix() {
    let s = setup().await;
    let run = recorder(&s.out);
    let added = add(
        &s.home,
        &[
            "--connection",
            &s.connection,
            "--on",
            "new-mail",
            "--run",
            &run,
        ],
    )
    .await;
    let id = added["id"].as_str().unwrap().to_string();
    s.sandbox.control().revoke_user(ADELE).unwrap();
    s.sandbox
        .control()
        .expire_access_tokens(Some(ADELE))
        .unwrap();
    let waiting = deliver(&s.sandbox, "ada@contoso.example", "While broken", false);
    let (code, stderr) = run_once(&s.home, &[]).await;
    assert_eq!(code, Some(1));
    assert!(stderr.contains("stopped"), "{stderr}");
    let view = &list(&s.home).await[0];
    assert_eq!(view["state"], "stopped");
    assert!(
        view["stopped_reason"]
            .as_str()
            .unwrap()
            .contains("sign in again"),
        "{view}"
    );

    let fixing = s
        .home
        .start_sign_in(&["fix", &s.connection, "--no-browser"], None, false, &[])
        .await;
    fixing.sign_in(ADELE, true).await;
    assert_eq!(fixing.finish().await.code, Some(0));
    let (code, stderr) = run_once(&s.home, &[]).await;
    assert_eq!(code, Some(0), "{stderr}");
    let got = lines(&s.out);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].0, waiting);
    let out = s.home.run(&["automations", "show", &id, "--json"]).await;
    assert_eq!(
        serde_json::from_slice::<Value>(&out.stdout).unwrap()["state"],
        "active"
    );
    s.sandbox.shutdown().await;
}

/// The process is killed (abort, as `kill -9`) at each step of a round; the next round loses nothing, and at
/// most the item in flight is delivered twice.
#[tokio::test]
async fn killed_at_every_step_nothing_is_lost() {
    let s = setup().await;
    let run = recorder(&s.out);
    add(
        &s.home,
        &[
            "--connection",
            &s.connection,
            "--on",
            "new-mail",
            "--run",
            &run,
        ],
    )
    .await;
    let points = [
        "automation-page-read",
        "write-half:state.json",
        "write-temp-written:state.json",
        "write-synced:state.json",
        "write-renamed:state.json",
        "automation-before-action",
        "automation-after-action",
        "automation-recorded",
    ];
    let mut expected: Vec<String> = Vec::new();
    for point in points {
        let before = lines(&s.out).len();
        let batch: Vec<String> = (0..3)
            .map(|i| {
                deliver(
                    &s.sandbox,
                    "ada@contoso.example",
                    &format!("{point} {i}"),
                    false,
                )
            })
            .collect();
        expected.extend(batch.iter().cloned());
        let (code, stderr) = run_once(&s.home, &[("PATCHBAY_FAULT", point)]).await;
        assert_ne!(code, Some(0), "{point}: the fault fired: {stderr}");
        let (code, stderr) = run_once(&s.home, &[]).await;
        assert_eq!(code, Some(0), "{point}: {stderr}");
        let got = lines(&s.out);
        let new: Vec<&String> = got[before..].iter().map(|(id, _)| id).collect();
        for id in &batch {
            let n = new.iter().filter(|x| **x == id).count();
            assert!(n >= 1, "{point}: {id} was lost ({new:?})");
        }
        assert!(
            new.len() <= batch.len() + 1,
            "{point}: more than the item in flight was repeated: {new:?}"
        );
    }
    let got = lines(&s.out);
    for id in &expected {
        assert!(got.iter().any(|(g, _)| g == id));
    }
    s.sandbox.shutdown().await;
}
