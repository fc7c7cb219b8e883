//! The record of what assistants wrote and sent: one JSON line per draft, event or mail (time, connection, tool,
//! recipients or the event's subject, and whether it worked), in `agents/writes.jsonl` in the data folder, so the
//! window can show a person what their assistant did in their name. Never a body, never a token: what was said
//! stays in the mailbox, where it belongs.
//!
//! Several `patchbay mcp` processes may write at once (one per assistant): each append and each trim happens under
//! an exclusive lock on `agents/writes.lock`. When the file grows past [`TRIM_AT`], the newest records (at most
//! [`KEEP`], half that size) are written to a temporary file renamed over the old one, so a crash mid-trim leaves
//! the old file whole.

use crate::error::{ErrorCode, ErrorInfo};
use serde::{Deserialize, Serialize};
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use ts_rs::TS;

/// Records kept after a trim.
pub const KEEP: usize = 1_000;
/// The file is trimmed when it grows past this size.
const TRIM_AT: u64 = 1024 * 1024;

/// One write or send by an assistant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct WriteRecord {
    /// RFC 3339, UTC.
    pub at: String,
    pub connection_id: String,
    pub connection_name: String,
    /// `create_draft`, `create_event` or `send_mail`.
    pub tool: String,
    /// The addresses a draft or a mail was for (to, then cc); an event's attendees.
    pub recipients: Vec<String>,
    /// An event's subject (a mail's subject is not kept: it is content).
    pub event_subject: Option<String>,
    /// Whether Microsoft took it.
    pub ok: bool,
    /// Why not, in a sentence, when it failed.
    pub error: Option<String>,
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
        let file = crate::store::open_private(
            OpenOptions::new().create(true).truncate(false).write(true),
            &path,
        )
        .map_err(|e| storage("open the lock of", &path, e))?;
        file.lock().map_err(|e| storage("lock", &path, e))?;
        Ok(file)
    }

    /// Add a record (and trim the file when it has grown too long).
    pub fn append(&self, record: &WriteRecord) -> Result<(), ErrorInfo> {
        let _lock = self.lock()?;
        let path = self.path();
        let mut line = serde_json::to_string(record).map_err(|e| storage("write", &path, e))?;
        line.push('\n');
        let mut file = crate::store::open_private(
            OpenOptions::new().create(true).append(true).read(true),
            &path,
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
            // The newest records, at most KEEP of them and half the limit in size, so trims are rare.
            let all = self.read_all()?;
            let mut kept: Vec<String> = Vec::new();
            let mut size = 0u64;
            for r in all.iter().rev().take(KEEP) {
                let mut l = serde_json::to_string(r).map_err(|e| storage("trim", &path, e))?;
                l.push('\n');
                size += l.len() as u64;
                if size > TRIM_AT / 2 {
                    break;
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

    /// The newest `limit` records, newest first; only `connection_id`'s when given.
    pub fn recent(
        &self,
        connection_id: Option<&str>,
        limit: usize,
    ) -> Result<Vec<WriteRecord>, ErrorInfo> {
        let mut all = self.read_all()?;
        all.retain(|r| connection_id.is_none_or(|id| r.connection_id == id));
        all.reverse();
        all.truncate(limit);
        Ok(all)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(i: usize) -> WriteRecord {
        WriteRecord {
            at: format!("2026-12-04T10:00:{:02}Z", i % 60),
            connection_id: if i.is_multiple_of(2) { "a" } else { "b" }.into(),
            connection_name: "Work".into(),
            tool: "send_mail".into(),
            recipients: vec![format!("r{i}@contoso.example")],
            event_subject: None,
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
        // Past the size limit, only the newest KEEP stay.
        let mut big = record(4);
        big.recipients = vec!["x".repeat(2000)];
        for _ in 0..600 {
            log.append(&big).unwrap();
        }
        let size = std::fs::metadata(log.path()).unwrap().len();
        assert!(size <= TRIM_AT + 4096, "{size}");
        assert!(log.recent(None, usize::MAX).unwrap().len() <= KEEP);
    }
}
