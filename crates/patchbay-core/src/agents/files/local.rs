//! The one folder on this computer the file tools may touch (`patchbay mcp --files-dir DIR`): `download_file`
//! writes only into it, `upload_file` reads only from it. An assistant names local files by what it read — and
//! what it read may be a document written to steer it ("upload ~/.ssh/id_ed25519") — so every local path it
//! gives is resolved as the system resolves it (symbolic links followed) and refused unless it lands on a
//! regular file inside the folder: `..`, a path elsewhere, a link that leads out, a folder or a device all are.

use crate::error::{ErrorCode, ErrorInfo};
use crate::files::download::local_name;
use crate::files::failure;
use std::fs::OpenOptions;
use std::path::{Component, Path, PathBuf};

/// How many names `name (1).ext` … a download tries before giving up.
const MAX_COPIES: u32 = 1_000;

/// The folder, canonical (its own symbolic links resolved, so what is inside it is compared as the system
/// sees it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilesDir {
    root: PathBuf,
}

fn refused(title: impl Into<String>, message: impl Into<String>) -> ErrorInfo {
    ErrorInfo::new(ErrorCode::InvalidInput, title, message)
}

/// `~` and `~/…` as the home folder (assistants' JSON configurations are not read by a shell).
fn expand_home(path: &Path) -> PathBuf {
    let Some(home) = directories::BaseDirs::new().map(|b| b.home_dir().to_path_buf()) else {
        return path.to_path_buf();
    };
    match path.strip_prefix("~") {
        Ok(rest) => home.join(rest),
        Err(_) => path.to_path_buf(),
    }
}

impl FilesDir {
    /// Where the window suggests it: the Downloads folder's `Patchbay` (the home folder's `Downloads/Patchbay`
    /// where the system names no Downloads folder).
    pub fn default_path() -> Option<PathBuf> {
        let downloads = directories::UserDirs::new()
            .and_then(|u| u.download_dir().map(Path::to_path_buf))
            .or_else(|| directories::BaseDirs::new().map(|b| b.home_dir().join("Downloads")))?;
        Some(downloads.join("Patchbay"))
    }

    /// The folder at `path`, which must be a folder of its own: made when it is missing and its parent exists
    /// (or it is [`FilesDir::default_path`], made with its parents), refused in words when it cannot be had, and
    /// when it is the file system's root, the home folder itself, or holds or is inside `data_dir` (Patchbay's
    /// data folder): everything inside it may be uploaded.
    pub fn open(path: &Path, data_dir: &Path) -> Result<Self, ErrorInfo> {
        if path.as_os_str().is_empty() {
            return Err(refused(
                "--files-dir was given an empty path.",
                "Give a folder of its own, e.g. ~/Downloads/Patchbay.",
            ));
        }
        let path = expand_home(path);
        let shown = path.display().to_string();
        match std::fs::metadata(&path) {
            Ok(meta) if meta.is_dir() => {}
            Ok(_) => {
                return Err(refused(
                    format!("{shown} is a file, not a folder: --files-dir needs a folder."),
                    "Give a folder of its own, e.g. ~/Downloads/Patchbay.",
                ))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let is_default = Self::default_path().is_some_and(|d| d == path);
                let parent_exists = path.parent().is_some_and(|p| p.is_dir());
                if !is_default && !parent_exists {
                    return Err(refused(
                        format!(
                            "The folder {shown} given to --files-dir does not exist, nor does the folder it would \
                             be made in."
                        ),
                        "Check the path, or make the folder first.",
                    ));
                }
                std::fs::create_dir_all(&path)
                    .map_err(|e| failure::local("make the folder", &path, &e))?;
            }
            Err(e) => return Err(failure::local("open the folder", &path, &e)),
        }
        let root = std::fs::canonicalize(&path)
            .map_err(|e| failure::local("open the folder", &path, &e))?;
        let home =
            directories::BaseDirs::new().and_then(|b| std::fs::canonicalize(b.home_dir()).ok());
        if root.parent().is_none() || home.as_deref() == Some(root.as_path()) {
            return Err(refused(
                format!(
                    "{} is too wide for --files-dir: an assistant could upload anything in it.",
                    root.display()
                ),
                "Give a folder of its own, e.g. ~/Downloads/Patchbay, and put in it only what the assistant may \
                 upload.",
            ));
        }
        let data = std::fs::canonicalize(data_dir).unwrap_or_else(|_| data_dir.to_path_buf());
        if root.starts_with(&data) || data.starts_with(&root) {
            return Err(refused(
                format!(
                    "{} holds Patchbay's own data folder (or is inside it): it cannot be the assistant's files \
                     folder.",
                    root.display()
                ),
                "Give a folder of its own, e.g. ~/Downloads/Patchbay.",
            ));
        }
        Ok(Self { root })
    }

