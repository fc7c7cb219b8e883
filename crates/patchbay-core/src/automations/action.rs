//! Delivering one item: run the command (its JSON on stdin, then stdin closed; the ids in its environment; no
//! shell unless the person wrote one), or POST the JSON. The token never reaches either: a command that needs one
//! runs `patchbay token`.

use super::{Action, Automation};
use crate::error::{ErrorCode, ErrorInfo};
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A command still running after this is killed, and the attempt fails.
const COMMAND_LIMIT: Duration = Duration::from_secs(10 * 60);
const POST_LIMIT: Duration = Duration::from_secs(30);
/// Lines of stderr kept in the history.
const STDERR_LINES: usize = 5;

/// How an attempt went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub ok: bool,
    pub exit_code: Option<i32>,
    pub http_status: Option<u16>,
    pub detail: Option<String>,
}

/// `--run 'PROGRAM ARG…'` split into words as a POSIX shell would, without running one.
pub fn split_run(text: &str) -> Result<Vec<String>, ErrorInfo> {
    let words = shell_words::split(text).map_err(|e| {
        ErrorInfo::new(
            ErrorCode::InvalidInput,
            format!("The command `{text}` cannot be split into words ({e})."),
            "Close its quotes, e.g. --run 'save-files --to \"My Files\"'.",
        )
    })?;
    if words.is_empty() {
        return Err(ErrorInfo::new(
            ErrorCode::InvalidInput,
            "The command is empty.",
            "Give a program and its arguments, e.g. --run 'notify-send New mail'.",
        ));
    }
    Ok(words)
}

/// A POST target: https anywhere, http only on this computer (the JSON is the person's mail).
pub fn check_post_url(text: &str) -> Result<url::Url, ErrorInfo> {
    let url = url::Url::parse(text).map_err(|e| {
        ErrorInfo::new(
            ErrorCode::InvalidInput,
            format!("\"{text}\" is not a URL ({e})."),
            "Give a full URL, e.g. http://127.0.0.1:8080/hook or https://example.com/hook.",
        )
    })?;
    match url.scheme() {
        _ if crate::net::is_https_or_loopback_http(&url) => Ok(url),
        "http" => Err(ErrorInfo::new(
            ErrorCode::InvalidInput,
            format!("{text} is plain http to another computer."),
            "Mail would cross the network unencrypted: use https, or http on this computer (127.0.0.1, localhost).",
        )),
        other => Err(ErrorInfo::new(
            ErrorCode::InvalidInput,
            format!("{other}: is not a scheme Patchbay posts to."),
            "Use https (or http on this computer).",
        )),
    }
}

fn tail(text: &str) -> Option<String> {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let start = lines.len().saturating_sub(STDERR_LINES);
    let kept = lines[start..].join("\n");
    // Kept as text a terminal or the window can show: no control characters (escape sequences) survive.
    (!kept.is_empty()).then(|| {
        kept.chars()
            .map(|c| {
                if c.is_control() && c != '\n' && c != '\t' {
                    '\u{fffd}'
                } else {
                    c
                }
            })
            .take(2000)
            .collect()
    })
}

/// Deliver `payload` (the item's JSON) by `automation`'s action.
pub async fn deliver(
    automation: &Automation,
    item_id: &str,
    payload: &serde_json::Value,
    http: &reqwest::Client,
) -> Outcome {
    match &automation.action {
        Action::Run { argv } => run(automation, item_id, argv, payload).await,
        Action::Post { url } => post(url, payload, http).await,
    }
}

async fn run(
    automation: &Automation,
    item_id: &str,
    argv: &[String],
    payload: &serde_json::Value,
) -> Outcome {
    let failed = |detail: String| Outcome {
        ok: false,
        exit_code: None,
        http_status: None,
        detail: Some(detail),
    };
    let Some((program, args)) = argv.split_first() else {
        return failed("The automation has no command.".into());
    };
    let mut child = match tokio::process::Command::new(program)
        .args(args)
        .env("PATCHBAY_AUTOMATION_ID", &automation.id)
        .env("PATCHBAY_CONNECTION_ID", &automation.connection_id)
        .env("PATCHBAY_ITEM_ID", item_id)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
    {
        Ok(c) => c,
        Err(e) => return failed(format!("{program} could not be started: {e}.")),
    };
    let mut stdin = child.stdin.take();
    let mut stderr = child.stderr.take();
    let json = payload.to_string();
    let work = async {
        if let Some(mut pipe) = stdin.take() {
            // A command that does not read its stdin closes it: that is its business, not a failure.
            let _ = pipe.write_all(json.as_bytes()).await;
            let _ = pipe.write_all(b"\n").await;
        }
        let mut err = String::new();
        if let Some(pipe) = stderr.as_mut() {
            let mut bytes = Vec::new();
            let _ = pipe.take(64 * 1024).read_to_end(&mut bytes).await;
            err = String::from_utf8_lossy(&bytes).into_owned();
        }
        (child.wait().await, err)
    };
    match tokio::time::timeout(COMMAND_LIMIT, work).await {
        Ok((Ok(status), err)) => Outcome {
            ok: status.success(),
            exit_code: status.code(),
            http_status: None,
            detail: tail(&err),
        },
        Ok((Err(e), _)) => failed(format!("{program} could not be waited for: {e}.")),
        Err(_) => failed(format!(
            "{program} was still running after {} minutes and was stopped.",
            COMMAND_LIMIT.as_secs() / 60
        )),
    }
}

async fn post(url: &str, payload: &serde_json::Value, http: &reqwest::Client) -> Outcome {
    let sent = http
        .post(url)
        .timeout(POST_LIMIT)
        .json(payload)
        .send()
        .await;
    match sent {
        Ok(response) => {
            let status = response.status();
            Outcome {
                ok: status.is_success(),
                exit_code: None,
                http_status: Some(status.as_u16()),
                detail: (!status.is_success())
                    .then(|| format!("{url} answered HTTP {}.", status.as_u16())),
            }
        }
        Err(e) => Outcome {
            ok: false,
            exit_code: None,
            http_status: None,
            detail: Some(format!(
                "{url} could not be reached: {}.",
                crate::oauth::discovery::describe_reqwest_error(&e)
            )),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_split_like_a_shell_and_posts_stay_safe() {
        assert_eq!(
            split_run("save --to 'My Files' \"a b\"").unwrap(),
            ["save", "--to", "My Files", "a b"]
        );
        assert_eq!(
            split_run("sh -c 'echo $X | tee f'").unwrap(),
            ["sh", "-c", "echo $X | tee f"]
        );
        assert!(split_run("x 'open").is_err());
        assert!(split_run("  ").is_err());
        assert!(check_post_url("http://127.0.0.1:9/hook").is_ok());
        assert!(check_post_url("http://[::1]:9/hook").is_ok());
        assert!(check_post_url("http://localhost/hook").is_ok());
        assert!(check_post_url("https://hooks.example.com/x").is_ok());
        assert!(check_post_url("http://hooks.example.com/x").is_err());
        assert!(check_post_url("ftp://127.0.0.1/x").is_err());
    }
}
