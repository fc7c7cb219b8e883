//! *Start at login* on Linux and the BSDs: an XDG autostart entry (`$XDG_CONFIG_HOME/autostart/Patchbay.desktop`)
//! that starts the resident service.
//!
//! Written here rather than by a library: the entry is a few lines, and it must quote its `Exec` path as the
//! Desktop Entry Specification says (a build under a folder with a space in it) and honour `XDG_CONFIG_HOME`,
//! which the crates we looked at do not. Before the resident service, the same file started the window
//! (`patchbay-app --background`); [`Entry::migrate`] points such an entry at the service, so a person who
//! ticked *Start at login* keeps it.

use std::path::{Path, PathBuf};

/// The entry's file name: the same one earlier versions wrote, so there is only ever one.
pub const ENTRY_NAME: &str = "Patchbay.desktop";

/// Where a person looks when the entry cannot be written.
pub const WHERE: &str = "your autostart folder (~/.config/autostart)";

/// Patchbay's autostart entry.
#[derive(Debug, Clone)]
pub struct Entry {
    entry: PathBuf,
    program: PathBuf,
}

/// `$XDG_CONFIG_HOME/autostart`, else `~/.config/autostart`.
pub fn autostart_dir() -> Option<PathBuf> {
    std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))
        .map(|config| config.join("autostart"))
}

/// A value of `Exec` for one argument: quoted when it needs to be, with `"`, `` ` ``, `$` and `\` escaped
/// (Desktop Entry Specification, "The Exec key"), and `%` doubled.
fn exec_arg(arg: &str) -> String {
    let plain = !arg.is_empty()
        && arg
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/-_.+,=:@".contains(c));
    let arg = arg.replace('%', "%%");
    if plain {
        return arg;
    }
    let mut quoted = String::from("\"");
    for c in arg.chars() {
        if matches!(c, '"' | '`' | '$' | '\\') {
            quoted.push('\\');
        }
        quoted.push(c);
    }
    quoted.push('"');
    quoted
}

impl Entry {
    /// The entry that starts `program` (the service's executable) at login; `None` without a home folder.
    pub fn for_program(program: &Path) -> Option<Self> {
        Some(Self {
            entry: autostart_dir()?.join(ENTRY_NAME),
            program: program.to_path_buf(),
        })
    }

    /// Where the entry is.
    pub fn location(&self) -> String {
        self.entry.display().to_string()
    }

    /// The entry's text.
    pub fn contents(&self) -> String {
        let exec = exec_arg(&self.program.to_string_lossy());
        format!(
            "[Desktop Entry]\n\
             Type=Application\n\
             Name=Patchbay\n\
             Comment=Keeps your Microsoft 365 connections checked, in the tray\n\
             Exec={exec}\n\
             TryExec={exec}\n\
             Icon=patchbay-app\n\
             Terminal=false\n\
             NoDisplay=true\n\
             X-GNOME-Autostart-enabled=true\n"
        )
    }

    /// Whether Patchbay starts at login.
    pub fn enabled(&self) -> bool {
        self.entry.exists()
    }

    /// Start at login (`true`) or not.
    pub fn set(&self, enabled: bool) -> std::io::Result<()> {
        if enabled {
            if let Some(dir) = self.entry.parent().filter(|d| !d.exists()) {
                // A fresh home may have no ~/.config yet: made as the XDG Base Directory specification asks (0700).
                let mut builder = std::fs::DirBuilder::new();
                builder.recursive(true);
                #[cfg(unix)]
                std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
                builder.create(dir)?;
            }
            std::fs::write(&self.entry, self.contents())
        } else {
            match std::fs::remove_file(&self.entry) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
                _ => Ok(()),
            }
        }
    }

    /// An entry left by an earlier version (it started the window, `patchbay-app --background`) or by another
    /// build of the service now starts this service. True when it was rewritten.
    pub fn migrate(&self) -> std::io::Result<bool> {
        let Ok(text) = std::fs::read_to_string(&self.entry) else {
            return Ok(false);
        };
        if text == self.contents() {
            return Ok(false);
        }
        std::fs::write(&self.entry, self.contents())?;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exec_paths_are_quoted_as_the_specification_says() {
        assert_eq!(
            exec_arg("/usr/bin/patchbay-service"),
            "/usr/bin/patchbay-service"
        );
        assert_eq!(
            exec_arg("/home/a b/target/patchbay-service"),
            "\"/home/a b/target/patchbay-service\""
        );
        assert_eq!(exec_arg("/x/$y\"`z\\"), "\"/x/\\$y\\\"\\`z\\\\\"");
        assert_eq!(exec_arg("/x/100%"), "\"/x/100%%\"");
    }

    #[test]
    fn start_at_login_writes_removes_and_migrates_the_entry() {
        let dir = tempfile::tempdir().unwrap();
        // A home without ~/.config yet (a first run).
        let auto = Entry {
            entry: dir.path().join(".config/autostart").join(ENTRY_NAME),
            program: PathBuf::from("/usr/bin/patchbay-service"),
        };
        assert!(!auto.enabled());
        assert!(!auto.migrate().unwrap(), "nothing to migrate");
        auto.set(true).unwrap();
        assert!(auto.enabled());
        let text = std::fs::read_to_string(auto.entry.as_path()).unwrap();
        assert!(
            text.contains("\nExec=/usr/bin/patchbay-service\n"),
            "{text}"
        );
        assert!(!text.contains("--background"), "{text}");
        // An older version's entry started the window into the tray: it now starts the service.
        std::fs::write(
            auto.entry.as_path(),
            "[Desktop Entry]\nType=Application\nName=Patchbay\nExec=/usr/bin/patchbay-app --background\n",
        )
        .unwrap();
        assert!(auto.migrate().unwrap());
        assert_eq!(
            std::fs::read_to_string(auto.entry.as_path()).unwrap(),
            auto.contents()
        );
        assert!(!auto.migrate().unwrap(), "once");
        auto.set(false).unwrap();
        assert!(!auto.enabled());
        auto.set(false).unwrap();
    }
}
