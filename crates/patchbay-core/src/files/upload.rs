//! Uploads: a file up to [`UploadOptions::simple_limit`] in one PUT (`Drive::put`, with the conflict
//! behaviour); a larger one through an upload session ([`super::session`]), resumed across processes from its
//! record ([`super::resume`]) when the same upload is started again.

use super::entry::{join, FileEntry};
use super::progress::Progress;
use super::resume::{LocalFile, Records, UploadKey, UploadRecord};
use super::session::{self, Chunks, Outcome, Retry};
use super::{failure, hosts, Files, CHUNK_UNIT, DEFAULT_CHUNK, MAX_CHUNK, SIMPLE_LIMIT};
use crate::error::{ErrorCode, ErrorInfo};
use crate::graph::drive::{Conflict, DriveItem, DrivePath, DriveRef, UploadSession};
use std::path::{Path, PathBuf};

/// How an upload goes.
#[derive(Debug, Clone)]
pub struct UploadOptions {
    /// Bytes a session's chunk: a multiple of 327,680, at most 60 MiB.
    pub chunk_size: u64,
    /// Files up to this size go in one PUT.
    pub simple_limit: u64,
    /// The data folder, where sessions are recorded to be resumed by a later run (`None`: not recorded).
    pub resume_in: Option<PathBuf>,
    pub retry: Retry,
}

impl UploadOptions {
    /// The defaults, resumable from records in `data_dir`.
    pub fn resumable(data_dir: &Path) -> Self {
        Self {
            resume_in: Some(data_dir.to_path_buf()),
            ..Self::default()
        }
    }

    /// A chunk size in bytes, checked: a multiple of 327,680 (320 KiB) from 327,680 to 60 MiB.
    pub fn with_chunk_size(mut self, bytes: u64) -> Result<Self, ErrorInfo> {
        if bytes == 0 || !bytes.is_multiple_of(CHUNK_UNIT) || bytes > MAX_CHUNK {
            return Err(ErrorInfo::new(
                ErrorCode::InvalidInput,
                format!("A chunk of {bytes} bytes is not one Microsoft takes."),
                format!(
                    "Use a multiple of {CHUNK_UNIT} bytes (320 KiB) up to {} bytes (60 MiB), e.g. {DEFAULT_CHUNK}.",
                    MAX_CHUNK / CHUNK_UNIT * CHUNK_UNIT
                ),
            ));
        }
        self.chunk_size = bytes;
        Ok(self)
    }
}

impl Default for UploadOptions {
    fn default() -> Self {
        Self {
            chunk_size: DEFAULT_CHUNK,
            simple_limit: SIMPLE_LIMIT,
            resume_in: None,
            retry: Retry::default(),
        }
    }
}

/// What a recorded session is good for.
enum Resume {
    /// Go on with it from this byte.
    At(url::Url, u64),
    /// Graph no longer knows it (expired, cancelled, or finished).
    Gone,
    /// Nothing to resume (another file, a damaged record).
    Fresh,
}

/// A file's SHA-256 (hex) and QuickXorHash (base64), read once.
fn content_hashes(path: &Path) -> std::io::Result<(String, String)> {
    use sha2::Digest;
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    let mut sha = sha2::Sha256::new();
    let mut quick = super::quickxor::QuickXor::default();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        sha.update(&buf[..n]);
        quick.update(&buf[..n]);
    }
    let hex = sha.finalize().iter().map(|b| format!("{b:02x}")).collect();
    Ok((hex, quick.finish()))
}

/// New sessions one upload may start (one expired or forgotten on the way is normal; more is a loop).
const MAX_SESSIONS: u32 = 3;

