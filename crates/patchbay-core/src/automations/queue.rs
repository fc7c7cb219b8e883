//! An automation's durable state, `automations/<id>/state.json`: the delta cursor, the queue of items still to
//! deliver, and what was seen. Every change is one atomic write (temp file, fsync, rename), so the file is always
//! a state the engine was in, never half of one; and its history, one JSON line an attempt, in `history.jsonl`.
//!
//! The engine's part of the state knows no resource: the cursor, the queue, the ids seen (the newest
//! [`SEEN_KEEP`], as short hashes, for a source that fires each id once) and how the last round went. What a
//! trigger's own rule needs (mail's newest time, the calendar's events as last seen, a drive's files) is the
//! source's ([`super::source::SourceState`]), kept in the same file and the same atomic write.

use super::store::storage;
use crate::error::ErrorInfo;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use ts_rs::TS;

/// Ids remembered as seen.
pub const SEEN_KEEP: usize = 5_000;
const VERSION: u32 = 1;

/// What a save says when the automation was removed meanwhile.
fn removed() -> ErrorInfo {
    ErrorInfo::new(
        crate::error::ErrorCode::NotFound,
        "The automation was removed while it ran.",
        "Nothing of it is kept; its round stopped.",
    )
}

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
    /// Where its action puts its result, chosen (and saved) before it is written: an attachment's file name
    /// after a clash was avoided, so that a retry after a kill finds its own file there rather than making a
    /// second copy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
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
    /// Why the automation cannot run now (its connection needs Fix), in words.
    pub stopped: Option<String>,
    /// The last round's failure, in words (Graph unreachable, throttled…).
    pub last_error: Option<String>,
    /// RFC 3339: the last round that reached Graph.
    pub last_poll_at: Option<String>,
    /// The trigger's own state (see [`super::source::SourceState`]): its keys sit beside these in the file.
    #[serde(flatten)]
    pub source: serde_json::Map<String, serde_json::Value>,
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

    /// Save `state` (flushed to the disk). The automation's folder is never made again here: one removed
    /// meanwhile (Remove, while a round ran) stays removed, and this says so ([`Queue::removed`]).
    pub fn save(&self, state: &State) -> Result<(), ErrorInfo> {
        self.write(state, true)
    }

    fn write(&self, state: &State, sync: bool) -> Result<(), ErrorInfo> {
        let path = self.state_path();
        let bytes =
            serde_json::to_vec(state).map_err(|e| storage("write the queue of", &path, e))?;
        crate::store::write_atomic_existing(&self.dir, &path, &bytes, sync).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                removed()
            } else {
                storage("write the queue of", &path, e)
            }
        })
    }

    /// Whether the automation's folder is gone (it was removed).
    pub fn removed(&self) -> bool {
        !self.dir.is_dir()
    }

    /// Save a state that carries nothing new to deliver (an idle poll: the cursor and the time of the poll):
    /// atomic still, but not flushed to the disk. Lost in a power cut, the poll is only made again from the
    /// cursor before it, and what it returns was seen.
    pub fn save_quiet(&self, state: &State) -> Result<(), ErrorInfo> {
        self.write(state, false)
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

    /// Add an attempt to the history (mode 0600). Past 1 MiB the history is set aside as
    /// `history.jsonl.1` and a new one started: the newest attempts are kept, never without bound.
    pub fn record(&self, attempt: &Attempt) -> Result<(), ErrorInfo> {
        const HISTORY_LIMIT: u64 = 1 << 20;
        let path = self.dir.join("history.jsonl");
        let line = serde_json::to_string(attempt)
            .map_err(|e| storage("write the history of", &path, e))?;
        crate::store::journal::append(&path, &line, HISTORY_LIMIT).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                removed()
            } else {
                storage("write the history of", &path, e)
            }
        })
    }

    /// Every attempt kept, oldest first, across the history set aside (a torn line is skipped).
    pub fn history(&self) -> Result<Vec<Attempt>, ErrorInfo> {
        let path = self.dir.join("history.jsonl");
        Ok(crate::store::journal::read(&path)
            .map_err(|e| storage("read the history of", &path, e))?
            .iter()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seen_ids_are_bounded_and_the_source_keeps_its_own_keys() {
        let mut s = State::default();
        s.remember("a");
        assert!(s.has_seen("a"));
        for i in 0..(SEEN_KEEP + 10) {
            s.remember(&i.to_string());
        }
        assert_eq!(s.seen.len(), SEEN_KEEP);
        // A file written before sources had their own part reads back with its keys in the source's part.
        let old: State = serde_json::from_str(
            r#"{"version":1,"cursor":null,"baselined":true,"queue":[],"seen":[],"mark":5,"stopped":null,
                "last_error":null,"last_poll_at":null,"window":[1,2],"known":{},"pass":null}"#,
        )
        .unwrap();
        assert_eq!(old.source["mark"], 5);
        assert_eq!(old.source["window"], serde_json::json!([1, 2]));
        let again: serde_json::Value = serde_json::to_value(&old).unwrap();
        assert_eq!(again["mark"], 5);
    }
}
