//! `patchbay mcp` as a process, driven by the official MCP Python SDK's stdio client (tests/mcp/client.py), by
//! the MCP Inspector's CLI mode, and by hand over raw stdio: the tools listed with and without the flags, each
//! tool against the sandbox (whose state shows what was written), a revoked connection, a missing permission,
//! and no token in any byte the server wrote.
//!
//! Needs the SDK (`mcp` 2.x, in the Python `PATCHBAY_MCP_PYTHON` names, else `python3`) and the Inspector
//! (`npm ci` in tests/mcp): `scripts/test` installs both.

mod common;

use common::mcp_client::{drive, repo, server_env};
use common::{connect_to, own_sandbox, text, token_in, Home, ADELE, LIMIT};
use serde_json::{json, Value};
use std::process::Stdio;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

const MEGAN: &str = "megan@contoso.example";

const READ_TOOLS: [&str; 5] = [
    "list_connections",
    "search_mail",
    "list_messages",
    "get_message",
    "list_events",
];

#[tokio::test]
async fn both_handshakes_list_the_read_tools_and_the_flags_add_the_writes() {
    let sandbox = own_sandbox().await;
    let home = Home::new();
    let id = connect_to(&home, &sandbox, ADELE).await;

    // The 2.x client probes with server/discover (2026-07-28).
    let modern = drive(&home, &[], "auto", json!([])).await;
    assert_eq!(modern.report["protocol_version"], "2026-07-28");
    assert_eq!(modern.report["server_name"], "patchbay");
    assert_eq!(modern.tools(), READ_TOOLS);
    for name in READ_TOOLS {
        let t = modern.tool(name);
        assert_eq!(t["annotations"]["readOnlyHint"], true, "{name}");
        assert_eq!(t["annotations"]["destructiveHint"], false, "{name}");
        assert!(
            t["output_schema"].is_object(),
            "{name} has an output schema"
        );
        // One connection served: `connection` may be left out.
        let required = t["input_schema"]["required"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert!(
            !required.contains(&json!("connection")),
            "{name}: {required:?}"
        );
    }
    for name in ["search_mail", "list_messages", "get_message"] {
        let d = modern.tool(name)["description"].as_str().unwrap();
        assert!(d.contains("not instructions"), "{name}: {d}");
    }
    assert!(modern.report["instructions"]
        .as_str()
        .unwrap()
        .contains("not instructions"));

    // The initialize handshake, with both flags.
    let legacy = drive(
        &home,
        &["--allow-write", "--allow-send"],
        "legacy",
        json!([]),
    )
    .await;
    assert_ne!(legacy.report["protocol_version"], "2026-07-28");
    assert_eq!(
        legacy.tools(),
        [
            "list_connections",
            "search_mail",
            "list_messages",
            "get_message",
            "list_events",
            "create_draft",
            "create_event",
            "send_mail"
        ]
    );
    for name in ["create_draft", "create_event"] {
        let a = &legacy.tool(name)["annotations"];
        assert_eq!(a["readOnlyHint"], false, "{name}");
        assert_eq!(a["destructiveHint"], false, "{name}");
    }
    assert_eq!(
        legacy.tool("send_mail")["annotations"]["destructiveHint"],
        true
    );
    assert_eq!(
        legacy.tool("send_mail")["annotations"]["readOnlyHint"],
        false
    );

    // --allow-write alone: drafts and events, no send; and an unlisted tool called anyway is refused in words.
    let write = drive(
        &home,
        &["--allow-write", "--connection", &id],
        "auto",
        json!([["send_mail", {"to": ["a@b.example"], "subject": "x", "body": "y"}]]),
    )
    .await;
    assert!(write.tools().contains(&"create_draft".to_string()));
    assert!(!write.tools().contains(&"send_mail".to_string()));
    assert_eq!(write.result(0)["is_error"], true);
    assert!(
        write.result(0)["text"]
            .as_str()
            .unwrap()
            .contains("not offered"),
        "{}",
        write.result(0)
    );
    assert!(sandbox
        .control()
        .mailbox_writes(ADELE)
        .unwrap()
        .sent
        .is_empty());
    sandbox.shutdown().await;
}

#[tokio::test]
async fn every_tool_works_against_the_sandbox_and_writes_are_recorded() {
    let sandbox = own_sandbox().await;
    let home = Home::new();
    let id = connect_to(&home, &sandbox, ADELE).await;
    let args = ["--allow-write", "--allow-send"];

    // First the reads, to learn an id and a subject word.
    let first = drive(
        &home,
        &args,
        "auto",
        json!([
            ["list_connections", {}],
            ["list_messages", {"top": 3}],
            ["list_messages", {"top": 500, "unread_only": true}],
            ["list_events", {}],
        ]),
    )
    .await;
    let connections = &first.result(0)["structured"]["connections"];
    assert_eq!(connections[0]["id"], id.as_str());
    assert_eq!(connections[0]["account"], ADELE);
    assert_eq!(connections[0]["status"], "healthy");
    assert_eq!(connections[0]["tools"].as_array().unwrap().len(), 8);

    let three = &first.result(1)["structured"]["messages"];
    assert_eq!(three.as_array().unwrap().len(), 3, "{}", first.result(1));
    let keys: Vec<&str> = three[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut want = vec![
        "from_address",
        "from_name",
        "has_attachments",
        "id",
        "is_read",
        "preview",
        "received",
        "subject",
        "web_link",
    ];
    want.sort();
    assert_eq!(keys, want);
    // The same JSON as text content.
    let as_text: Value = serde_json::from_str(first.result(1)["text"].as_str().unwrap()).unwrap();
    assert_eq!(as_text, first.result(1)["structured"]);
    // More than 50 is capped, not refused; unread only.
    let unread = first.result(2)["structured"]["messages"]
        .as_array()
        .unwrap();
    assert!(!unread.is_empty() && unread.len() <= 50);
    assert!(unread.iter().all(|m| m["is_read"] == false));
    // Times in the mailbox's zone (the demo users' default zones are not UTC).
    let received = three[0]["received"].as_str().unwrap();
    assert!(received.parse::<jiff::Timestamp>().is_ok(), "{received}");
    let events = &first.result(3)["structured"];
    assert!(events["time_zone"].is_string());
    assert!(!events["events"].as_array().unwrap().is_empty(), "{events}");

    let message_id = three[0]["id"].as_str().unwrap().to_string();
    let sender = three[0]["from_address"].as_str().unwrap().to_string();
    // Two words of its subject: with a space, Graph wants the query quoted (`$search="…"`), as the sandbox does.
    let mut words: Vec<String> = three[0]["subject"]
        .as_str()
        .unwrap()
        .split_whitespace()
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()).to_string())
        .filter(|w| w.len() > 2)
        .collect();
    words.sort_by_key(|w| std::cmp::Reverse(w.len()));
    words.truncate(2);
    let word = words.join(" ");
    let start = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(48);
    let end = start + jiff::SignedDuration::from_hours(1);

    let second = drive(
        &home,
        &args,
        "auto",
        json!([
            ["search_mail", {"query": word}],
            ["get_message", {"id": message_id, "max_chars": 40}],
            ["list_messages", {"from": sender}],
            ["create_draft", {"to": ["megan@contoso.example"], "subject": "Notes", "body": "Draft body SECRET-1"}],
            ["create_draft", {"to": [], "subject": "", "body": "Thanks!", "reply_to_id": message_id}],
            ["create_event", {"subject": "Planning", "start": start.to_string(), "end": end.to_string(),
                              "attendees": ["megan@contoso.example"], "location": "Room 1"}],
            ["send_mail", {"to": ["megan@contoso.example"], "cc": ["alex@contoso.example"], "subject": "Hi",
                           "body": "Sent body SECRET-2"}],
            ["send_mail", {"to": ["not an address"], "subject": "Hi", "body": "x"}],
            ["get_message", {"id": "AAMkNoSuchMessage"}],
        ]),
    )
    .await;
    let found = second.result(0)["structured"]["messages"]
        .as_array()
        .unwrap();
    assert!(
        found.iter().any(|m| m["id"] == message_id.as_str()),
        "search for {word:?}: {}",
        second.result(0)
    );
    let full = &second.result(1)["structured"];
    assert_eq!(full["id"], message_id.as_str());
    assert_eq!(full["truncated"], true);
    assert!(full["body_text"].as_str().unwrap().chars().count() <= 40);
    assert!(!full["body_text"].as_str().unwrap().contains('<'), "{full}");
    assert!(full["to"].as_array().is_some() && full["attachments"].as_array().is_some());
    let from = second.result(2)["structured"]["messages"]
        .as_array()
        .unwrap();
    assert!(!from.is_empty() && from.iter().all(|m| m["from_address"] == sender.as_str()));
    for i in [3, 4, 5] {
        assert_eq!(second.result(i)["is_error"], false, "{}", second.result(i));
        assert!(second.result(i)["structured"]["id"].is_string());
    }
    assert_eq!(second.result(6)["structured"], json!({"sent": true}));
    assert_eq!(second.result(7)["is_error"], true);
    assert!(second.result(7)["text"]
        .as_str()
        .unwrap()
        .contains("not an email address"));
    assert_eq!(second.result(8)["is_error"], true);

    // The sandbox holds what was written.
    let writes = sandbox.control().mailbox_writes(ADELE).unwrap();
    assert_eq!(writes.drafts.len(), 2);
    assert_eq!(writes.drafts[0]["to"], json!(["megan@contoso.example"]));
    assert_eq!(writes.drafts[1]["reply_to"], message_id.as_str());
    assert_eq!(writes.drafts[1]["to"], json!([sender]));
    assert_eq!(writes.events.len(), 1);
    assert_eq!(writes.events[0]["subject"], "Planning");
    assert_eq!(writes.sent.len(), 1);
    assert_eq!(writes.sent[0]["cc"], json!(["alex@contoso.example"]));

    // And the data folder's log records each write, its intent before it was made and then its outcome (two
    // lines of one id), never a body.
    let log = std::fs::read_to_string(home.data.path().join("agents/writes.jsonl")).unwrap();
    let lines: Vec<Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let mut records: Vec<Value> = Vec::new();
    for pair in lines.chunks(2) {
        assert_eq!(pair.len(), 2, "an intent and its outcome: {log}");
        assert_eq!(pair[0]["id"], pair[1]["id"]);
        assert_eq!(pair[0]["unfinished"], true, "the intent comes first");
        assert_eq!(pair[1]["unfinished"], false);
        records.push(pair[1].clone());
    }
    assert_eq!(records[3]["sends"], true);
    assert_eq!(
        records[2]["sends"], true,
        "an event with attendees sends invitations"
    );
    assert_eq!(records[0]["sends"], false);
    let tools: Vec<&str> = records
        .iter()
        .map(|r| r["tool"].as_str().unwrap())
        .collect();
    assert_eq!(
        tools,
        [
            "create_draft",
            "create_draft",
            "create_event",
            "send_mail",
            "send_mail"
        ]
    );
    assert_eq!(records[2]["event_subject"], "Planning");
    assert_eq!(
        records[3]["recipients"],
        json!(["megan@contoso.example", "alex@contoso.example"])
    );
    assert_eq!(records[3]["ok"], true);
    assert_eq!(records[4]["ok"], false);
    assert!(!log.contains("SECRET-") && !log.contains("body"), "{log}");
    // Results stay small.
    for r in second.report["results"].as_array().unwrap() {
        assert!(r["text"].as_str().unwrap().len() <= 32 * 1024);
    }
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_revoked_connection_and_a_missing_permission_say_what_to_do() {
    let sandbox = own_sandbox().await;
    let home = Home::new();
    let adele = connect_to(&home, &sandbox, ADELE).await;
    let client_id = home.list().await[0]["client_id"]
        .as_str()
        .unwrap()
        .to_string();
    sandbox
        .control()
        .deny_scopes(
            &client_id,
            vec![
                "Mail.Send".into(),
                "Calendars.Read".into(),
                "Calendars.ReadWrite".into(),
            ],
        )
        .unwrap();
    let megan = connect_to(&home, &sandbox, MEGAN).await;
    // Revoked (the access token Patchbay holds expired too, so the next call must refresh).
    sandbox.control().revoke_user(ADELE).unwrap();
    sandbox.control().expire_access_tokens(Some(ADELE)).unwrap();

    // Megan alone: no calendar, no send, whatever the flags.
    let only_megan = drive(
        &home,
        &["--connection", MEGAN, "--allow-send", "--allow-write"],
        "auto",
        json!([]),
    )
    .await;
    assert_eq!(
        only_megan.tools(),
        [
            "list_connections",
            "search_mail",
            "list_messages",
            "get_message",
            "create_draft"
        ]
    );

    // Both: every tool is listed (Adele's connection carries them), `connection` is required, and each call says
    // what is wrong with the one it names.
    let both = drive(
        &home,
        &["--allow-send"],
        "auto",
        json!([
            ["send_mail", {"connection": megan, "to": ["a@contoso.example"], "subject": "x", "body": "y"}],
            ["list_messages", {"connection": adele}],
            ["list_messages", {}],
            ["list_messages", {"connection": "Nobody"}],
        ]),
    )
    .await;
    assert!(both.tools().contains(&"send_mail".to_string()));
    let required = both.tool("list_messages")["input_schema"]["required"].clone();
    assert!(
        required.as_array().unwrap().contains(&json!("connection")),
        "{required}"
    );
    let missing = both.result(0)["text"].as_str().unwrap();
    assert_eq!(both.result(0)["is_error"], true);
    assert!(missing.contains("Mail.Send"), "{missing}");
    let revoked = both.result(1)["text"].as_str().unwrap();
    assert_eq!(both.result(1)["is_error"], true);
    assert!(
        revoked.contains("open Patchbay and choose Fix"),
        "{revoked}"
    );
    assert!(both.result(2)["text"]
        .as_str()
        .unwrap()
        .contains("say which"));
    assert!(both.result(3)["text"].as_str().unwrap().contains("Nobody"));
    assert!(sandbox
        .control()
        .mailbox_writes(MEGAN)
        .unwrap()
        .sent
        .is_empty());
    assert_eq!(token_in(&both.stderr), None);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn throttling_is_waited_out_and_a_long_wait_says_how_long() {
    let sandbox = own_sandbox().await;
    let home = Home::new();
    connect_to(&home, &sandbox, ADELE).await;
    // One 429 with Retry-After: 1 is waited out: the call succeeds.
    sandbox.control().fail_next(429, 1, Some(1)).unwrap();
    let short = drive(&home, &[], "auto", json!([["list_messages", {"top": 1}]])).await;
    assert_eq!(short.result(0)["is_error"], false, "{}", short.result(0));
    // Microsoft asks for two minutes: more than a tool call waits, so the assistant is told how long.
    sandbox.control().fail_next(429, 5, Some(120)).unwrap();
    let long = drive(&home, &[], "auto", json!([["list_messages", {"top": 1}]])).await;
    assert_eq!(long.result(0)["is_error"], true);
    let words = long.result(0)["text"].as_str().unwrap();
    assert!(words.contains("120 s"), "{words}");
    sandbox.control().fail_next(429, 0, None).unwrap();
    sandbox.shutdown().await;
}

/// A JSON-RPC session by hand: every line on stdout is a JSON-RPC message, and no byte on either stream is a token.
#[tokio::test]
async fn stdout_carries_only_protocol_messages_and_no_token() {
    let sandbox = own_sandbox().await;
    let home = Home::new();
    connect_to(&home, &sandbox, ADELE).await;
    let mut cmd = home.command(&["mcp"]);
    cmd.stdin(Stdio::piped()).env("PATCHBAY_LOG", "debug");
    let mut child = cmd.spawn().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let lines = [
        json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}),
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
        json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}),
        json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"name": "list_messages", "arguments": {"top": 2}}}),
        json!({"jsonrpc": "2.0", "id": 4, "method": "tools/call", "params": {"name": "get_message", "arguments": {"id": "nope"}}}),
    ];
    let mut seen = Vec::new();
    for line in &lines {
        stdin
            .write_all(format!("{line}\n").as_bytes())
            .await
            .unwrap();
        if line.get("id").is_none() {
            continue;
        }
        let mut answer = String::new();
        tokio::time::timeout(LIMIT, stdout.read_line(&mut answer))
            .await
            .expect("an answer")
            .unwrap();
        seen.push(answer);
    }
    drop(stdin);
    let mut rest = String::new();
    tokio::io::AsyncReadExt::read_to_string(&mut stdout, &mut rest)
        .await
        .unwrap();
    let out = child.wait_with_output().await.unwrap();
    let all_stdout = format!("{}{rest}", seen.concat());
    for line in all_stdout.lines() {
        let v: Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        assert_eq!(v["jsonrpc"], "2.0", "{line}");
    }
    let answers: Vec<Value> = seen
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(answers[1]["id"], 2);
    assert_eq!(
        answers[2]["result"]["structuredContent"]["messages"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(answers[3]["result"]["isError"], true);
    let stderr = text(&out.stderr);
    assert!(!stderr.is_empty(), "debug logs go to stderr");
    assert_eq!(token_in(&all_stdout), None);
    assert_eq!(token_in(&stderr), None);
    sandbox.shutdown().await;
}

/// The MCP Inspector's CLI mode lists the tools and calls one.
#[tokio::test]
async fn the_inspector_cli_lists_and_calls() {
    let sandbox = own_sandbox().await;
    let home = Home::new();
    connect_to(&home, &sandbox, ADELE).await;
    let inspector = repo().join("tests/mcp/node_modules/.bin/mcp-inspector");
    assert!(
        inspector.exists(),
        "no MCP Inspector at {} (scripts/test runs npm ci in tests/mcp)",
        inspector.display()
    );
    let env = server_env(&home);
    let run = |extra: Vec<&'static str>| {
        let mut cmd = tokio::process::Command::new(&inspector);
        cmd.arg("--cli");
        for (k, v) in env.as_object().unwrap() {
            cmd.arg("-e").arg(format!("{k}={}", v.as_str().unwrap()));
        }
        cmd.arg(env!("CARGO_BIN_EXE_patchbay"))
            .arg("mcp")
            .args(extra)
            .env("HOME", home.data.path())
            .stdin(Stdio::null())
            .kill_on_drop(true);
        cmd
    };
    let out = tokio::time::timeout(LIMIT, run(vec!["--method", "tools/list"]).output())
        .await
        .expect("the inspector ends")
        .unwrap();
    assert!(
        out.status.success(),
        "{}\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let listed: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", text(&out.stdout)));
    let names: Vec<&str> = listed["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, READ_TOOLS);
    let out = tokio::time::timeout(
        LIMIT,
        run(vec![
            "--method",
            "tools/call",
            "--tool-name",
            "list_messages",
            "--tool-arg",
            "top=1",
        ])
        .output(),
    )
    .await
    .expect("the inspector ends")
    .unwrap();
    assert!(
        out.status.success(),
        "{}\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let called: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        called["structuredContent"]["messages"]
            .as_array()
            .unwrap()
            .len(),
        1,
        "{called}"
    );
    sandbox.shutdown().await;
}