impl Files<'_> {
    /// Upload the local file `local` to `remote` (a file's path; an existing folder's path, or one ending in
    /// `/`, puts it inside under its own name), by `conflict` when the name is taken. The new item.
    pub async fn upload(
        &self,
        local: &Path,
        remote: &str,
        conflict: Conflict,
        options: &UploadOptions,
        progress: &dyn Progress,
    ) -> Result<FileEntry, ErrorInfo> {
        let meta = std::fs::metadata(local).map_err(|e| failure::local("read", local, &e))?;
        if meta.is_dir() {
            return Err(ErrorInfo::new(
                ErrorCode::InvalidInput,
                format!(
                    "{} is a folder: only files can be uploaded.",
                    local.display()
                ),
                "Upload its files one by one.",
            ));
        }
        let local_name = local
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let target = self.target(remote, &local_name).await?;
        let inspected = LocalFile::inspect(local).map_err(|e| failure::local("read", local, &e))?;
        if inspected.size <= options.simple_limit {
            return self.simple(&target, &inspected, conflict, progress).await;
        }
        self.session(&target, inspected, conflict, options, progress)
            .await
    }

    /// Where the file goes: `remote`, or inside it when it is a folder.
    async fn target(&self, remote: &str, local_name: &str) -> Result<DrivePath, ErrorInfo> {
        let path = Files::path(remote)?;
        let into_folder = remote.ends_with('/') || path.is_root();
        if into_folder {
            return Files::path(&join(&path.display(), local_name));
        }
        let request = self.graph.graph().drive(&self.drive).item(&path);
        let response = self
            .graph
            .send(&request)
            .await
            .map_err(|e| e.to_error_info())?;
        if response.is_success() {
            let item: DriveItem = response
                .json()
                .map_err(|e| crate::graph::session::graph_error_info(&e))?;
            if item.is_folder() {
                return Files::path(&join(&path.display(), local_name));
            }
        } else if response.status != 404 {
            return Err(failure::about(&response, &path.display()));
        }
        Ok(path)
    }

    async fn simple(
        &self,
        target: &DrivePath,
        local: &LocalFile,
        conflict: Conflict,
        progress: &dyn Progress,
    ) -> Result<FileEntry, ErrorInfo> {
        let bytes =
            std::fs::read(&local.path).map_err(|e| failure::local("read", &local.path, &e))?;
        if bytes.len() as u64 != local.size {
            return Err(ErrorInfo::new(
                ErrorCode::InvalidInput,
                format!("{} changed while it was being read.", local.path.display()),
                "Upload it again once nothing is writing to it.",
            ));
        }
        progress.update(0, Some(local.size));
        let request = self
            .graph
            .graph()
            .drive(&self.drive)
            .put(target, conflict, bytes);
        let response = self
            .graph
            .send(&request)
            .await
            .map_err(|e| e.to_error_info())?;
        if !response.is_success() {
            return Err(match response.status {
                409 => failure::already(&target.display(), &response),
                _ => failure::about(&response, &target.display()),
            });
        }
        progress.update(local.size, Some(local.size));
        let item: DriveItem = response
            .json()
            .map_err(|e| crate::graph::session::graph_error_info(&e))?;
        Ok(self.placed(&item, target))
    }

    async fn session(
        &self,
        target: &DrivePath,
        local: LocalFile,
        conflict: Conflict,
        options: &UploadOptions,
        progress: &dyn Progress,
    ) -> Result<FileEntry, ErrorInfo> {
        let shown = target.display();
        let http = hosts::upload_client();
        let records = options.resume_in.as_deref().map(Records::new);
        let drive = match &self.drive {
            DriveRef::Me => "me".to_string(),
            DriveRef::Id(id) => id.clone(),
        };
        let key = UploadKey::new(self.graph.id(), &drive, &shown, conflict, &local.path);
        let mut resume: Option<(url::Url, u64)> = None;
        if let Some(records) = &records {
            records.sweep();
            if let Some(record) = records.load(&key) {
                match self
                    .resumable(records, &record, &key, &local, &http, options, &shown)
                    .await?
                {
                    Resume::At(url, next) => resume = Some((url, next)),
                    Resume::Gone => {
                        // It may have finished as the last run was stopped.
                        if let Some(entry) = self.already_uploaded(target, &local).await {
                            return Ok(entry);
                        }
                    }
                    Resume::Fresh => {}
                }
            }
        }
        let mut sessions = 0;
        loop {
            let (url, next) = match resume.take() {
                Some(r) => r,
                None => {
                    sessions += 1;
                    if sessions > MAX_SESSIONS {
                        return Err(ErrorInfo::new(
                            ErrorCode::ProviderError,
                            format!("Microsoft kept dropping the upload sessions of {shown}."),
                            "Try again later.",
                        ));
                    }
                    let (url, expires) = self.new_session(target, conflict).await?;
                    if let Some(records) = &records {
                        let record =
                            UploadRecord::new(key.clone(), local.clone(), url.to_string(), expires);
                        records.save(&record).map_err(|e| {
                            failure::local("record the upload in", records.dir(), &e)
                        })?;
                    }
                    (url, 0)
                }
            };
            let chunks = Chunks {
                http: http.clone(),
                url: url.clone(),
                local: &local,
                chunk: options.chunk_size,
                retry: options.retry,
                shown: &shown,
                progress,
            };
            match chunks.run(next).await {
                Outcome::Done(item) => {
                    if let Some(records) = &records {
                        records.remove(&key);
                    }
                    return Ok(self.placed(&item, target));
                }
                Outcome::Gone => {
                    if let Some(records) = &records {
                        records.remove(&key);
                    }
                    // Its last chunk may have been taken with the answer lost on the way.
                    if let Some(entry) = self.already_uploaded(target, &local).await {
                        return Ok(entry);
                    }
                    tracing::debug!("the upload session is gone; starting a new one");
                }
                Outcome::Failed { error, resumable } => {
                    if !resumable {
                        session::cancel(&http, &url).await;
                        if let Some(records) = &records {
                            records.remove(&key);
                        }
                    }
                    return Err(error);
                }
            }
        }
    }

    /// A recorded session to go on with, and where: `None` (the record removed) when it is not of this very
    /// file or Graph no longer knows it.
    #[allow(clippy::too_many_arguments)]
    async fn resumable(
        &self,
        records: &Records,
        record: &UploadRecord,
        key: &UploadKey,
        local: &LocalFile,
        http: &reqwest::Client,
        options: &UploadOptions,
        shown: &str,
    ) -> Result<Resume, ErrorInfo> {
        let url = hosts::check(&record.upload_url).ok();
        let Some(url) = url.filter(|_| record.matches(key, local)) else {
            // Another file now (or a record that is not right): its session is of no use.
            if let Ok(url) = hosts::check(&record.upload_url) {
                session::cancel(http, &url).await;
            }
            records.remove(key);
            return Ok(Resume::Fresh);
        };
        match session::status(http, &url, options.retry, shown).await {
            Ok(next) => {
                tracing::debug!(
                    next = next.unwrap_or(0),
                    "resuming the recorded upload session"
                );
                Ok(Resume::At(url, next.unwrap_or(0)))
            }
            Err(Outcome::Gone) => {
                records.remove(key);
                Ok(Resume::Gone)
            }
            Err(Outcome::Failed { error, resumable }) => {
                if !resumable {
                    records.remove(key);
                    return Ok(Resume::Fresh);
                }
                Err(error)
            }
            Err(Outcome::Done(_)) => Ok(Resume::Fresh),
        }
    }

    /// The file at `target` when it already is this very local file — the same size and content hash (SHA-256
    /// where the drive gives it, QuickXorHash otherwise) — as after a session that finished just as its run
    /// was stopped. `None` when it is not, or cannot be told.
    async fn already_uploaded(&self, target: &DrivePath, local: &LocalFile) -> Option<FileEntry> {
        let request = self.graph.graph().drive(&self.drive).item(target);
        let response = self.graph.send(&request).await.ok()?;
        let item: DriveItem = response.json().ok()?;
        if item.is_folder() || item.size != Some(local.size) {
            return None;
        }
        let hashes = item.file.as_ref()?.hashes.clone()?;
        let path = local.path.clone();
        let (sha256, quick_xor) = tokio::task::spawn_blocking(move || content_hashes(&path))
            .await
            .ok()?
            .ok()?;
        let same = match (&hashes.sha256_hash, &hashes.quick_xor_hash) {
            (Some(theirs), _) => theirs.eq_ignore_ascii_case(&sha256),
            (None, Some(theirs)) => *theirs == quick_xor,
            (None, None) => false,
        };
        tracing::debug!(same, "the session is gone; is the file already there?");
        same.then(|| self.placed(&item, target))
    }

    /// `createUploadSession`: its URL (checked: https, or http on this computer) and expiry.
    async fn new_session(
        &self,
        target: &DrivePath,
        conflict: Conflict,
    ) -> Result<(url::Url, Option<String>), ErrorInfo> {
        let shown = target.display();
        let request = self
            .graph
            .graph()
            .drive(&self.drive)
            .create_upload_session(target, conflict);
        let response = self
            .graph
            .send(&request)
            .await
            .map_err(|e| e.to_error_info())?;
        if !response.is_success() {
            return Err(match response.status {
                409 => failure::already(&shown, &response),
                _ => failure::about(&response, &shown),
            });
        }
        let created: UploadSession = response
            .json()
            .map_err(|e| crate::graph::session::graph_error_info(&e))?;
        let link = created.upload_url.unwrap_or_default();
        let url = hosts::check(&link).map_err(|r| {
            ErrorInfo::new(
                ErrorCode::ProviderError,
                format!(
                    "Microsoft gave an upload address for {shown} at {}://{}, which is neither https nor this \
                     computer: Patchbay sent nothing there.",
                    r.scheme, r.host
                ),
                "This is not how Microsoft Graph answers; check the connection's Graph URL.",
            )
        })?;
        Ok((url, created.expiration_date_time))
    }

    /// The entry of the item an upload made, its path from Graph's answer or else the folder it was put in.
    fn placed(&self, item: &DriveItem, target: &DrivePath) -> FileEntry {
        FileEntry::from_item(item).unwrap_or_else(|| {
            let name = item
                .name
                .clone()
                .or_else(|| target.name().map(str::to_string))
                .unwrap_or_default();
            FileEntry::with_path(item, join(&target.parent().display(), &name))
        })
    }
}
