//! Running an automation's command: the item's JSON on stdin, the ids in its environment, in a process group of
//! its own.
//!
//! - Its stdin is written, its stderr read and its exit waited for all at once: a command that writes more
//!   than a pipe holds to stderr before it reads its stdin (or before it ends) never blocks on Patchbay. Only the
//!   last [`KEPT`] bytes of stderr are kept, for the history's last lines.
//! - The attempt ends when the command does. Whatever it started in the background (`sh -c 'job &'`) is in its
//!   process group and ends with it (SIGTERM), so a background child holding stderr open neither holds the
//!   attempt until the time limit nor makes it fail and run again. A program meant to outlive the command must
//!   leave the group itself (`setsid`).
//! - A command still running after [`COMMAND_LIMIT`] is killed with its whole group (SIGKILL), not only the
//!   program Patchbay started.

use super::super::Automation;
use super::{tail, Outcome};
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};

/// A command still running after this is killed, and the attempt fails.
const COMMAND_LIMIT: Duration = Duration::from_secs(10 * 60);
/// Once the command ended, how long what is left in its stderr may take to arrive (a program that left the
/// group may hold the pipe open for ever).
const DRAIN_LIMIT: Duration = Duration::from_secs(1);
/// Bytes of stderr kept (the newest).
const KEPT: usize = 64 * 1024;
/// Lines of stderr kept in the history.
const STDERR_LINES: usize = 5;

/// A process group that ends when this is dropped, however the attempt ended (its future dropped included).
struct Group {
    #[cfg(unix)]
    id: Option<rustix::process::Pid>,
}

/// How a group is ended: politely once its leader is done, at once when it ran too long.
#[derive(Clone, Copy)]
enum End {
    Term,
    Kill,
}

impl Group {
    /// The group `child` leads (it was spawned with a process group of its own: the group's id is its pid).
    /// Unix only: on Windows the child alone is ended (`kill_on_drop`).
    #[cfg_attr(not(unix), allow(unused_variables))]
    fn of(child: &tokio::process::Child) -> Self {
        Group {
            #[cfg(unix)]
            id: child
                .id()
                .and_then(|pid| rustix::process::Pid::from_raw(pid as i32)),
        }
    }

    fn end(&self, how: End) {
        #[cfg(unix)]
        if let Some(id) = self.id {
            let signal = match how {
                End::Term => rustix::process::Signal::TERM,
                End::Kill => rustix::process::Signal::KILL,
            };
            // ESRCH: the group is already empty.
            let _ = rustix::process::kill_process_group(id, signal);
        }
        #[cfg(not(unix))]
        let _ = how;
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        self.end(End::Kill);
    }
}

fn in_words(limit: Duration) -> String {
    match limit.as_secs() {
        s if s >= 60 => format!("{} minutes", s / 60),
        s => format!("{s} seconds"),
    }
}

/// The newest [`KEPT`] bytes a pipe carried until it closed, read as they come.
async fn read_tail(pipe: &mut (impl AsyncRead + Unpin), kept: &mut Vec<u8>) {
    let mut chunk = [0u8; 8192];
    loop {
        match pipe.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => {
                kept.extend_from_slice(&chunk[..n]);
                if kept.len() > 2 * KEPT {
                    kept.drain(..kept.len() - KEPT);
                }
            }
        }
    }
}

pub(super) async fn run(
    automation: &Automation,
    item_id: &str,
    argv: &[String],
    payload: &serde_json::Value,
    env: &[(String, String)],
) -> Outcome {
    run_limited(automation, item_id, argv, payload, env, COMMAND_LIMIT).await
}

