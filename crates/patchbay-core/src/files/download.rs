//! Downloads: Graph's `…/content` answers 302 to a pre-authenticated URL on another host; that URL is checked
//! ([`hosts::check`]) and fetched without the token, and its bytes streamed — into a temp file in the
//! destination's folder, synced and renamed onto the destination when whole (a partial file never sits under
//! the final name; a failure removes it), or into a writer (stdout) as they arrive. Memory stays flat whatever
//! the size: one network chunk and one write buffer at a time.

use super::progress::Progress;
use super::{failure, hosts, FileEntry, Files};
use crate::error::{ErrorCode, ErrorInfo};
use crate::graph::drive::DrivePath;
use std::io::Write;
use std::path::{Path, PathBuf};
use tokio::io::{AsyncWrite, AsyncWriteExt};

/// Where the bytes go.
pub enum Sink<'w> {
    /// Into this file (replaced when the download is whole; left as it was otherwise).
    File(PathBuf),
    /// Into this writer, as they arrive (stdout for `-`).
    Writer(&'w mut (dyn AsyncWrite + Unpin + Send)),
}

/// A finished download.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct Downloaded {
    /// Where the file now is (`None` for a writer).
    pub local_path: Option<PathBuf>,
    pub size: u64,
}

/// Bytes written to the file at a time.
const WRITE_BUFFER: usize = 1 << 20;

/// The file to write for a download of the file called `name`: `local` itself, or inside it when it is a folder,
/// or in `cwd` when there is no `local`.
pub fn local_target(local: Option<&Path>, name: &str, cwd: &Path) -> PathBuf {
    match local {
        None => cwd.join(name),
        Some(p) if p.is_dir() => p.join(name),
        Some(p) => p.to_path_buf(),
    }
}

/// A name from a drive that is safe as one local file name: no separators, not `.`/`..`, not empty.
pub fn local_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c == '/' || c == '\\' || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect();
    match cleaned.as_str() {
        "" | "." | ".." => "download".into(),
        _ => cleaned,
    }
}

impl Files<'_> {
    /// Download the file at `path` into `sink`, telling `progress` as bytes arrive.
    pub async fn download(
        &self,
        path: &DrivePath,
        sink: Sink<'_>,
        progress: &dyn Progress,
    ) -> Result<Downloaded, ErrorInfo> {
        let shown = path.display();
        let entry = self.item(path).await?;
        let request = self.graph.graph().drive(&self.drive).content(path);
        self.download_entry(&entry, &request, &shown, sink, progress)
            .await
    }

    /// Download the file with id `id` (wherever it is now: a file renamed since its change is still had) into
    /// `sink`; `shown` names it in errors.
    pub async fn download_by_id(
        &self,
        id: &str,
        shown: &str,
        sink: Sink<'_>,
        progress: &dyn Progress,
    ) -> Result<Downloaded, ErrorInfo> {
        let drive = self.graph.graph().drive(&self.drive);
        let response = self
            .graph
            .send(&drive.item_by_id(id))
            .await
            .map_err(|e| e.to_error_info())?;
        if !response.is_success() {
            return Err(failure::about(&response, shown));
        }
        let item: crate::graph::drive::DriveItem = response
            .json()
            .map_err(|e| crate::graph::session::graph_error_info(&e))?;
        let entry = FileEntry::from_item(&item)
            .unwrap_or_else(|| FileEntry::with_path(&item, shown.to_string()));
        self.download_entry(&entry, &drive.content_by_id(id), shown, sink, progress)
            .await
    }

    async fn download_entry(
        &self,
        entry: &FileEntry,
        request: &crate::graph::Request,
        shown: &str,
        sink: Sink<'_>,
        progress: &dyn Progress,
    ) -> Result<Downloaded, ErrorInfo> {
        let shown = shown.to_string();
        if entry.is_folder {
            return Err(failure::not_a_file(&entry.path));
        }
        let answer = self
            .graph
            .send(request)
            .await
            .map_err(|e| e.to_error_info())?;
        let body = if answer.is_success() {
            // A server that sends the bytes itself (Graph never does: it redirects) has them read already.
            Body::Read(answer.body)
        } else if matches!(answer.status, 301 | 302 | 303 | 307 | 308) {
            let location = answer.header("location").unwrap_or_default();
            let url = hosts::check(location)
                .map_err(|r| failure::unsafe_redirect(&shown, &r.scheme, &r.host))?;
            let response = hosts::download_client()
                .get(url)
                .send()
                .await
                .map_err(|e| failure::transfer_network(&format!("download of {shown}"), e))?;
            let status = response.status().as_u16();
            if status != 200 {
                let body = crate::body::read_capped(response, 64 * 1024)
                    .await
                    .unwrap_or_default();
                return Err(failure::download_refused(status, &shown, &body));
            }
            Body::Streamed(response)
        } else {
            return Err(failure::about(&answer, &shown));
        };
        let total = body.len().or(entry.size);
        progress.update(0, total);
        match sink {
            Sink::Writer(out) => {
                let size = body
                    .copy(&mut Out::Writer(&mut *out), &shown, total, progress)
                    .await?;
                out.flush().await.map_err(|e| {
                    failure::local("write the download to", Path::new("stdout"), &e)
                })?;
                Ok(Downloaded {
                    local_path: None,
                    size,
                })
            }
            Sink::File(target) => {
                let part = Part::beside(&target)?;
                let mut writer =
                    std::io::BufWriter::with_capacity(WRITE_BUFFER, part.temp.as_file());
                let size = body
                    .copy(&mut Out::File(&mut writer), &shown, total, progress)
                    .await?;
                writer
                    .flush()
                    .map_err(|e| failure::local("write", &target, &e))?;
                drop(writer);
                let local_path = part.finish()?;
                Ok(Downloaded {
                    local_path: Some(local_path),
                    size,
                })
            }
        }
    }
}

