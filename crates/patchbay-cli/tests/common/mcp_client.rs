//! The official MCP Python SDK's stdio client (tests/mcp/client.py) driving `patchbay mcp`, as an assistant
//! would: a plan of calls in, a report of the tools listed and each call's result out, and no token in any byte
//! the server wrote. Needs the SDK (`mcp` 2.x, in the Python `PATCHBAY_MCP_PYTHON` names, else `python3`):
//! `scripts/test` installs it.

use super::{text, token_in, Home, LIMIT};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::process::Stdio;
use tokio::io::AsyncWriteExt;

/// The repository's root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// What the server needs from this test's environment: its data folder, its keychain, the session bus.
pub fn server_env(home: &Home) -> Value {
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
    Value::Object(env)
}

/// What the client saw: `report` as tests/mcp/client.py prints it.
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
}

/// Run the SDK client with `args` and `calls`; its report.
pub async fn drive(home: &Home, args: &[&str], mode: &str, calls: Value) -> Report {
    let python = std::env::var("PATCHBAY_MCP_PYTHON").unwrap_or_else(|_| "python3".into());
    let stderr_file = home.data.path().join(format!("mcp-stderr-{}.log", uuid()));
    let mut all_args = vec!["mcp"];
    all_args.extend_from_slice(args);
    let plan = json!({
        "command": env!("CARGO_BIN_EXE_patchbay"),
        "args": all_args,
        "env": server_env(home),
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

fn uuid() -> String {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    N.fetch_add(1, Ordering::SeqCst).to_string()
}
