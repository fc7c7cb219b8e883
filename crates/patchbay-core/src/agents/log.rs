//! The record of what assistants wrote and sent: one JSON line per draft, event, mail, file or link (time,
//! connection, tool, recipients or the event's subject, the file or folder, and whether it worked), in
//! `agents/writes.jsonl` in the data folder, so the window can show a person what their assistant did in their
//! name. Never a body, never a file's content, never a token: what was said stays in the mailbox, where it belongs.
//!
//! What may not be lost is not: the intent is written (and flushed) before Graph is asked, and a write that cannot
//! be recorded is not made ([`WriteLog::intend`]); the outcome follows as a second line of the same `id` (a record
//! with only its intent reads as unfinished: the call may or may not have gone through). Only values already
//! bounded are written: at most [`MAX_RECIPIENTS`] recipients of at most [`MAX_VALUE`] characters, a subject cut
//! the same way — a refused call with a megabyte of "address" costs a line, not the log.
//!
//! Several `patchbay mcp` processes may write at once (one per assistant): each append and each trim happens under
//! an exclusive lock on `agents/writes.lock`. When the file grows past [`TRIM_AT`], every record of something that
//! left for other people (a mail, an invitation, a link) is kept, and of the rest the newest (at most [`KEEP`], half
//! that size); they are written to a temporary file renamed over the old one, so a crash mid-trim leaves the old
//! file whole.

use crate::error::{ErrorCode, ErrorInfo};
use serde::{Deserialize, Serialize};
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use ts_rs::TS;

/// Records kept after a trim (besides those of sends, which are all kept).
pub const KEEP: usize = 1_000;
/// The most recipients a record names (Graph takes at most 500 on a message); more are counted.
pub const MAX_RECIPIENTS: usize = 500;
/// The most characters of a recipient or a subject kept (an address is at most 320).
pub const MAX_VALUE: usize = 320;
/// The file is trimmed when it grows past this size.
const TRIM_AT: u64 = 1024 * 1024;

/// One write or send by an assistant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct WriteRecord {
    /// Names the write: its intent and its outcome are two lines of one id.
    #[serde(default)]
    pub id: String,
    /// RFC 3339, UTC.
    pub at: String,
    pub connection_id: String,
    pub connection_name: String,
    /// `create_draft`, `create_event`, `send_mail`, `upload_file`, `create_folder` or `share_link`.
    pub tool: String,
    /// The addresses a draft or a mail was for (to, then cc); an event's attendees; who a sharing link lets in.
    pub recipients: Vec<String>,
    /// An event's subject (a mail's subject is not kept: it is content).
    pub event_subject: Option<String>,
    /// The file or folder a file tool wrote or shared: its path in the drive (an upload's local file first).
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item: Option<String>,
    /// Whether Microsoft took it.
    pub ok: bool,
    /// Why not, in a sentence, when it failed.
    pub error: Option<String>,
    /// Something left for other people (a mail, an invitation, a sharing link): kept whatever the log's size.
    #[serde(default)]
    pub sends: bool,
    /// Only the intent was recorded: the process ended before Graph answered (it may or may not have gone
    /// through).
    #[serde(default)]
    pub unfinished: bool,
}

/// `text` as a record keeps it: at most [`MAX_VALUE`] characters, no control characters.
fn bounded(text: &str) -> String {
    let clean: String = text
        .trim()
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    match clean.char_indices().nth(MAX_VALUE) {
        Some((at, _)) => format!("{}…", &clean[..at]),
        None => clean,
    }
}

/// Recipients as a record keeps them: at most [`MAX_RECIPIENTS`], each bounded, the rest counted.
pub fn bounded_recipients(list: &[String]) -> Vec<String> {
    let mut kept: Vec<String> = list
        .iter()
        .take(MAX_RECIPIENTS)
        .map(|r| bounded(r))
        .collect();
    if list.len() > MAX_RECIPIENTS {
        kept.push(format!("(and {} more)", list.len() - MAX_RECIPIENTS));
    }
    kept
}

/// A write recorded before it is made: [`Intent::finish`] records how it went.
#[must_use = "a write's outcome must be recorded"]
pub struct Intent<'a> {
    log: &'a WriteLog,
    record: WriteRecord,
}

impl Intent<'_> {
    /// Record the outcome (the write was made, or not, either way: a failure to record it is logged).
    pub fn finish<T>(self, outcome: &Result<T, ErrorInfo>) {
        let mut record = self.record;
        record.at = crate::clock::now_rfc3339();
        record.ok = outcome.is_ok();
        record.error = outcome.as_ref().err().map(|e| bounded(&e.title));
        record.unfinished = false;
        if let Err(e) = self.log.append(&record) {
            tracing::warn!("{}", e.one_line());
        }
    }
}

/// Whether the file's last byte is not a newline (an empty file is finished).
fn ends_unfinished(file: &mut File) -> bool {
    use std::io::{Read, Seek, SeekFrom};
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    if len == 0 || file.seek(SeekFrom::Start(len - 1)).is_err() {
        return false;
    }
    let mut last = [0u8; 1];
    file.read_exact(&mut last).is_ok() && last[0] != b'\n'
}

