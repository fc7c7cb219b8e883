//! The harness of the CLI tests: the real `patchbay` binary, each test with its own data directory and keychain
//! entry, signing in against the sandbox the CLI starts in-process.
#![allow(dead_code)]

pub mod mcp;
pub mod mcp_client;

use patchbay_sandbox::{Sandbox, SandboxOptions};
use serde_json::Value;
use std::process::{Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdout};
use url::Url;

pub const ADELE: &str = "adele@contoso.example";
pub const LIMIT: Duration = Duration::from_secs(60);

/// One person's Patchbay: a data directory and a keychain entry no other test shares.
pub struct Home {
    pub data: tempfile::TempDir,
    pub keychain_service: String,
}

impl Home {
    pub fn new() -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::SeqCst);
        Self {
            data: tempfile::tempdir().unwrap(),
            keychain_service: format!("dev.patchbay.cli-test.{}.{n}", std::process::id()),
        }
    }

    pub fn command(&self, args: &[&str]) -> tokio::process::Command {
        let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_patchbay"));
        cmd.args(args)
            .env("PATCHBAY_DATA_DIR", self.data.path())
            .env("PATCHBAY_KEYCHAIN_SERVICE", &self.keychain_service)
            .env_remove("PATCHBAY_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        cmd
    }

    /// Run to the end.
    pub async fn run(&self, args: &[&str]) -> Output {
        tokio::time::timeout(LIMIT, self.command(args).output())
            .await
            .expect("patchbay ends")
            .unwrap()
    }

    pub async fn list(&self) -> Vec<Value> {
        let out = self.run(&["list", "--json"]).await;
        assert!(out.status.success(), "{}", text(&out.stderr));
        serde_json::from_slice::<Value>(&out.stdout)
            .unwrap()
            .as_array()
            .unwrap()
            .clone()
    }

    /// `patchbay connect --environment sandbox --no-browser …`, stopped at the authorization URL.
    pub async fn start_connect(&self, extra: &[&str], secret: Option<&str>) -> Connecting {
        self.start_connect_with(extra, secret, false, &[]).await
    }

    /// As [`Home::start_connect`]; `keep_stdin` leaves stdin open for the test to write to (`Connecting::stdin`),
    /// `env` adds environment variables.
    pub async fn start_connect_with(
        &self,
        extra: &[&str],
        secret: Option<&str>,
        keep_stdin: bool,
        env: &[(&str, &str)],
    ) -> Connecting {
        let mut args = vec![
            "connect",
            "--connector",
            "outlook365",
            "--environment",
            "sandbox",
            "--no-browser",
        ];
        args.extend_from_slice(extra);
        self.start_sign_in(&args, secret, keep_stdin, env).await
    }

    /// Run a command that signs in (`connect …`, `fix …` with `--no-browser`), stopped at the authorization URL
    /// it prints; `secret` is written to its stdin first.
    pub async fn start_sign_in(
        &self,
        args: &[&str],
        secret: Option<&str>,
        keep_stdin: bool,
        env: &[(&str, &str)],
    ) -> Connecting {
        let mut cmd = self.command(args);
        cmd.envs(env.iter().copied());
        if secret.is_some() || keep_stdin {
            cmd.stdin(Stdio::piped());
        }
        let mut child = cmd.spawn().unwrap();
        let mut stdin = child.stdin.take();
        if let Some(secret) = secret {
            let mut pipe = stdin.take().unwrap();
            pipe.write_all(format!("{secret}\n").as_bytes())
                .await
                .unwrap();
            if keep_stdin {
                stdin = Some(pipe);
            }
        }
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        tokio::time::timeout(LIMIT, stdout.read_line(&mut line))
            .await
            .expect("the URL line")
            .unwrap();
        let auth_url =
            Url::parse(line.trim_end()).unwrap_or_else(|e| panic!("not a URL ({e}): {line:?}"));
        Connecting {
            child,
            stdout,
            auth_url,
            stdin,
        }
    }
}

