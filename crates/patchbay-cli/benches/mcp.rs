//! `patchbay mcp`'s goals, measured on the real binary over stdio against the sandbox with latency L added to every
//! identity and Graph response:
//!
//!     cargo bench -p patchbay-cli --bench mcp [-- --latency-ms 100 --runs 9]
//!
//! Rows:
//! - start → `tools/list` answered: from spawning `patchbay mcp` to the answer of `tools/list` (after
//!   `initialize`). Goal ≤ 100 ms. Measured with L = 0 too: nothing on that path goes to Microsoft.
//! - each read tool with a valid token (`list_messages`, `search_mail`, `get_message`, `list_events`): median and
//!   worst wall time of `--runs` calls in one session, in ms and in multiples of L, and the Graph round trips per
//!   call (a `$batch` counts once). Goal ≤ 1 L + 10 ms and one round trip.
//! - the largest tool result (its JSON text, bytes) over every call made with default arguments and with the
//!   largest `top`. Goal ≤ 32 KiB.

#[path = "../tests/common/mod.rs"]
mod common;

use common::{connect_to, Home, ADELE};
use patchbay_sandbox::{Sandbox, SandboxOptions};
use serde_json::{json, Value};
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, ChildStdout};

struct Args {
    latency: Duration,
    runs: usize,
}

fn args() -> Args {
    let mut a = Args {
        latency: Duration::from_millis(100),
        runs: 9,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--latency-ms" => {
                a.latency = Duration::from_millis(it.next().unwrap().parse().unwrap())
            }
            "--runs" => a.runs = it.next().unwrap().parse().unwrap(),
            _ => {} // cargo bench passes --bench
        }
    }
    a
}

struct Session {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    next: u64,
}

impl Session {
    fn spawn(home: &Home) -> Session {
        let mut cmd = home.command(&["mcp"]);
        cmd.stdin(Stdio::piped()).stderr(Stdio::null());
        let mut child = cmd.spawn().unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        Session {
            child,
            stdin,
            stdout,
            next: 1,
        }
    }

    async fn ask(&mut self, method: &str, params: Value) -> Value {
        let id = self.next;
        self.next += 1;
        let line = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        self.stdin
            .write_all(format!("{line}\n").as_bytes())
            .await
            .unwrap();
        loop {
            let mut answer = String::new();
            self.stdout.read_line(&mut answer).await.unwrap();
            let v: Value = serde_json::from_str(&answer).unwrap();
            if v["id"] == id {
                return v;
            }
        }
    }

    async fn start(&mut self) {
        self.ask(
            "initialize",
            json!({"protocolVersion": "2025-06-18", "capabilities": {},
                   "clientInfo": {"name": "bench", "version": "1"}}),
        )
        .await;
        self.stdin
            .write_all(b"{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n")
            .await
            .unwrap();
    }

    async fn end(mut self) {
        drop(self.stdin);
        let _ = self.child.wait().await;
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn median(mut v: Vec<Duration>) -> (Duration, Duration) {
    v.sort();
    (v[v.len() / 2], *v.last().unwrap())
}

async fn start_to_list(home: &Home, runs: usize) -> (Duration, Duration) {
    let mut times = Vec::new();
    for _ in 0..runs {
        let t0 = Instant::now();
        let mut s = Session::spawn(home);
        s.start().await;
        let listed = s.ask("tools/list", json!({})).await;
        times.push(t0.elapsed());
        assert!(listed["result"]["tools"]
            .as_array()
            .is_some_and(|t| !t.is_empty()));
        s.end().await;
    }
    median(times)
}

#[tokio::main]
async fn main() {
    let a = args();
    let sandbox = Sandbox::start(SandboxOptions::default()).await.unwrap();
    let home = Home::new();
    connect_to(&home, &sandbox, ADELE).await;
    let control = sandbox.control();
    let l = ms(a.latency);
    println!("patchbay mcp, L = {l:.0} ms, {} runs", a.runs);

    let (med, worst) = start_to_list(&home, a.runs).await;
    println!(
        "start → tools/list answered (L = 0):     median {:6.1} ms  worst {:6.1} ms   goal ≤ 100 ms",
        ms(med),
        ms(worst)
    );
    control.set_latency(a.latency);
    let (med, worst) = start_to_list(&home, a.runs).await;
    println!(
        "start → tools/list answered (L = {l:.0} ms): median {:6.1} ms  worst {:6.1} ms   goal ≤ 100 ms",
        ms(med),
        ms(worst)
    );

    let mut s = Session::spawn(&home);
    s.start().await;
    // A warm-up: the connection pool, the vault opened, a message id to read.
    let first = s
        .ask(
            "tools/call",
            json!({"name": "list_messages", "arguments": {"top": 1}}),
        )
        .await;
    let id = first["result"]["structuredContent"]["messages"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let calls: Vec<(&str, Value)> = vec![
        ("list_messages", json!({})),
        ("search_mail", json!({"query": "review"})),
        ("get_message", json!({"id": id})),
        ("list_events", json!({})),
    ];
    let mut largest = 0usize;
    for (name, arguments) in &calls {
        let mut times = Vec::new();
        let before = control.stats().graph_requests;
        for _ in 0..a.runs {
            let t0 = Instant::now();
            let answer = s
                .ask("tools/call", json!({"name": name, "arguments": arguments}))
                .await;
            times.push(t0.elapsed());
            assert_eq!(answer["result"]["isError"], false, "{name}: {answer}");
            let text = answer["result"]["content"][0]["text"].as_str().unwrap();
            largest = largest.max(text.len());
        }
        let per_call = (control.stats().graph_requests - before) as f64 / a.runs as f64;
        let (med, worst) = median(times);
        let over = ms(med) - l;
        println!(
            "{name:<14} median {:6.1} ms ({:4.2} L, L + {over:5.1} ms)  worst {:6.1} ms  Graph round trips {per_call:.1}   goal ≤ 1 L + 10 ms, 1",
            ms(med),
            if l > 0.0 { ms(med) / l } else { 0.0 },
            ms(worst),
        );
    }
    control.set_latency(Duration::ZERO);
    for (name, arguments) in [
        ("list_messages", json!({"top": 50})),
        ("search_mail", json!({"query": "the", "top": 50})),
        (
            "list_messages",
            json!({"top": 50, "folder": "inbox", "unread_only": false}),
        ),
        (
            "list_events",
            json!({"end": (jiff::Timestamp::now() + jiff::SignedDuration::from_hours(24 * 60)).to_string()}),
        ),
    ] {
        let answer = s
            .ask("tools/call", json!({"name": name, "arguments": arguments}))
            .await;
        let text = answer["result"]["content"][0]["text"]
            .as_str()
            .unwrap_or("");
        largest = largest.max(text.len());
    }
    println!(
        "largest tool result: {largest} bytes ({:.1} KiB)   goal ≤ 32 KiB",
        largest as f64 / 1024.0
    );
    s.end().await;
    sandbox.shutdown().await;
}
