//! Private files: a data folder only its user can read, and writes that a crash leaves whole (the old file or
//! the new one, never half of either). Everything Patchbay writes in its data folder goes through here — the
//! store, the vault, the status records, the locks, the logs of the programs it starts — so the one rule holds
//! everywhere, on the first run too: whatever opens a file there creates the folders on its way (0700) and the
//! file (0600). No process may assume the data folder exists.

use std::fs::{File, OpenOptions};
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

/// Create `dir` (mode 0700) if needed, and every missing folder on its way (0700 too, as the XDG Base Directory
/// specification asks: a fresh home has no `~/.local/share` yet, and `data/status` may be the first thing made
/// in `data`); created that way from the start, never open to others for a moment. An existing `dir` open to
/// others (a folder made by hand, or by an older version, with the umask's 0755) is tightened to 0700 too: its
/// names alone say whose mailboxes are connected.
pub fn ensure_private_dir(dir: &Path) -> std::io::Result<()> {
    if !dir.exists() {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(dir)?;
        // The umask may have taken more than the group's and others' bits.
        return set_mode(dir, 0o700);
    }
    tighten(dir)
}

/// Open `path` as `options` say, its folder made private first ([`ensure_private_dir`]) and the file, when this
/// creates it, mode 0600 whatever the umask; one found open to others (made by an older version, with the
/// umask's 0644) is tightened to 0600 if it is this user's own. Every file of the data folder that is not written
/// whole ([`write_atomic`]) opens here: locks, logs appended to, markers. An error names no step: callers that
/// must say whether the folder or the file failed call [`ensure_private_dir`] first.
pub fn open_private(path: &Path, options: &OpenOptions) -> std::io::Result<File> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        ensure_private_dir(dir)?;
    }
    open_private_existing(path, options)
}

/// [`open_private`] in a folder that must already be there: one removed meanwhile (an automation removed while
/// its round ran) is not made again; the open fails with `NotFound`.
pub fn open_private_existing(path: &Path, options: &OpenOptions) -> std::io::Result<File> {
    // Windows has no mode bits: the file takes the data folder's ACL (see docs/THREAT-MODEL.md).
    #[cfg_attr(not(unix), allow(unused_mut))]
    let mut options = options.clone();
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = options.open(path)?;
    tighten_file(&file, path)?;
    Ok(file)
}

/// A lock file in the data folder (created, 0600, when missing; never truncated: it may be held).
pub fn open_private_lock(path: &Path) -> std::io::Result<File> {
    open_private(
        path,
        OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true),
    )
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

/// Create (or empty) `path`, mode 0600, and write `bytes` to it: a marker another process looks for.
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    open_private(
        path,
        OpenOptions::new().create(true).write(true).truncate(true),
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

/// Like [`write_atomic`] (or unsynced, `sync: false`) into a folder that must already be there: a folder removed
/// meanwhile (its owner deleted) is not made again; the write fails with `NotFound`.
pub fn write_atomic_existing(
    dir: &Path,
    path: &Path,
    bytes: &[u8],
    sync: bool,
) -> std::io::Result<()> {
    if !dir.is_dir() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            format!("{} is gone", dir.display()),
        ));
    }
    write_inner(dir, path, bytes, sync)
}

fn write_with(dir: &Path, path: &Path, bytes: &[u8], sync: bool) -> std::io::Result<()> {
    ensure_private_dir(dir)?;
    write_inner(dir, path, bytes, sync)
}

fn write_inner(dir: &Path, path: &Path, bytes: &[u8], sync: bool) -> std::io::Result<()> {
    // Crash points (debug builds, `PATCHBAY_FAULT=write-synced:connections.json`): a test kills the process
    // at each step and shows the file is the old one or the new one, never half of either.
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let fault = |stage: &str| crate::fault::point(&format!("{stage}:{name}"));
    let mut builder = tempfile::Builder::new();
    builder.prefix(".tmp-");
    // Made 0600 (not opened wider, then narrowed).
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600));
    let mut tmp = builder.tempfile_in(dir)?;
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

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn a_file_opened_in_a_home_that_never_saw_patchbay_makes_every_folder_private() {
        let home = tempfile::tempdir().unwrap();
        let data = home.path().join(".local/share/patchbay");
        let log = data.join("service.log");
        let file = open_private(&log, OpenOptions::new().create(true).append(true)).unwrap();
        drop(file);
        for dir in [
            home.path().join(".local"),
            home.path().join(".local/share"),
            data.clone(),
        ] {
            assert_eq!(mode(&dir), 0o700, "{} is open to others", dir.display());
        }
        assert_eq!(mode(&log), 0o600, "the log is open to others");
        // A subfolder made first makes the data folder private as well.
        let other = home.path().join("elsewhere/patchbay");
        ensure_private_dir(&other.join("status")).unwrap();
        assert_eq!(mode(&other), 0o700);
        assert_eq!(mode(&other.join("status")), 0o700);
    }

    #[test]
    fn a_data_folder_open_to_others_is_tightened_and_existing_files_kept() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("patchbay");
        std::fs::create_dir(&data).unwrap();
        std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::write(data.join("service.log"), b"earlier\n").unwrap();
        let mut file = open_private(
            &data.join("service.log"),
            OpenOptions::new().create(true).append(true),
        )
        .unwrap();
        file.write_all(b"later\n").unwrap();
        assert_eq!(mode(&data), 0o700);
        assert_eq!(
            std::fs::read_to_string(data.join("service.log")).unwrap(),
            "earlier\nlater\n"
        );
    }
}