/// The log in a data folder.
pub struct WriteLog {
    dir: PathBuf,
}

fn storage(what: &str, path: &Path, e: impl std::fmt::Display) -> ErrorInfo {
    ErrorInfo::new(
        ErrorCode::Storage,
        format!("Patchbay could not {what} the record of assistants' writes."),
        format!(
            "Check that {} is writable by you and the disk is not full ({e}).",
            path.display()
        ),
    )
}

impl WriteLog {
    pub fn new(data_dir: &Path) -> Self {
        Self {
            dir: data_dir.join("agents"),
        }
    }

    pub fn path(&self) -> PathBuf {
        self.dir.join("writes.jsonl")
    }

    fn lock(&self) -> Result<File, ErrorInfo> {
        crate::store::ensure_private_dir(&self.dir).map_err(|e| storage("create", &self.dir, e))?;
        let path = self.dir.join("writes.lock");
        let file = crate::store::open_private_lock(&path)
            .map_err(|e| storage("open the lock of", &path, e))?;
        file.lock().map_err(|e| storage("lock", &path, e))?;
        Ok(file)
    }

    /// Record that `tool` is about to write through `connection` (to `recipients`, or an event called
    /// `subject`), before anything is asked of Graph. `Err` when it cannot be recorded: then the write must not
    /// be made.
    pub fn intend(
        &self,
        connection: &crate::model::ConnectionSummary,
        tool: &str,
        recipients: &[String],
        subject: Option<&str>,
        sends: bool,
    ) -> Result<Intent<'_>, ErrorInfo> {
        self.begin(connection, tool, recipients, subject, None, sends)
    }

    /// As [`WriteLog::intend`], for a file tool about to write or share `item` (the file or folder, named as the
    /// record keeps it), for `recipients` (who a link lets in).
    pub fn intend_item(
        &self,
        connection: &crate::model::ConnectionSummary,
        tool: &str,
        item: &str,
        recipients: &[String],
        sends: bool,
    ) -> Result<Intent<'_>, ErrorInfo> {
        self.begin(connection, tool, recipients, None, Some(item), sends)
    }

    fn begin(
        &self,
        connection: &crate::model::ConnectionSummary,
        tool: &str,
        recipients: &[String],
        subject: Option<&str>,
        item: Option<&str>,
        sends: bool,
    ) -> Result<Intent<'_>, ErrorInfo> {
        let record = WriteRecord {
            id: uuid::Uuid::new_v4().to_string(),
            at: crate::clock::now_rfc3339(),
            connection_id: connection.info.id.clone(),
            connection_name: bounded(&connection.info.name),
            tool: tool.to_string(),
            recipients: bounded_recipients(recipients),
            event_subject: subject.map(bounded),
            item: item.map(bounded),
            ok: false,
            error: None,
            sends,
            unfinished: true,
        };
        self.append(&record).map_err(|e| {
            ErrorInfo::new(
                e.code,
                format!("{tool} was not done: Patchbay could not record it first."),
                e.message.clone(),
            )
        })?;
        Ok(Intent { log: self, record })
    }

    /// Add a record (and trim the file when it has grown too long).
    pub fn append(&self, record: &WriteRecord) -> Result<(), ErrorInfo> {
        let _lock = self.lock()?;
        let path = self.path();
        let mut line = serde_json::to_string(record).map_err(|e| storage("write", &path, e))?;
        line.push('\n');
        let mut file = crate::store::open_private(
            &path,
            OpenOptions::new().create(true).append(true).read(true),
        )
        .map_err(|e| storage("open", &path, e))?;
        // A line torn by a crash is ended first, so it costs only itself and not this record too.
        if ends_unfinished(&mut file) {
            line.insert(0, '\n');
        }
        file.write_all(line.as_bytes())
            .and_then(|()| file.sync_data())
            .map_err(|e| storage("write", &path, e))?;
        let size = file.metadata().map(|m| m.len()).unwrap_or(0);
        if size > TRIM_AT {
            // Every send; of the rest the newest, at most KEEP of them and half the limit in size, so trims are
            // rare.
            let all = self.read_all()?;
            let mut kept: Vec<String> = Vec::new();
            let mut size = 0u64;
            let mut others = 0usize;
            for r in all.iter().rev() {
                let mut l = serde_json::to_string(r).map_err(|e| storage("trim", &path, e))?;
                l.push('\n');
                if !r.sends {
                    if others >= KEEP || size + l.len() as u64 > TRIM_AT / 2 {
                        continue;
                    }
                    others += 1;
                    size += l.len() as u64;
                }
                kept.push(l);
            }
            let mut tmp = tempfile::NamedTempFile::new_in(&self.dir)
                .map_err(|e| storage("trim", &path, e))?;
            for l in kept.iter().rev() {
                tmp.write_all(l.as_bytes())
                    .map_err(|e| storage("trim", &path, e))?;
            }
            tmp.as_file()
                .sync_data()
                .map_err(|e| storage("trim", &path, e))?;
            tmp.persist(&path).map_err(|e| storage("trim", &path, e))?;
        }
        Ok(())
    }

    fn read_all(&self) -> Result<Vec<WriteRecord>, ErrorInfo> {
        let path = self.path();
        let file = match File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(storage("read", &path, e)),
        };
        // A line that does not parse (a torn write from a crash, an edit by hand) is skipped, not fatal.
        Ok(BufReader::new(file)
            .lines()
            .map_while(Result::ok)
            .filter_map(|l| serde_json::from_str(&l).ok())
            .collect())
    }

    /// The newest `limit` writes, newest first (each as its last line says: its outcome, or its intent alone);
    /// only `connection_id`'s when given.
    pub fn recent(
        &self,
        connection_id: Option<&str>,
        limit: usize,
    ) -> Result<Vec<WriteRecord>, ErrorInfo> {
        let mut all = self.read_all()?;
        all.retain(|r| connection_id.is_none_or(|id| r.connection_id == id));
        all.reverse();
        let mut seen = std::collections::HashSet::new();
        // Newest first: the first line of an id is its last word.
        all.retain(|r| r.id.is_empty() || seen.insert(r.id.clone()));
        all.truncate(limit);
        Ok(all)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(i: usize) -> WriteRecord {
        WriteRecord {
            id: format!("w{i}"),
            sends: false,
            unfinished: false,
            at: format!("2026-12-04T10:00:{:02}Z", i % 60),
            connection_id: if i.is_multiple_of(2) { "a" } else { "b" }.into(),
            connection_name: "Work".into(),
            tool: "send_mail".into(),
            recipients: vec![format!("r{i}@contoso.example")],
            event_subject: None,
            item: None,
            ok: true,
            error: None,
        }
    }

    #[test]
    fn records_are_read_back_newest_first_and_the_file_stays_bounded() {
        let dir = tempfile::tempdir().unwrap();
        let log = WriteLog::new(dir.path());
        assert!(log.recent(None, 10).unwrap().is_empty());
        for i in 0..3 {
            log.append(&record(i)).unwrap();
        }
        let recent = log.recent(None, 10).unwrap();
        assert_eq!(recent.len(), 3);
        assert_eq!(recent[0].recipients, ["r2@contoso.example"]);
        assert_eq!(log.recent(Some("b"), 10).unwrap().len(), 1);
        // A torn line is skipped.
        std::fs::OpenOptions::new()
            .append(true)
            .open(log.path())
            .unwrap()
            .write_all(b"{\"at\":\"2026")
            .unwrap();
        log.append(&record(3)).unwrap();
        assert_eq!(log.recent(None, 10).unwrap().len(), 4);
        // Past the size limit, only the newest KEEP stay; every send stays.
        let mut sent = record(5);
        sent.id = "the-send".into();
        sent.sends = true;
        log.append(&sent).unwrap();
        for i in 0..600 {
            let mut big = record(1000 + i);
            big.recipients = vec!["x".repeat(2000)];
            log.append(&big).unwrap();
        }
        let size = std::fs::metadata(log.path()).unwrap().len();
        assert!(size <= TRIM_AT + 4096, "{size}");
        let all = log.recent(None, usize::MAX).unwrap();
        assert!(all.len() <= KEEP + 1);
        assert!(
            all.iter().any(|r| r.id == "the-send"),
            "a send is never trimmed"
        );
    }

    fn connection() -> crate::model::ConnectionSummary {
        crate::model::ConnectionSummary::example("c1")
    }

    #[test]
    fn the_intent_comes_first_values_are_bounded_and_the_outcome_replaces_it() {
        let dir = tempfile::tempdir().unwrap();
        let log = WriteLog::new(dir.path());
        let huge = vec!["a".repeat(1_100_000)];
        let intent = log
            .intend(&connection(), "send_mail", &huge, None, true)
            .unwrap();
        let pending = log.recent(None, 10).unwrap();
        assert_eq!(pending.len(), 1);
        assert!(pending[0].unfinished, "recorded before the call");
        assert!(pending[0].recipients[0].chars().count() <= MAX_VALUE + 1);
        assert!(std::fs::metadata(log.path()).unwrap().len() < 4096);
        intent.finish::<()>(&Err(ErrorInfo::new(
            ErrorCode::InvalidInput,
            "not an address",
            "x",
        )));
        let done = log.recent(None, 10).unwrap();
        assert_eq!(done.len(), 1, "one write, its last word");
        assert!(!done[0].unfinished && !done[0].ok);
        let many: Vec<String> = (0..600).map(|i| format!("r{i}@contoso.example")).collect();
        assert_eq!(bounded_recipients(&many).len(), MAX_RECIPIENTS + 1);
    }

    #[test]
    fn a_write_that_cannot_be_recorded_is_not_made() {
        let dir = tempfile::tempdir().unwrap();
        let log = WriteLog::new(&dir.path().join("not-a-folder"));
        std::fs::write(dir.path().join("not-a-folder"), b"a file in the way").unwrap();
        let refused = log.intend(&connection(), "send_mail", &[], None, true);
        assert!(refused.is_err());
        assert!(refused.err().unwrap().title.contains("was not done"));
    }
}