/// A `patchbay connect` waiting for the browser.
pub struct Connecting {
    pub child: Child,
    pub stdout: BufReader<ChildStdout>,
    pub auth_url: Url,
    pub stdin: Option<tokio::process::ChildStdin>,
}

pub struct Finished {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Connecting {
    /// Walk the sandbox's pages as `user`, then deliver the redirect to the CLI's loopback listener.
    pub async fn sign_in(&self, user: &str, accept: bool) {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let back = patchbay_sandbox::driver::sign_in(&http, &self.auth_url, user, accept)
            .await
            .unwrap();
        let response = http.get(back.clone()).send().await.unwrap();
        assert!(
            response.status().is_success(),
            "the listener answered {} to {back}",
            response.status()
        );
    }

    pub async fn finish(mut self) -> Finished {
        drop(self.stdin.take());
        let mut rest = String::new();
        tokio::time::timeout(LIMIT, self.stdout.read_to_string(&mut rest))
            .await
            .expect("stdout closes")
            .unwrap();
        let mut stderr = String::new();
        self.child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .await
            .unwrap();
        let status = tokio::time::timeout(LIMIT, self.child.wait())
            .await
            .expect("patchbay ends")
            .unwrap();
        Finished {
            code: status.code(),
            stdout: rest,
            stderr,
        }
    }
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The error line: the last line of stderr, and the only one that starts with `patchbay:`.
pub fn error_line(stderr: &str) -> String {
    let lines: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("patchbay:"))
        .collect();
    assert_eq!(lines.len(), 1, "one error line in {stderr:?}");
    assert_eq!(
        stderr.lines().last(),
        Some(lines[0]),
        "the error line comes last: {stderr:?}"
    );
    lines[0].to_string()
}

/// A sandbox this test owns, so its counters see the requests of every `patchbay` process.
pub async fn own_sandbox() -> Sandbox {
    Sandbox::start(SandboxOptions::default()).await.unwrap()
}

/// Connect (`--environment custom`) to `sandbox` as `user`; the new connection's id.
pub async fn connect_to(home: &Home, sandbox: &Sandbox, user: &str) -> String {
    let (summary, _) = connect_with(home, sandbox, user, &["--environment", "custom"]).await;
    summary["id"].as_str().unwrap().to_string()
}

/// Connect (`--environment custom`) to `sandbox` as `user` with `connector`; the new connection's id.
pub async fn connect_connector(
    home: &Home,
    sandbox: &Sandbox,
    user: &str,
    connector: &str,
) -> String {
    let (summary, _) =
        connect_as(home, sandbox, user, connector, &["--environment", "custom"]).await;
    summary["id"].as_str().unwrap().to_string()
}

/// `patchbay connect` to `sandbox`'s URLs with `extra` arguments, signed in as `user`: the new connection's
/// JSON summary and what the command said on stderr.
pub async fn connect_with(
    home: &Home,
    sandbox: &Sandbox,
    user: &str,
    extra: &[&str],
) -> (Value, String) {
    connect_as(home, sandbox, user, "outlook365", extra).await
}

/// [`connect_with`] for `connector`.
pub async fn connect_as(
    home: &Home,
    sandbox: &Sandbox,
    user: &str,
    connector: &str,
    extra: &[&str],
) -> (Value, String) {
    let authority = sandbox.authority("organizations").to_string();
    let graph = sandbox.graph_url().to_string();
    let mut args = vec!["connect", "--connector", connector];
    args.extend_from_slice(extra);
    args.extend([
        "--authority",
        &authority,
        "--graph-url",
        &graph,
        "--no-browser",
        "--json",
    ]);
    let connecting = home.start_sign_in(&args, None, false, &[]).await;
    connecting.sign_in(user, true).await;
    let done = connecting.finish().await;
    assert_eq!(done.code, Some(0), "{}", done.stderr);
    (serde_json::from_str(&done.stdout).unwrap(), done.stderr)
}

/// `patchbay connect --connector teams` at `graph_url` (the sandbox's, or a stand-in's), signed in at `sandbox`
/// as `user`, with `extra` arguments: the new connection's id.
pub async fn connect_teams_at(
    home: &Home,
    sandbox: &Sandbox,
    graph_url: &str,
    user: &str,
    extra: &[&str],
) -> String {
    let authority = sandbox.authority("organizations").to_string();
    let mut args = vec![
        "connect",
        "--connector",
        "teams",
        "--environment",
        "custom",
        "--authority",
        &authority,
        "--graph-url",
        graph_url,
        "--no-browser",
        "--json",
    ];
    args.extend_from_slice(extra);
    let connecting = home.start_sign_in(&args, None, false, &[]).await;
    connecting.sign_in(user, true).await;
    let done = connecting.finish().await;
    assert_eq!(done.code, Some(0), "{}", done.stderr);
    let v: Value = serde_json::from_str(&done.stdout).unwrap();
    v["id"].as_str().unwrap().to_string()
}

/// [`connect_teams_at`] the sandbox's own Graph.
pub async fn connect_teams(home: &Home, sandbox: &Sandbox, user: &str, extra: &[&str]) -> String {
    let graph = sandbox.graph_url().to_string();
    connect_teams_at(home, sandbox, &graph, user, extra).await
}

/// An administrator of the sandbox's tenant approves the built-in app for everyone (what Teams'
/// ChannelMessage.Read.All needs before a person can be granted it).
pub async fn admin_consent(sandbox: &Sandbox) {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut url = sandbox
        .base_url()
        .join("organizations/v2.0/adminconsent")
        .unwrap();
    url.query_pairs_mut()
        .append_pair("client_id", patchbay_sandbox::BUILT_IN_CLIENT_ID)
        .append_pair("redirect_uri", "http://localhost:53682/");
    let back = patchbay_sandbox::driver::sign_in(&http, &url, ADELE, true)
        .await
        .unwrap();
    assert!(
        back.query_pairs()
            .any(|(k, v)| k == "admin_consent" && v == "True"),
        "{back}"
    );
}

/// A token-shaped string, if the text holds one: a JWT (access or ID token) or a sandbox refresh token
/// (`1.A` and base64url).
pub fn token_in(text: &str) -> Option<String> {
    let b64 = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    for marker in ["eyJ", "1.A"] {
        for (at, _) in text.match_indices(marker) {
            let run: String = text[at + marker.len()..]
                .chars()
                .take_while(|c| b64(*c) || *c == '.')
                .collect();
            if run.len() >= 40 {
                return Some(format!("{marker}{}…", &run[..20]));
            }
        }
    }
    None
}

/// Every file under `dir`, read as bytes.
pub fn files_under(dir: &std::path::Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut found = vec![];
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(files_under(&path));
        } else {
            found.push((path.clone(), std::fs::read(&path).unwrap()));
        }
    }
    found
}

/// `patchbay automations add ARGS… --json`, which must succeed: the added automation's view.
pub async fn add_automation(home: &Home, args: &[&str]) -> Value {
    let mut all = vec!["automations", "add"];
    all.extend_from_slice(args);
    all.push("--json");
    let out = home.run(&all).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// A command for `--run` that appends `ITEM_ID<TAB>` and the item's JSON to `out` (and fails when `FAIL` is set).
pub fn recorder(out: &std::path::Path) -> String {
    format!(
        "sh -c 'printf \"%s\\t\" \"$PATCHBAY_ITEM_ID\" >> {0}; cat >> {0}; test -z \"$FAIL\"'",
        out.display()
    )
}

/// What [`recorder`] wrote: each item's id and JSON, in order.
pub fn recorded(out: &std::path::Path) -> Vec<(String, Value)> {
    std::fs::read_to_string(out)
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let (id, json) = l.split_once('\t').unwrap();
            (id.to_string(), serde_json::from_str(json).unwrap())
        })
        .collect()
}
