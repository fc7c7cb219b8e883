//! *Start at login* on macOS: a LaunchAgent, `~/Library/LaunchAgents/dev.patchbay.service.plist`. launchd reads
//! the folder at each login and starts the service in the graphical session (`LimitLoadToSessionType` Aqua: it
//! shows a menu bar item, so an SSH login has nothing to start it for). Written with the `plist` crate, as launchd
//! reads it; it runs the service once per login (`RunAtLoad`) and never starts it again behind the person's back
//! (no `KeepAlive`: the tray's Quit stays quit until the next login).
//!
//! macOS 13 and later list it in System Settings › General › Login Items, where the person can switch it off.

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The agent's label, and its file's name without `.plist`.
pub const LABEL: &str = "dev.patchbay.service";

/// Where a person looks when the entry cannot be written.
#[cfg_attr(not(target_os = "macos"), allow(dead_code))]
pub const WHERE: &str = "your LaunchAgents folder (~/Library/LaunchAgents)";

/// The keys launchd reads (`man launchd.plist`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Agent {
    label: String,
    program_arguments: Vec<String>,
    run_at_load: bool,
    /// Interactive: a program the person sees (its menu bar item), not throttled as a background daemon.
    process_type: String,
    limit_load_to_session_type: String,
}

/// What an agent found on disk says, as far as Patchbay cares: whose it is and what it starts. Other keys (the
/// person's own edits) are left to launchd.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Found {
    label: Option<String>,
    program_arguments: Option<Vec<String>>,
}

/// The agent that starts `program` at login, as XML.
pub fn render(program: &Path) -> Vec<u8> {
    let agent = Agent {
        label: LABEL.into(),
        program_arguments: vec![program.to_string_lossy().into_owned()],
        run_at_load: true,
        process_type: "Interactive".into(),
        limit_load_to_session_type: "Aqua".into(),
    };
    let mut xml = Vec::new();
    plist::to_writer_xml(&mut xml, &agent)
        .expect("a plist of strings and booleans always serialises");
    xml.push(b'\n');
    xml
}

/// The program an agent file starts, if it is Patchbay's (its label) and names one; `None` for anything else
/// (not a property list, another agent, no program).
pub fn program_of(bytes: &[u8]) -> Option<PathBuf> {
    let found: Found = plist::from_bytes(bytes).ok()?;
    if found.label.as_deref() != Some(LABEL) {
        return None;
    }
    found
        .program_arguments?
        .into_iter()
        .next()
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
}

/// Patchbay's LaunchAgent.
#[derive(Debug, Clone)]
#[cfg_attr(not(target_os = "macos"), allow(dead_code))]
pub struct Entry {
    file: PathBuf,
    program: PathBuf,
}

#[cfg_attr(not(target_os = "macos"), allow(dead_code))]
impl Entry {
    /// The agent that starts `program` at login; `None` without a home folder.
    pub fn for_program(program: &Path) -> Option<Self> {
        let home = std::env::var_os("HOME").filter(|h| !h.is_empty())?;
        Some(Self::in_folder(
            &PathBuf::from(home).join("Library/LaunchAgents"),
            program,
        ))
    }

    fn in_folder(folder: &Path, program: &Path) -> Self {
        Self {
            file: folder.join(format!("{LABEL}.plist")),
            program: program.to_path_buf(),
        }
    }

    pub fn location(&self) -> String {
        self.file.display().to_string()
    }

    pub fn enabled(&self) -> bool {
        self.file.is_file()
    }

