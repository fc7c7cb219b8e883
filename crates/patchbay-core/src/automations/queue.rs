//! An automation's durable state, `automations/<id>/state.json`: the delta cursor, the queue of items still to
//! deliver, and what was seen. Every change is one atomic write (temp file, fsync, rename), so the file is always
//! a state the engine was in, never half of one; and its history, one JSON line an attempt, in `history.jsonl`.
//!
//! What "seen" means, and why it is enough to fire each message once: every message id a round returns (queued,
//! filtered out, or there at creation) is remembered — the newest [`SEEN_KEEP`], as short hashes — together with
//! the newest `receivedDateTime` seen. A message fires only when its id was never seen and it was received after
//! that mark less a day. Graph's replays and changed messages (read, moved, flagged) have been seen; a resync after
//! a 410 returns the whole folder, whose old messages are behind the mark; mail that arrived in the gap is new on
//! both counts.

use super::store::storage;
use crate::error::ErrorInfo;
use crate::store::write_atomic;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use ts_rs::TS;

/// Ids remembered as seen.
pub const SEEN_KEEP: usize = 5_000;
/// How far before the newest message seen a message may be received and still count as new.
const MARGIN_SECS: i64 = 24 * 3600;
const VERSION: u32 = 1;

/// An item waiting for delivery.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pending {
    pub item_id: String,
    /// What makes this delivery one: the item id for mail; the id and the change for an event (each change of
    /// an event is delivered once). Empty in files written before events: the item id.
    #[serde(default)]
    pub key: String,
    pub subject: Option<String>,
    /// What the action is given: `{automation_id, connection_id, trigger, item}`.
    pub payload: serde_json::Value,
    /// Attempts so far.
    pub attempts: u32,
    /// When it may be tried (Unix seconds).
    pub next_at: i64,
    /// Tried [`super::MAX_ATTEMPTS`] times: waits for Retry.
    pub failed: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct State {
    pub version: u32,
    /// Where the next round starts: a deltaLink, or a nextLink when a round was cut short. `None`: from scratch.
    pub cursor: Option<String>,
    /// Whether the folder was read to its end once (at creation: what is there never fires).
    pub baselined: bool,
    pub queue: Vec<Pending>,
    /// Short hashes of the ids seen, oldest first.
    pub seen: VecDeque<String>,
    /// The newest `receivedDateTime` seen (Unix seconds).
    pub mark: i64,
    /// Why the automation cannot run now (its connection needs Fix), in words.
    pub stopped: Option<String>,
    /// The last round's failure, in words (Graph unreachable, throttled…).
    pub last_error: Option<String>,
    /// RFC 3339: the last round that reached Graph.
    pub last_poll_at: Option<String>,
    /// A calendar view's window (Unix seconds), which its cursor's tokens carry.
    #[serde(default)]
    pub window: Option<(i64, i64)>,
    /// The events of the window as last seen, by id (see [`super::calendar`]).
    #[serde(default)]
    pub known: std::collections::BTreeMap<String, Known>,
    /// The ids a pass from no cursor has returned so far: what is known and not among them when it ends was
    /// deleted meanwhile.
    #[serde(default)]
    pub pass: Option<Vec<String>>,
}

/// An event as last seen: its version, when it happens, and what its command was (or would be) given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Known {
    pub change_key: String,
    pub start: Option<i64>,
    pub end: Option<i64>,
    pub cancelled: bool,
    pub item: serde_json::Value,
}

impl Pending {
    /// What makes this delivery one (see [`Pending::key`]).
    pub fn key(&self) -> &str {
        if self.key.is_empty() {
            &self.item_id
        } else {
            &self.key
        }
    }
}

/// 48 bits of SHA-256: short enough to keep thousands, long enough that two ids of one folder never collide.
pub fn id_hash(id: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(id.as_bytes());
    digest[..6].iter().map(|b| format!("{b:02x}")).collect()
}

impl State {
    pub fn has_seen(&self, id: &str) -> bool {
        let h = id_hash(id);
        self.seen.contains(&h) || self.queue.iter().any(|p| p.item_id == id)
    }

    pub fn remember(&mut self, id: &str) {
        let h = id_hash(id);
        if !self.seen.contains(&h) {
            self.seen.push_back(h);
            while self.seen.len() > SEEN_KEEP {
                self.seen.pop_front();
            }
        }
    }

    /// Whether a message received at `received` (Unix seconds) that was never seen is new.
    pub fn is_new(&self, id: &str, received: Option<i64>) -> bool {
        !self.has_seen(id) && received.is_none_or(|r| r >= self.mark - MARGIN_SECS)
    }
}

