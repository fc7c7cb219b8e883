//! The `patchbay-sandbox` binary prints one JSON line and serves until SIGTERM.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[tokio::test]
async fn prints_its_urls_and_stops_on_sigterm() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_patchbay-sandbox"))
        .args(["--port", "0"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn the binary");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let info: serde_json::Value = serde_json::from_str(&line).expect("one JSON line");
    let base = info["base_url"].as_str().unwrap();
    assert!(base.starts_with("http://127.0.0.1:") && base.ends_with('/'));
    assert_eq!(info["authority"], format!("{base}organizations/v2.0"));
    assert_eq!(info["authority_template"], format!("{base}{{tenant}}/v2.0"));
    assert!(info["users"]
        .as_array()
        .unwrap()
        .iter()
        .any(|u| u[1] == "adele@contoso.example"));
    assert_eq!(info["graph_url"], format!("{base}graph"));
    // A test and demo tool: its control endpoints are on.
    assert_eq!(info["control"], true);
    let latency = reqwest::Client::new()
        .post(format!("{base}_sandbox/latency"))
        .json(&serde_json::json!({"ms": 0}))
        .send()
        .await
        .unwrap();
    assert_eq!(latency.status(), reqwest::StatusCode::OK);

    let doc: serde_json::Value = reqwest::get(format!(
        "{}/.well-known/openid-configuration",
        info["authority"].as_str().unwrap()
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert!(doc["issuer"]
        .as_str()
        .unwrap()
        .ends_with("/{tenantid}/v2.0"));

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = child.wait().unwrap();
    assert!(exit.success(), "{exit:?}");
}

#[test]
fn rejects_bad_arguments() {
    let out = Command::new(env!("CARGO_BIN_EXE_patchbay-sandbox"))
        .args(["--port", "banana"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
}

#[tokio::test]
async fn no_control_turns_the_control_endpoints_off() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_patchbay-sandbox"))
        .args(["--no-control"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn the binary");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let info: serde_json::Value = serde_json::from_str(&line).expect("one JSON line");
    assert_eq!(info["control"], false);
    let resp = reqwest::Client::new()
        .post(format!(
            "{}_sandbox/latency",
            info["base_url"].as_str().unwrap()
        ))
        .json(&serde_json::json!({"ms": 0}))
        .send()
        .await
        .unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(resp.status(), reqwest::StatusCode::NOT_FOUND);
}

/// Started by Patchbay's window with `--until-stdin-closes`: it ends when the window does, however the window
/// ends (its end of the pipe closes with it).
#[test]
fn it_ends_when_its_standard_input_closes() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_patchbay-sandbox"))
        .args(["--port", "0", "--no-control", "--until-stdin-closes"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn the binary");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let info: serde_json::Value = serde_json::from_str(&line).expect("one JSON line");
    assert_eq!(info["control"], false);
    assert!(child.try_wait().unwrap().is_none(), "it serves");
    drop(child.stdin.take());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "it still runs with its standard input closed"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert!(status.success(), "{status}");
}
