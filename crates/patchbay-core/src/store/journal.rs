//! A file of lines appended to for ever, that never grows without bound: past its limit it is set aside as
//! `<name>.1` (the one set aside before is replaced) and a new one started, so the newest lines are kept, between
//! one and two limits of them. Reading goes across the two, oldest first.
//!
//! Several processes may append at once (the service's engine, the CLI's Test). Each append holds an exclusive
//! lock on the file it writes; a process that opened the file just before another set it aside finds, once it
//! has the lock, that the name now holds another file, and opens that one. A line torn by a crash is ended
//! before the next is written, so it costs only itself. Files are 0600 ([`super::open_private`]).

use std::fs::{File, OpenOptions};
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

/// Where `path` is set aside: `history.jsonl` → `history.jsonl.1`.
pub fn set_aside(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".1");
    PathBuf::from(name)
}

/// Whether `file` is still the one `path` names.
#[cfg(unix)]
fn still_named(file: &File, path: &Path) -> std::io::Result<bool> {
    use std::os::unix::fs::MetadataExt;
    let open = file.metadata()?;
    Ok(match std::fs::metadata(path) {
        Ok(named) => named.dev() == open.dev() && named.ino() == open.ino(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
        Err(e) => return Err(e),
    })
}

#[cfg(not(unix))]
fn still_named(_file: &File, _path: &Path) -> std::io::Result<bool> {
    Ok(true)
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

/// Append `line` (without its newline) to `path`, first setting the file aside when the line would take it
/// past `limit` bytes.
pub fn append(path: &Path, line: &str, limit: u64) -> std::io::Result<()> {
    for _ in 0..8 {
        let mut file = super::open_private(
            OpenOptions::new().create(true).read(true).append(true),
            path,
        )?;
        file.lock()?;
        if !still_named(&file, path)? {
            continue; // set aside since it was opened: open the new one
        }
        let len = file.metadata()?.len();
        if len > 0 && len + line.len() as u64 + 1 > limit {
            std::fs::rename(path, set_aside(path))?;
            continue;
        }
        let mut bytes = Vec::with_capacity(line.len() + 2);
        if ends_unfinished(&mut file) {
            bytes.push(b'\n');
        }
        bytes.extend_from_slice(line.as_bytes());
        bytes.push(b'\n');
        return file.write_all(&bytes);
    }
    Err(std::io::Error::other(format!(
        "{} kept being set aside while Patchbay wrote to it",
        path.display()
    )))
}

/// Every line of `path` and of what was set aside before it, oldest first. Missing files have none.
pub fn read(path: &Path) -> std::io::Result<Vec<String>> {
    let mut lines = Vec::new();
    for p in [set_aside(path), path.to_path_buf()] {
        match File::open(&p) {
            Ok(f) => lines.extend(std::io::BufReader::new(f).lines().map_while(Result::ok)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
    }
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn past_its_limit_a_journal_is_set_aside_and_the_newest_lines_stay() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("history.jsonl");
        assert!(read(&path).unwrap().is_empty());
        for i in 0..1000 {
            append(&path, &format!("{i:04} {}", "x".repeat(95)), 10_000).unwrap();
            let size = std::fs::metadata(&path).unwrap().len();
            assert!(size <= 10_000, "{size}");
        }
        let lines = read(&path).unwrap();
        // Between one and two limits' worth, the newest, in order.
        assert!((100..=200).contains(&lines.len()), "{}", lines.len());
        assert!(lines.last().unwrap().starts_with("0999 "));
        let numbers: Vec<usize> = lines.iter().map(|l| l[..4].parse().unwrap()).collect();
        assert!(numbers.windows(2).all(|w| w[1] == w[0] + 1), "{numbers:?}");
        assert!(
            !set_aside(&set_aside(&path)).exists(),
            "one set aside, no more"
        );
    }

    #[test]
    fn a_torn_line_costs_only_itself() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("history.jsonl");
        append(&path, "one", 1 << 20).unwrap();
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b"{\"tor")
            .unwrap();
        append(&path, "two", 1 << 20).unwrap();
        assert_eq!(read(&path).unwrap(), ["one", "{\"tor", "two"]);
    }

    #[test]
    fn processes_appending_at_once_lose_no_line_across_a_rotation() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("history.jsonl");
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let path = path.clone();
                std::thread::spawn(move || {
                    for i in 0..100 {
                        // 400 lines of 48 bytes: one rotation at 12,000.
                        append(&path, &format!("{t}-{i:03}-{}", "y".repeat(41)), 12_000).unwrap();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert!(set_aside(&path).exists(), "it was set aside once");
        assert_eq!(read(&path).unwrap().len(), 400);
    }
}
