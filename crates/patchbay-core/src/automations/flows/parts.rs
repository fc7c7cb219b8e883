//! Bytes on their way: an answer streamed into a file one network chunk at a time (an attachment of 25 MiB
//! never sits in memory), written under a temporary name and put in place only when whole; and a drive's
//! folder made when missing.

use crate::error::{ErrorCode, ErrorInfo};
use crate::graph::drive::DrivePath;
use crate::graph::session::{graph_error_info, Streamed};
use crate::graph::{ConnectionGraph, Request};
use std::path::{Path, PathBuf};
use tokio::io::AsyncWriteExt;

/// Bytes written to the file at a time.
const WRITE_BUFFER: usize = 1 << 20;

fn local(what: &str, path: &Path, e: &std::io::Error) -> ErrorInfo {
    crate::files::failure::local(what, path, e)
}

/// A new file at `path` only this user can read (what mail holds is private), replacing a leftover.
fn create_private(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

/// `request`'s answer streamed into `temp` (created private, synced); its size. Graph's refusal in words; a
/// partial file is removed.
pub async fn fetch(
    graph: &ConnectionGraph,
    request: &Request,
    temp: &Path,
) -> Result<u64, ErrorInfo> {
    let answer = graph.open(request).await.map_err(|e| e.to_error_info())?;
    let mut response = match answer {
        Streamed::Body(r) => r,
        Streamed::Answer(a) => {
            return Err(a.error().map(|e| graph_error_info(&e)).unwrap_or_else(|| {
                ErrorInfo::new(
                    ErrorCode::ProviderError,
                    format!("Graph answered {}.", a.status),
                    "Try again in a moment.",
                )
            }))
        }
    };
    let file = create_private(temp).map_err(|e| local("write", temp, &e))?;
    let mut out =
        tokio::io::BufWriter::with_capacity(WRITE_BUFFER, tokio::fs::File::from_std(file));
    let mut size = 0u64;
    let result: Result<(), ErrorInfo> =
        async {
            while let Some(chunk) = response.chunk().await.map_err(|e| {
                crate::files::failure::transfer_network("download of the attachment", e)
            })? {
                size += chunk.len() as u64;
                out.write_all(&chunk)
                    .await
                    .map_err(|e| local("write", temp, &e))?;
            }
            out.flush().await.map_err(|e| local("write", temp, &e))?;
            out.get_ref()
                .sync_all()
                .await
                .map_err(|e| local("write", temp, &e))
        }
        .await;
    if let Err(e) = result {
        let _ = std::fs::remove_file(temp);
        return Err(e);
    }
    Ok(size)
}

/// `temp` put at `target` only when no file is there (`Ok(false)`: the name is taken; `temp` stays).
pub fn place_new(temp: &Path, target: &Path) -> Result<bool, ErrorInfo> {
    match std::fs::hard_link(temp, target) {
        Ok(()) => {
            let _ = std::fs::remove_file(temp);
            Ok(true)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(local("save", target, &e)),
    }
}

/// Where the bytes of a unit of work wait between download and upload: `automations/<id>/parts/<hash>`, in
/// the automation's folder only while it is there (a removed automation's folder is never made again).
pub fn part_of(automation_folder: &Path, key: &str) -> Result<PathBuf, ErrorInfo> {
    let dir = automation_folder.join("parts");
    match std::fs::create_dir(&dir) {
        Ok(()) => {
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let _ = std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700));
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(local("make", &dir, &e)),
    }
    Ok(dir.join(crate::automations::queue::id_hash(key)))
}

/// The drive's folder at `folder`, made (with each missing folder above it) when it is not there.
pub async fn ensure_folder(graph: &ConnectionGraph, folder: &DrivePath) -> Result<(), ErrorInfo> {
    let files = crate::files::Files::new(graph, crate::graph::drive::DriveRef::Me);
    match files.item(folder).await {
        Ok(entry) if entry.is_folder => return Ok(()),
        Ok(_) => {
            return Err(ErrorInfo::new(
                ErrorCode::InvalidInput,
                format!("{} is a file, not a folder.", folder.display()),
                "Give a folder's path.",
            ))
        }
        Err(e) if e.code == ErrorCode::NotFound => {}
        Err(e) => return Err(e),
    }
    let mut at = DrivePath::root();
    for name in folder.display().trim_start_matches('/').split('/') {
        if name.is_empty() {
            continue;
        }
        at = at
            .join(name)
            .map_err(|e| crate::files::failure::bad_path(&folder.display(), &e))?;
        files.create_folder(&at).await?;
    }
    Ok(())
}

/// `dir` and any folder missing above it, made readable by this user only (the folders that hold what strangers
/// sent); a folder already there is left as it is.
pub fn make_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}