/// The bytes: read already, or to be streamed.
enum Body {
    Read(Vec<u8>),
    Streamed(reqwest::Response),
}

impl Body {
    fn len(&self) -> Option<u64> {
        match self {
            Body::Read(b) => Some(b.len() as u64),
            Body::Streamed(r) => r.content_length(),
        }
    }

    /// Every byte into `out`, counted; `Err` when the connection broke, a write failed, or fewer bytes came
    /// than announced.
    async fn copy(
        self,
        out: &mut Out<'_, '_>,
        shown: &str,
        total: Option<u64>,
        progress: &dyn Progress,
    ) -> Result<u64, ErrorInfo> {
        let write_error =
            |e: std::io::Error| failure::local("write the download of", Path::new(shown), &e);
        let mut response = match self {
            Body::Read(bytes) => {
                out.write(&bytes).await.map_err(write_error)?;
                progress.update(bytes.len() as u64, total);
                return Ok(bytes.len() as u64);
            }
            Body::Streamed(r) => r,
        };
        let announced = response.content_length();
        let mut done = 0u64;
        loop {
            let chunk = match response.chunk().await {
                Ok(Some(chunk)) => chunk,
                Ok(None) => break,
                Err(e) => {
                    return Err(failure::transfer_network(
                        &format!("download of {shown}"),
                        e,
                    ))
                }
            };
            out.write(&chunk).await.map_err(write_error)?;
            done += chunk.len() as u64;
            progress.update(done, total);
        }
        if let Some(n) = announced.filter(|n| *n != done) {
            return Err(ErrorInfo::new(
                ErrorCode::NetworkUnreachable,
                format!("The download of {shown} ended early: {done} of {n} bytes came."),
                "Run it again.",
            ));
        }
        Ok(done)
    }
}

/// Where the bytes are written.
enum Out<'a, 'f> {
    File(&'a mut std::io::BufWriter<&'f std::fs::File>),
    Writer(&'a mut (dyn AsyncWrite + Unpin + Send)),
}

impl Out<'_, '_> {
    async fn write(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        match self {
            // A buffered write to the page cache: short enough to do on the runtime's thread.
            Out::File(w) => w.write_all(bytes),
            Out::Writer(w) => w.write_all(bytes).await,
        }
    }
}

/// A temp file beside the destination (`.name.XXXX.part`, mode 0600), removed unless [`Part::finish`] renames
/// it onto the destination.
struct Part {
    temp: tempfile::NamedTempFile,
    target: PathBuf,
    /// Synced after the rename where a folder can be opened and synced (Unix).
    #[cfg_attr(not(unix), allow(dead_code))]
    folder: PathBuf,
}

impl Part {
    fn beside(target: &Path) -> Result<Self, ErrorInfo> {
        let folder = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "download".into());
        let temp = tempfile::Builder::new()
            .prefix(&format!(".{name}."))
            .suffix(".part")
            .tempfile_in(&folder)
            .map_err(|e| failure::local("write in", &folder, &e))?;
        Ok(Self {
            temp,
            target: target.to_path_buf(),
            folder,
        })
    }

    /// Synced, renamed onto the destination, the folder synced: the destination's full path.
    fn finish(self) -> Result<PathBuf, ErrorInfo> {
        let target = self.target;
        let write_error = |e: std::io::Error| failure::local("write", &target, &e);
        self.temp.as_file().sync_all().map_err(write_error)?;
        self.temp
            .persist(&target)
            .map_err(|e| write_error(e.error))?;
        #[cfg(unix)]
        if let Ok(dir) = std::fs::File::open(&self.folder) {
            let _ = dir.sync_all();
        }
        Ok(std::fs::canonicalize(&target).unwrap_or(target))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_and_names() {
        let dir = tempfile::tempdir().unwrap();
        let cwd = Path::new("/somewhere");
        assert_eq!(local_target(None, "a.pdf", cwd), cwd.join("a.pdf"));
        assert_eq!(
            local_target(Some(dir.path()), "a.pdf", cwd),
            dir.path().join("a.pdf")
        );
        let file = dir.path().join("b.bin");
        assert_eq!(local_target(Some(&file), "a.pdf", cwd), file);
        assert_eq!(local_name("../x"), ".._x");
        assert_eq!(local_name(".."), "download");
        assert_eq!(local_name("a\u{1b}b"), "a_b");
    }
}