async fn run_limited(
    automation: &Automation,
    item_id: &str,
    argv: &[String],
    payload: &serde_json::Value,
    env: &[(String, String)],
    limit: Duration,
) -> Outcome {
    let Some((program, args)) = argv.split_first() else {
        return Outcome::failed("The automation has no command.".into());
    };
    let mut command = tokio::process::Command::new(program);
    #[cfg(unix)]
    command.process_group(0);
    let mut child = match command
        .args(args)
        .env("PATCHBAY_AUTOMATION_ID", &automation.id)
        .env("PATCHBAY_CONNECTION_ID", &automation.connection_id)
        .env("PATCHBAY_ITEM_ID", item_id)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
    {
        Ok(c) => c,
        Err(e) => return Outcome::failed(format!("{program} could not be started: {e}.")),
    };
    let group = Group::of(&child);
    let stdin = child.stdin.take();
    let mut stderr = child.stderr.take();
    let json = payload.to_string();
    let mut kept = Vec::new();

    let mut feed = Box::pin(async move {
        if let Some(mut pipe) = stdin {
            // A command that does not read its stdin closes it: that is its business, not a failure.
            let _ = pipe.write_all(json.as_bytes()).await;
            let _ = pipe.write_all(b"\n").await;
        }
    });
    let mut read = Box::pin(async {
        if let Some(pipe) = stderr.as_mut() {
            read_tail(pipe, &mut kept).await;
        }
    });
    // The attempt lasts as long as the command: neither its stdin (held by something it started) nor its stderr
    // holds it longer.
    let (mut fed, mut read_done) = (false, false);
    let waited = tokio::time::timeout(limit, async {
        loop {
            tokio::select! {
                status = child.wait() => break status,
                () = &mut feed, if !fed => fed = true,
                () = &mut read, if !read_done => read_done = true,
            }
        }
    })
    .await;
    drop(feed);
    let status = match waited {
        Ok(status) => {
            // Done: what it left running ends too, and what is still in its stderr is read.
            group.end(End::Term);
            if !read_done {
                let _ = tokio::time::timeout(DRAIN_LIMIT, &mut read).await;
            }
            status
        }
        Err(_) => {
            group.end(End::Kill);
            let _ = child.wait().await;
            return Outcome::failed(format!(
                "{program} was still running after {} and was stopped, with everything it started.",
                in_words(limit)
            ));
        }
    };
    drop(group);
    drop(read);
    match status {
        Ok(status) => Outcome {
            stopped: None,
            settled: false,
            ok: status.success(),
            exit_code: status.code(),
            http_status: None,
            detail: tail(&String::from_utf8_lossy(&kept), STDERR_LINES),
        },
        Err(e) => Outcome::failed(format!("{program} could not be waited for: {e}.")),
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use crate::automations::{Action, Trigger};

    fn automation() -> Automation {
        Automation {
            id: "a1".into(),
            name: "test".into(),
            connection_id: "c1".into(),
            trigger: Trigger::EventChanged { days: 1 },
            action: Action::Run { argv: vec![] },
            paused: false,
            notify: false,
            poll_secs: 60,
            created_at: "2025-01-01T00:00:00Z".into(),
        }
    }

    fn sh(script: &str) -> Vec<String> {
        vec!["sh".into(), "-c".into(), script.into()]
    }

    /// Whether `pid` still runs (a zombie waiting for its reaper does not).
    fn running(pid: &str) -> bool {
        std::fs::read_to_string(format!("/proc/{}/stat", pid.trim())).is_ok_and(|stat| {
            stat.rsplit(')')
                .next()
                .is_some_and(|rest| !rest.trim_start().starts_with('Z'))
        })
    }

    /// Whether `pid` ends: a signalled process closes its files a moment before it is a zombie, so this
    /// looks for up to 10 s (it takes microseconds; a process left running stays for 1000 s).
    async fn ends(pid: &str) -> bool {
        for _ in 0..1000 {
            if !running(pid) {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        false
    }

    #[tokio::test]
    async fn a_command_that_writes_more_than_a_pipe_holds_to_stderr_ends_and_keeps_its_last_lines()
    {
        // A megabyte to stderr before it reads its stdin: neither pipe may wait on the other.
        let o = run(
            &automation(),
            "m1",
            &sh("head -c 1000000 /dev/zero | tr '\\0' x >&2; echo >&2; echo the last line >&2; cat >/dev/null"),
            &serde_json::json!({"subject": "x".repeat(200_000)}),
            &[],
        )
        .await;
        assert!(o.ok, "{o:?}");
        assert!(
            o.detail.as_deref().unwrap().ends_with("the last line"),
            "{o:?}"
        );
    }

    #[tokio::test]
    async fn a_background_child_holding_stderr_neither_holds_the_attempt_nor_outlives_it() {
        let dir = tempfile::tempdir().unwrap();
        let pid = dir.path().join("pid");
        let o = run(
            &automation(),
            "m1",
            &sh(&format!(
                "sleep 1000 & echo $! > '{}'; echo started >&2",
                pid.display()
            )),
            &serde_json::json!({}),
            &[],
        )
        .await;
        assert!(o.ok, "{o:?}");
        assert_eq!(o.detail.as_deref(), Some("started"));
        let pid = std::fs::read_to_string(&pid).unwrap();
        assert!(
            ends(&pid).await,
            "the background job ended with the command"
        );
    }

    #[tokio::test]
    async fn a_command_past_its_limit_is_stopped_with_everything_it_started() {
        let dir = tempfile::tempdir().unwrap();
        let pid = dir.path().join("pid");
        let o = run_limited(
            &automation(),
            "m1",
            &sh(&format!(
                "sleep 1000 & echo $! > '{}'; exec sleep 1000",
                pid.display()
            )),
            &serde_json::json!({}),
            &[],
            Duration::from_secs(1),
        )
        .await;
        assert!(!o.ok);
        assert_eq!(
            o.detail.as_deref(),
            Some(
                "sh was still running after 1 seconds and was stopped, with everything it started."
            )
        );
        let pid = std::fs::read_to_string(&pid).unwrap();
        assert!(ends(&pid).await, "its background job was killed too");
    }
}
