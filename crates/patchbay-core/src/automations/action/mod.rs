//! Delivering one item: run the command (its JSON on stdin, then stdin closed; the ids in its environment; no
//! shell unless the person wrote one), or POST the JSON. The token never reaches either: a command that needs one
//! runs `patchbay token`.
//!
//! - [`words`]: `--run` split into words once, at add, as a shell would (and refused where a shell would drop
//!   words).
//! - [`command`]: running it in a process group of its own, its stderr read as it comes.
//! - [`post`]: the one HTTP client for POSTs (no redirects, no proxy for this computer), the URL checked at every
//!   delivery.

mod command;
pub mod post;
mod words;

pub use post::check_post_url;
pub use words::split_run;

use super::{Action, Automation};

/// How an attempt went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub ok: bool,
    pub exit_code: Option<i32>,
    pub http_status: Option<u16>,
    pub detail: Option<String>,
    /// A connection the action acts through needs a person (Fix), in words: the automation stops until then
    /// (the item stays queued, not counted as an attempt).
    pub stopped: Option<String>,
    /// Failed for good: not tried again until Retry (a send Graph did not confirm, which may have gone).
    pub settled: bool,
}

impl Outcome {
    pub(crate) fn failed(detail: String) -> Self {
        Outcome {
            ok: false,
            exit_code: None,
            http_status: None,
            detail: Some(detail),
            stopped: None,
            settled: false,
        }
    }
}

/// Deliver `payload` (the item's JSON) by `automation`'s action; a command also gets `env` (what its trigger
/// prepared: `PATCHBAY_LOCAL_PATH`). A POST goes through [`post::clients`], built for actions (no redirects, no
/// proxy for this computer).
pub async fn deliver(
    automation: &Automation,
    item_id: &str,
    payload: &serde_json::Value,
    env: &[(String, String)],
) -> Outcome {
    match &automation.action {
        Action::Run { argv } => command::run(automation, item_id, argv, payload, env).await,
        Action::Post { url } => post::post(url, payload).await,
        // Built-in actions are carried out by [`super::flows`], with the core they act through.
        _ => Outcome::failed("Patchbay's own actions are not run as a command.".into()),
    }
}

/// Characters of stderr kept in the history (the newest).
const TAIL_CHARS: usize = 2000;

/// The last lines of `text` (at most [`TAIL_CHARS`] of their newest characters), as text a terminal or the
/// window can show: no control characters (escape sequences) survive.
fn tail(text: &str, lines: usize) -> Option<String> {
    let kept: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let start = kept.len().saturating_sub(lines);
    let kept = kept[start..].join("\n");
    let chars: Vec<char> = kept
        .chars()
        .map(|c| {
            if c.is_control() && c != '\n' && c != '\t' {
                '\u{fffd}'
            } else {
                c
            }
        })
        .collect();
    let cut = chars.len().saturating_sub(TAIL_CHARS);
    let newest: String = chars[cut..].iter().collect();
    match (newest.is_empty(), cut > 0) {
        (true, _) => None,
        (false, true) => Some(format!("…{newest}")),
        (false, false) => Some(newest),
    }
}
