//! `patchbay mcp` driven by the official MCP Python SDK's stdio client (tests/mcp/client.py): a plan of calls
//! in, a report of the tools listed and each call's result out, with no token in any byte the server wrote.
//! Needs the SDK (`mcp` 2.x, in the Python `PATCHBAY_MCP_PYTHON` names, else `python3`): `scripts/test`
//! installs it.

use super::{text, token_in, Home, LIMIT};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::process::Stdio;
use tokio::io::AsyncWriteExt;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// What the server needs from this test's environment: its data folder, its keychain, the session bus, and
/// `extra`.
fn server_env(home: &Home, extra: &[(&str, &str)]) -> Value {
    let mut env = serde_json::Map::new();
    env.insert("PATCHBAY_DATA_DIR".into(), json!(home.data.path()));
    env.insert(
        "PATCHBAY_KEYCHAIN_SERVICE".into(),
        json!(home.keychain_service),
    );
    for key in [
        "DBUS_SESSION_BUS_ADDRESS",
        "XDG_RUNTIME_DIR",
        "HOME",
        "PATH",
    ] {
        if let Ok(v) = std::env::var(key) {
            env.insert(key.into(), json!(v));
        }
    }
    for (k, v) in extra {
        env.insert((*k).into(), json!(v));
    }
    Value::Object(env)
}

/// What the client reported.
pub struct Report {
    pub report: Value,
    /// Everything the server wrote on stderr.
    pub stderr: String,
}

impl Report {
    pub fn tools(&self) -> Vec<String> {
        self.report["tools"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap().to_string())
            .collect()
    }

    pub fn tool(&self, name: &str) -> &Value {
        self.report["tools"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == name)
            .unwrap_or_else(|| panic!("{name} is listed"))
    }

    pub fn result(&self, i: usize) -> &Value {
        &self.report["results"][i]
    }

    /// Call `i`'s structured result, after checking it succeeded.
    pub fn ok(&self, i: usize) -> &Value {
        let r = self.result(i);
        assert_eq!(r["is_error"], false, "call {i}: {r}");
        &r["structured"]
    }

    /// Call `i`'s words, after checking it failed.
    pub fn error(&self, i: usize) -> &str {
        let r = self.result(i);
        assert_eq!(r["is_error"], true, "call {i}: {r}");
        r["text"].as_str().unwrap()
    }
}

/// Run `patchbay mcp ARGS` under the SDK client (`mode` "auto" or "legacy") with `calls`, the server's
/// environment given `env` too; its report.
pub async fn drive(
    home: &Home,
    args: &[&str],
    env: &[(&str, &str)],
    mode: &str,
    calls: Value,
) -> Report {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let python = std::env::var("PATCHBAY_MCP_PYTHON").unwrap_or_else(|_| "python3".into());
    let stderr_file = home.data.path().join(format!(
        "mcp-stderr-{}.log",
        N.fetch_add(1, Ordering::SeqCst)
    ));
    let mut all_args = vec!["mcp"];
    all_args.extend_from_slice(args);
    let plan = json!({
        "command": env!("CARGO_BIN_EXE_patchbay"),
        "args": all_args,
        "env": server_env(home, env),
        "mode": mode,
        "calls": calls,
        "stderr": stderr_file,
    });
    let mut child = tokio::process::Command::new(&python)
        .arg(repo().join("tests/mcp/client.py"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| panic!("{python} did not start: {e}"));
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(plan.to_string().as_bytes()).await.unwrap();
    drop(stdin);
    let out = tokio::time::timeout(LIMIT * 2, child.wait_with_output())
        .await
        .expect("the client ends")
        .unwrap();
    let stderr = std::fs::read_to_string(&stderr_file).unwrap_or_default();
    assert!(
        out.status.success(),
        "the MCP Python SDK client failed (is the SDK installed? scripts/test installs it: pip install \
         mcp==2.3.0):\n{}\nserver stderr:\n{stderr}",
        text(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("report ({e}): {}", text(&out.stdout)));
    for (what, bytes) in [
        ("report", text(&out.stdout)),
        ("server stderr", stderr.clone()),
    ] {
        assert_eq!(token_in(&bytes), None, "a token in the {what}");
    }
    Report { report, stderr }
}