/// One attempt at delivering an item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Attempt {
    pub item_id: String,
    pub subject: Option<String>,
    /// `delivered`, `retrying` or `failed`.
    pub outcome: String,
    pub attempt: u32,
    /// The command's exit status (`None`: killed by a signal, or a POST).
    pub exit_code: Option<i32>,
    /// The POST's HTTP status.
    pub http_status: Option<u16>,
    /// The last lines the command wrote on stderr, or why the POST failed.
    pub detail: Option<String>,
    /// RFC 3339.
    pub at: String,
}

/// The state and history of one automation, in its folder.
pub struct Queue {
    dir: PathBuf,
}

impl Queue {
    pub fn new(folder: &Path) -> Self {
        Self {
            dir: folder.to_path_buf(),
        }
    }

    fn state_path(&self) -> PathBuf {
        self.dir.join("state.json")
    }

    pub fn load(&self) -> Result<State, ErrorInfo> {
        let path = self.state_path();
        match std::fs::read(&path) {
            Ok(bytes) => {
                serde_json::from_slice(&bytes).map_err(|e| storage("read the queue of", &path, e))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(State {
                version: VERSION,
                ..State::default()
            }),
            Err(e) => Err(storage("read the queue of", &path, e)),
        }
    }

    pub fn save(&self, state: &State) -> Result<(), ErrorInfo> {
        let path = self.state_path();
        let bytes =
            serde_json::to_vec(state).map_err(|e| storage("write the queue of", &path, e))?;
        write_atomic(&self.dir, &path, &bytes).map_err(|e| storage("write the queue of", &path, e))
    }

    /// Save a state that carries nothing new to deliver (an idle poll: the cursor and the time of the poll):
    /// atomic still, but not flushed to the disk. Lost in a power cut, the poll is only made again from the
    /// cursor before it, and what it returns was seen.
    pub fn save_quiet(&self, state: &State) -> Result<(), ErrorInfo> {
        let path = self.state_path();
        let bytes =
            serde_json::to_vec(state).map_err(|e| storage("write the queue of", &path, e))?;
        crate::store::write_atomic_unsynced(&self.dir, &path, &bytes)
            .map_err(|e| storage("write the queue of", &path, e))
    }

    /// Hold this automation's engine lock (one process delivers its items at a time); `None` when another holds
    /// it now.
    pub fn try_lock(&self) -> Result<Option<std::fs::File>, ErrorInfo> {
        crate::store::ensure_private_dir(&self.dir)
            .map_err(|e| storage("create the folder of", &self.dir, e))?;
        let path = self.dir.join("lock");
        let file = crate::store::open_private_lock(&path).map_err(|e| storage("lock", &path, e))?;
        match file.try_lock() {
            Ok(()) => Ok(Some(file)),
            Err(std::fs::TryLockError::WouldBlock) => Ok(None),
            Err(std::fs::TryLockError::Error(e)) => Err(storage("lock", &path, e)),
        }
    }

    pub fn record(&self, attempt: &Attempt) -> Result<(), ErrorInfo> {
        let path = self.dir.join("history.jsonl");
        let mut line = serde_json::to_string(attempt)
            .map_err(|e| storage("write the history of", &path, e))?;
        line.push('\n');
        crate::store::open_private(&path, std::fs::OpenOptions::new().create(true).append(true))
            .and_then(|mut f| f.write_all(line.as_bytes()))
            .map_err(|e| storage("write the history of", &path, e))
    }

    /// Every attempt, oldest first (a torn last line is skipped).
    pub fn history(&self) -> Result<Vec<Attempt>, ErrorInfo> {
        let path = self.dir.join("history.jsonl");
        let file = match std::fs::File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(storage("read the history of", &path, e)),
        };
        Ok(std::io::BufReader::new(file)
            .lines()
            .map_while(Result::ok)
            .filter_map(|l| serde_json::from_str(&l).ok())
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seen_ids_and_the_mark_decide_what_is_new() {
        let mut s = State {
            mark: 1_000_000,
            ..State::default()
        };
        assert!(s.is_new("a", Some(1_000_100)));
        s.remember("a");
        assert!(!s.is_new("a", Some(1_000_100)), "seen");
        assert!(
            !s.is_new("b", Some(1_000_000 - MARGIN_SECS - 1)),
            "older than the mark"
        );
        assert!(
            s.is_new("b", Some(1_000_000 - 60)),
            "a little older: still new"
        );
        for i in 0..(SEEN_KEEP + 10) {
            s.remember(&i.to_string());
        }
        assert_eq!(s.seen.len(), SEEN_KEEP);
    }
}