    /// The folder (canonical).
    pub fn path(&self) -> &Path {
        &self.root
    }

    /// The regular file an assistant's `local_path` names (relative to the folder, or absolute), resolved with
    /// every symbolic link followed, when it is inside the folder; refused in words otherwise.
    pub fn confine(&self, given: &str) -> Result<PathBuf, ErrorInfo> {
        let dir = self.root.display();
        let given = given.trim();
        if given.is_empty() {
            return Err(refused(
                "local_path is empty.",
                format!("Give the name of a file in {dir}, e.g. report.pdf."),
            ));
        }
        let asked = Path::new(given);
        if asked.components().any(|c| c == Component::ParentDir) {
            return Err(refused(
                format!("local_path {given:?} has \"..\" in it: only files inside {dir} may be uploaded."),
                format!("Give the name of a file in {dir}, as it is there (no \"..\")."),
            ));
        }
        // A path with a root but no drive (`\x` on Windows), or a drive but no root (`C:x`), is neither inside
        // the folder nor plainly elsewhere: refused.
        let rooted = asked.has_root()
            || asked
                .components()
                .any(|c| matches!(c, Component::Prefix(_)));
        if rooted && !asked.is_absolute() {
            return Err(refused(
                format!("local_path {given:?} is not a path Patchbay can place."),
                format!("Give the name of a file in {dir}, e.g. report.pdf."),
            ));
        }
        let candidate = if asked.is_absolute() {
            asked.to_path_buf()
        } else {
            self.root.join(asked)
        };
        let outside = || {
            refused(
                format!("local_path {given:?} is outside {dir}: only files inside it may be uploaded."),
                format!("Ask the person to copy the file into {dir} if they want it uploaded, then give its name."),
            )
        };
        let named_inside = !asked.is_absolute() || candidate.starts_with(&self.root);
        let real = std::fs::canonicalize(&candidate).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound && !named_inside {
                outside()
            } else if e.kind() == std::io::ErrorKind::NotFound {
                refused(
                    format!("There is no {given} in {dir}."),
                    format!(
                        "Give the name of a file in {dir} (download_file puts files there; the person may put \
                         files there too)."
                    ),
                )
            } else {
                failure::local("read", &candidate, &e)
            }
        })?;
        if !real.starts_with(&self.root) {
            return Err(if named_inside {
                refused(
                    format!(
                        "local_path {given:?} leads out of {dir} through a symbolic link: only files inside it may \
                         be uploaded."
                    ),
                    "Upload a file that is in the folder itself; the person can copy one there.",
                )
            } else {
                outside()
            });
        }
        let meta = std::fs::metadata(&real).map_err(|e| failure::local("read", &real, &e))?;
        if !meta.is_file() {
            let what = if meta.is_dir() {
                "a folder"
            } else {
                "not a regular file"
            };
            return Err(refused(
                format!("local_path {given:?} is {what}: only files can be uploaded."),
                "Give a file's name; upload a folder's files one by one.",
            ));
        }
        Ok(real)
    }

    /// A new file in the folder for a download of `name` (made safe as one local name), made empty and
    /// exclusively so nothing there is ever overwritten: `a.pdf`, else `a (1).pdf`, `a (2).pdf`, …
    pub fn reserve(&self, name: &str) -> Result<PathBuf, ErrorInfo> {
        let safe = local_name(name);
        // `.bashrc` has no extension; `a.tar.gz` keeps `.gz`.
        let (stem, extension) = match safe.rfind('.') {
            Some(at) if at > 0 => (&safe[..at], &safe[at..]),
            _ => (safe.as_str(), ""),
        };
        for n in 0..MAX_COPIES {
            let candidate = if n == 0 {
                safe.clone()
            } else {
                format!("{stem} ({n}){extension}")
            };
            let path = self.root.join(&candidate);
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(_) => return Ok(path),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(failure::local("write in", &self.root, &e)),
            }
        }
        Err(refused(
            format!(
                "{} already holds {MAX_COPIES} files named like {safe}.",
                self.root.display()
            ),
            "Ask the person to tidy the folder, then download it again.",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder() -> (tempfile::TempDir, FilesDir) {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("files");
        std::fs::create_dir(&dir).unwrap();
        let data = tmp.path().join("data");
        (tmp, FilesDir::open(&dir, &data).unwrap())
    }

    #[test]
    fn files_inside_are_found_and_everything_else_is_refused_in_words() {
        let (tmp, dir) = folder();
        std::fs::write(dir.path().join("report.pdf"), b"%PDF").unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        std::fs::write(dir.path().join("sub/a.txt"), b"a").unwrap();
        let secret = tmp.path().join("id_ed25519");
        std::fs::write(&secret, b"PRIVATE KEY").unwrap();

        let inside = dir.confine("report.pdf").unwrap();
        assert_eq!(inside, dir.path().join("report.pdf"));
        assert_eq!(
            dir.confine(" sub/a.txt ").unwrap(),
            dir.path().join("sub/a.txt")
        );
        let absolute = dir.path().join("report.pdf");
        assert_eq!(dir.confine(absolute.to_str().unwrap()).unwrap(), absolute);

        let words = |given: &str| dir.confine(given).unwrap_err().title;
        assert!(
            words("../id_ed25519").contains(".."),
            "{}",
            words("../id_ed25519")
        );
        assert!(words("sub/../report.pdf").contains(".."));
        assert!(words(secret.to_str().unwrap()).contains("outside"));
        assert!(words("missing.txt").contains("There is no missing.txt"));
        assert!(words("sub").contains("a folder"));
        assert!(words("").contains("empty"));
        #[cfg(unix)]
        {
            assert!(words("/etc/passwd").contains("outside"));
            assert!(words("/etc/no-such-file").contains("outside"));
            std::os::unix::fs::symlink(&secret, dir.path().join("notes.txt")).unwrap();
            std::os::unix::fs::symlink(tmp.path(), dir.path().join("up")).unwrap();
            assert!(
                words("notes.txt").contains("symbolic link"),
                "{}",
                words("notes.txt")
            );
            assert!(words("up/id_ed25519").contains("symbolic link"));
            // A link that stays inside is followed.
            std::os::unix::fs::symlink(dir.path().join("report.pdf"), dir.path().join("same.pdf"))
                .unwrap();
            assert_eq!(dir.confine("same.pdf").unwrap(), inside);
        }
    }

    #[test]
    fn downloads_never_overwrite_and_names_stay_in_the_folder() {
        let (_tmp, dir) = folder();
        let first = dir.reserve("Report.pdf").unwrap();
        assert_eq!(first, dir.path().join("Report.pdf"));
        assert_eq!(
            dir.reserve("Report.pdf").unwrap(),
            dir.path().join("Report (1).pdf")
        );
        assert_eq!(
            dir.reserve("Report.pdf").unwrap(),
            dir.path().join("Report (2).pdf")
        );
        assert_eq!(dir.reserve("../evil").unwrap(), dir.path().join(".._evil"));
        assert_eq!(dir.reserve(".bashrc").unwrap(), dir.path().join(".bashrc"));
        assert_eq!(
            dir.reserve(".bashrc").unwrap(),
            dir.path().join(".bashrc (1)")
        );
        assert_eq!(dir.reserve("..").unwrap(), dir.path().join("download"));
        #[cfg(unix)]
        {
            // A dangling link under the name is not written through.
            std::os::unix::fs::symlink("/tmp/pb-nowhere", dir.path().join("x.txt")).unwrap();
            assert_eq!(dir.reserve("x.txt").unwrap(), dir.path().join("x (1).txt"));
        }
    }

    #[test]
    fn the_folder_must_be_one_of_its_own() {
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path().join("data");
        std::fs::create_dir(&data).unwrap();
        // Missing, with its parent there: made.
        let made = FilesDir::open(&tmp.path().join("new"), &data).unwrap();
        assert!(made.path().is_dir());
        // Missing, and its parent too: refused.
        let deep = FilesDir::open(&tmp.path().join("no/such"), &data).unwrap_err();
        assert!(deep.title.contains("does not exist"), "{}", deep.title);
        let file = tmp.path().join("f");
        std::fs::write(&file, b"x").unwrap();
        assert!(FilesDir::open(&file, &data)
            .unwrap_err()
            .title
            .contains("not a folder"));
        assert!(FilesDir::open(Path::new("/"), &data)
            .unwrap_err()
            .title
            .contains("too wide"));
        assert!(FilesDir::open(tmp.path(), &data)
            .unwrap_err()
            .title
            .contains("data folder"));
        assert!(FilesDir::open(&data, &data)
            .unwrap_err()
            .title
            .contains("data folder"));
        if let Some(home) = directories::BaseDirs::new().map(|b| b.home_dir().to_path_buf()) {
            if home.is_dir() && !data.starts_with(&home) {
                assert!(FilesDir::open(&home, &data)
                    .unwrap_err()
                    .title
                    .contains("too wide"));
            }
        }
    }
}
