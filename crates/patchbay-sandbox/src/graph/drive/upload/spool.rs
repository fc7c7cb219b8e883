//! Bytes to disk: a request body spooled (and hashed) into the sandbox's folder, or written at an offset of a
//! session's file.

use std::path::PathBuf;

use axum::body::Body;
use axum::http::StatusCode;
use http_body_util::BodyExt as _;
use tokio::io::{AsyncSeekExt as _, AsyncWriteExt as _};

use crate::graph::drive::hash::Hasher;
use crate::graph::drive::model::FileBody;
use crate::graph::Reply;
use crate::state::AppState;

/// Spool a request body to a file in the sandbox's folder, hashing it on the way; at most `limit` bytes.
pub async fn spool(
    st: &AppState,
    body: Body,
    limit: u64,
    personal: bool,
) -> Result<FileBody, Reply> {
    let path = {
        let mut inner = st.lock();
        inner.files.blob_path()
    }
    .map_err(|e| {
        Reply::error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "generalException",
            &e.to_string(),
        )
    })?;
    let result = write_body(&path, body, 0, limit, Some(Hasher::for_drive(personal))).await;
    match result {
        Ok(hashes) => Ok(FileBody {
            blob: crate::graph::drive::model::Blob::Disk(path),
            size: hashes.1,
            hashes: hashes.0,
            mime: String::new(),
        }),
        Err(e) => {
            let _ = std::fs::remove_file(&path);
            Err(match e {
                WriteError::TooLarge => Reply::error(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "requestTooLarge",
                    "A simple upload takes at most 250 MB; use an upload session for larger files.",
                ),
                WriteError::Io(e) => Reply::error(
                    StatusCode::BAD_REQUEST,
                    "invalidRequest",
                    &format!("The request body could not be read: {e}"),
                ),
            })
        }
    }
}

pub(super) enum WriteError {
    TooLarge,
    Io(String),
}

/// Write `body` into `path` at `offset` (the file cut there first), at most `limit` bytes: the hashes of what
/// was written (with a hasher) and how many bytes.
pub(super) async fn write_body(
    path: &PathBuf,
    body: Body,
    offset: u64,
    limit: u64,
    hasher: Option<Hasher>,
) -> Result<(crate::graph::drive::hash::Hashes, u64), WriteError> {
    let io = |e: std::io::Error| WriteError::Io(e.to_string());
    let mut file = tokio::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(false)
        .open(path)
        .await
        .map_err(io)?;
    file.set_len(offset).await.map_err(io)?;
    file.seek(std::io::SeekFrom::Start(offset))
        .await
        .map_err(io)?;
    let mut hasher = hasher;
    let mut body = body;
    let mut written = 0u64;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| WriteError::Io(e.to_string()))?;
        if let Ok(data) = frame.into_data() {
            written += data.len() as u64;
            if written > limit {
                return Err(WriteError::TooLarge);
            }
            if let Some(h) = &mut hasher {
                h.update(&data);
            }
            file.write_all(&data).await.map_err(io)?;
        }
    }
    file.flush().await.map_err(io)?;
    Ok((hasher.map(Hasher::finish).unwrap_or_default(), written))
}