    /// Write or remove the agent. launchd refuses an agent others can write, so it is written 0644 whatever
    /// the umask, in a folder made 0755 when missing (a fresh home has no ~/Library/LaunchAgents yet). It takes
    /// effect at the next login: the service that offers the toggle is already running.
    pub fn set(&self, enabled: bool) -> std::io::Result<()> {
        if !enabled {
            return match std::fs::remove_file(&self.file) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
                _ => Ok(()),
            };
        }
        if let Some(dir) = self.file.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(&self.file, render(&self.program))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&self.file, std::fs::Permissions::from_mode(0o644))?;
        }
        Ok(())
    }

    /// An agent that starts another program (the app moved, an earlier build) now starts this one.
    pub fn migrate(&self) -> std::io::Result<bool> {
        let Ok(bytes) = std::fs::read(&self.file) else {
            return Ok(false);
        };
        if program_of(&bytes).as_deref() == Some(self.program.as_path()) {
            return Ok(false);
        }
        self.set(true)?;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_agent_is_rendered_as_launchd_reads_it_and_parsed_back() {
        let program = Path::new("/Applications/Patchbay.app/Contents/MacOS/patchbay-service");
        let xml = render(program);
        let text = String::from_utf8(xml.clone()).unwrap();
        assert!(text.starts_with("<?xml"), "{text}");
        assert!(text.contains("<!DOCTYPE plist"), "{text}");
        for key in [
            "<key>Label</key>",
            "<string>dev.patchbay.service</string>",
            "<key>ProgramArguments</key>",
            "<key>RunAtLoad</key>",
            "<true/>",
            "<key>LimitLoadToSessionType</key>",
            "<string>Aqua</string>",
        ] {
            assert!(text.contains(key), "{key} missing from {text}");
        }
        assert!(!text.contains("KeepAlive"), "Quit must stay quit: {text}");
        assert_eq!(program_of(&xml).as_deref(), Some(program));
    }

    #[test]
    fn a_path_with_markup_characters_is_escaped_and_comes_back_whole() {
        let program =
            Path::new("/Users/a&b/<Apps> \"x\"/Patchbay.app/Contents/MacOS/patchbay-service");
        let xml = render(program);
        let text = String::from_utf8(xml.clone()).unwrap();
        assert!(text.contains("a&amp;b/&lt;Apps&gt;"), "{text}");
        assert_eq!(program_of(&xml).as_deref(), Some(program));
    }

    #[test]
    fn only_patchbays_agent_with_a_program_counts() {
        assert_eq!(program_of(b"not a plist"), None);
        let other = String::from_utf8(render(Path::new("/x")))
            .unwrap()
            .replace(LABEL, "com.example.other");
        assert_eq!(program_of(other.as_bytes()), None);
        let empty = String::from_utf8(render(Path::new(""))).unwrap();
        assert_eq!(program_of(empty.as_bytes()), None);
    }

    #[test]
    fn start_at_login_writes_removes_and_migrates_the_agent() {
        let home = tempfile::tempdir().unwrap();
        // A home without ~/Library/LaunchAgents yet.
        let folder = home.path().join("Library/LaunchAgents");
        let program = Path::new("/Applications/Patchbay.app/Contents/MacOS/patchbay-service");
        let agent = Entry::in_folder(&folder, program);
        assert!(!agent.enabled());
        assert!(!agent.migrate().unwrap(), "nothing to migrate");
        agent.set(true).unwrap();
        assert!(agent.enabled());
        assert!(agent
            .location()
            .ends_with("Library/LaunchAgents/dev.patchbay.service.plist"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&agent.file).unwrap().permissions().mode();
            assert_eq!(
                mode & 0o777,
                0o644,
                "launchd refuses an agent others can write"
            );
        }
        assert!(!agent.migrate().unwrap(), "already this program");
        // The app was moved: the agent that started it from the old place now starts this one.
        std::fs::write(
            &agent.file,
            render(Path::new(
                "/Users/a/Downloads/Patchbay.app/Contents/MacOS/patchbay-service",
            )),
        )
        .unwrap();
        assert!(agent.migrate().unwrap());
        assert_eq!(
            program_of(&std::fs::read(&agent.file).unwrap()).as_deref(),
            Some(program)
        );
        agent.set(false).unwrap();
        assert!(!agent.enabled());
        agent.set(false).unwrap();
    }
}
