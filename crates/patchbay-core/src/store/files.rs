//! Private files: a data folder only its user can read, and writes that a crash leaves whole (the old file or
//! the new one, never half of either). The store, the vault and the status records all write through here.

use std::fs::File;
use std::io::Write;
use std::path::Path;

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_mode(_path: &Path, _mode: u32) -> std::io::Result<()> {
    Ok(())
}

/// Create `dir` (mode 0700) if needed; an existing one open to others (a folder made by hand, or by an older
/// version, with the umask's 0755) is tightened to 0700 too: its names alone say whose mailboxes are connected.
pub fn ensure_private_dir(dir: &Path) -> std::io::Result<()> {
    if !dir.exists() {
        std::fs::create_dir_all(dir)?;
        return set_mode(dir, 0o700);
    }
    tighten(dir)
}

#[cfg(unix)]
fn tighten(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let meta = std::fs::metadata(dir)?;
    let mode = meta.permissions().mode();
    // Only a folder of this user's own: never chmod someone else's (PATCHBAY_DATA_DIR=/srv/shared).
    let me = rustix::process::getuid().as_raw();
    if meta.is_dir() && mode & 0o077 != 0 && meta.uid() == me {
        set_mode(dir, 0o700)?;
        tracing::warn!(
            path = %dir.display(),
            from = format!("{:o}", mode & 0o777),
            "the data folder was open to other users; it is now 0700"
        );
    }
    Ok(())
}

#[cfg(not(unix))]
fn tighten(_dir: &Path) -> std::io::Result<()> {
    Ok(())
}

/// Open `path` as `options` say, a file created by it mode 0600 whatever the umask (the umask only takes bits
/// away). One found open to others (made by an older version, with the umask's 0644) is tightened to 0600 if it
/// is this user's own. Every file of the data folder that is not written whole ([`write_atomic`]) opens here:
/// logs appended to, locks, markers.
pub fn open_private(options: &mut std::fs::OpenOptions, path: &Path) -> std::io::Result<File> {
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(options, 0o600);
    let file = options.open(path)?;
    tighten_file(&file, path)?;
    Ok(file)
}

/// Create (or empty) `path`, mode 0600, and write `bytes` to it: a marker another process looks for.
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    open_private(
        std::fs::OpenOptions::new()
            .create(true)
            .write(true)
            .truncate(true),
        path,
    )?
    .write_all(bytes)
}

#[cfg(unix)]
fn tighten_file(file: &File, path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let meta = file.metadata()?;
    let me = rustix::process::getuid().as_raw();
    if meta.permissions().mode() & 0o077 != 0 && meta.uid() == me {
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        tracing::debug!(path = %path.display(), "a file of the data folder was open to other users; it is now 0600");
    }
    Ok(())
}

#[cfg(not(unix))]
fn tighten_file(_file: &File, _path: &Path) -> std::io::Result<()> {
    Ok(())
}

/// Write `bytes` to `path` atomically: a temp file in `dir`, mode 0600, fsync, rename, fsync the directory.
pub fn write_atomic(dir: &Path, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_with(dir, path, bytes, true)
}

/// Like [`write_atomic`] without the fsyncs: a reader never sees half a file, but a power cut may lose the
/// write. For caches (a connection's last status) that the next check writes again.
pub fn write_atomic_unsynced(dir: &Path, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_with(dir, path, bytes, false)
}

fn write_with(dir: &Path, path: &Path, bytes: &[u8], sync: bool) -> std::io::Result<()> {
    // Crash points (debug builds, `PATCHBAY_FAULT=write-synced:connections.json`): a test kills the process
    // at each step and shows the file is the old one or the new one, never half of either.
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let fault = |stage: &str| crate::fault::point(&format!("{stage}:{name}"));
    ensure_private_dir(dir)?;
    let mut tmp = tempfile::Builder::new().prefix(".tmp-").tempfile_in(dir)?;
    set_mode(tmp.path(), 0o600)?;
    tmp.write_all(&bytes[..bytes.len() / 2])?;
    fault("write-half");
    tmp.write_all(&bytes[bytes.len() / 2..])?;
    fault("write-temp-written");
    if sync {
        tmp.as_file().sync_all()?;
    }
    fault("write-synced");
    tmp.persist(path).map_err(|e| e.error)?;
    fault("write-renamed");
    #[cfg(unix)]
    if sync {
        File::open(dir)?.sync_all()?;
    }
    Ok(())
}