/// An event with attendees is mail (Exchange sends the invitations at once): under `--allow-write` alone it is
/// refused, in words, and nothing reaches the calendar; without attendees it is made.
#[tokio::test]
async fn invitations_are_mail_and_need_allow_send() {
    let sandbox = own_sandbox().await;
    let home = Home::new();
    connect_to(&home, &sandbox, ADELE).await;
    let start = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(48);
    let end = start + jiff::SignedDuration::from_hours(1);
    let report = drive(
        &home,
        &["--allow-write"],
        "auto",
        json!([
            ["create_event", {"subject": "Sync", "start": start.to_string(), "end": end.to_string(),
                              "attendees": ["audit@evil.example"], "body": "the last invoices"}],
            ["create_event", {"subject": "Focus", "start": start.to_string(), "end": end.to_string()}],
        ]),
    )
    .await;
    assert_eq!(report.result(0)["is_error"], true);
    let words = report.result(0)["text"].as_str().unwrap();
    assert!(
        words.contains("--allow-send") && words.contains("invitation"),
        "{words}"
    );
    assert_eq!(report.result(1)["is_error"], false, "{}", report.result(1));
    let writes = sandbox.control().mailbox_writes(ADELE).unwrap();
    assert_eq!(writes.events.len(), 1);
    assert_eq!(writes.events[0]["subject"], "Focus");
    sandbox.shutdown().await;
}
