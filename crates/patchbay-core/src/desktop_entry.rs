//! Which program opens `patchbay://` links on a freedesktop system (Linux, BSD).
//!
//! The package's desktop entry (`/usr/share/applications/Patchbay.desktop`, `MimeType=x-scheme-handler/patchbay;`)
//! claims the scheme for every user the moment it is installed; a build from source claims it per user at its
//! first start (the deep-link plugin writes `~/.local/share/applications/patchbay-app-handler.desktop`). Both the
//! app (to leave a packaged registration alone) and `patchbay doctor` (to tell a working handler from one that
//! points at a program that is gone) ask the same question here: `xdg-mime query default`, then the entry's
//! `Exec` program.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The desktop entry the desktop would start for a scheme, and the program it runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemeHandler {
    /// The desktop file id (`Patchbay.desktop`).
    pub desktop_id: String,
    /// Where that file is, when it was found in the XDG data directories.
    pub file: Option<PathBuf>,
    /// The program its `Exec` line runs, resolved on PATH when it is a bare name; `None` when it cannot be
    /// found (the build it pointed at was deleted, the package removed).
    pub program: Option<PathBuf>,
}

impl SchemeHandler {
    /// Whether links would start this very executable (comparing canonical paths).
    pub fn runs(&self, exe: &Path) -> bool {
        match (&self.program, exe.canonicalize()) {
            (Some(program), Ok(exe)) => program.canonicalize().is_ok_and(|p| p == exe),
            _ => false,
        }
    }
}

/// The default handler of `x-scheme-handler/<scheme>`, or `None` when no application claims it. Errs when
/// `xdg-mime` cannot run (xdg-utils missing).
pub fn scheme_handler(scheme: &str) -> std::io::Result<Option<SchemeHandler>> {
    let out = Command::new("xdg-mime")
        .args(["query", "default", &format!("x-scheme-handler/{scheme}")])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()?;
    let desktop_id = String::from_utf8_lossy(&out.stdout).trim().to_string();
    if !out.status.success() || desktop_id.is_empty() {
        return Ok(None);
    }
    let file = find_desktop_file(&desktop_id);
    let program = file
        .as_deref()
        .and_then(|f| std::fs::read_to_string(f).ok())
        .and_then(|text| exec_program(&text))
        .and_then(|program| which(&program));
    Ok(Some(SchemeHandler {
        desktop_id,
        file,
        program,
    }))
}

/// A desktop file id's file: `$XDG_DATA_HOME/applications` first, then each of `$XDG_DATA_DIRS` (the
/// Desktop Entry Specification's lookup; ids with a `-` standing for a subfolder are not searched).
fn find_desktop_file(desktop_id: &str) -> Option<PathBuf> {
    if desktop_id.contains('/') || desktop_id.starts_with('.') {
        return None;
    }
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let data_home = std::env::var_os("XDG_DATA_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| home.map(|h| h.join(".local/share")));
    let data_dirs = std::env::var("XDG_DATA_DIRS")
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "/usr/local/share:/usr/share".into());
    data_home
        .into_iter()
        .chain(data_dirs.split(':').map(PathBuf::from))
        .map(|dir| dir.join("applications").join(desktop_id))
        .find(|path| path.is_file())
}

/// The program of the `Exec` key in the `[Desktop Entry]` group: the first word, unquoted (the specification
/// quotes with double quotes and escapes `"`, `` ` ``, `$` and `\` inside them with a backslash).
pub fn exec_program(desktop_file: &str) -> Option<String> {
    let mut in_entry = false;
    for line in desktop_file.lines().map(str::trim) {
        if line.starts_with('[') {
            in_entry = line == "[Desktop Entry]";
            continue;
        }
        let Some(value) = line.strip_prefix("Exec").map(str::trim_start) else {
            continue;
        };
        let Some(value) = value.strip_prefix('=').map(str::trim_start) else {
            continue;
        };
        if !in_entry {
            continue;
        }
        let program = match value.strip_prefix('"') {
            Some(quoted) => {
                let mut out = String::new();
                let mut chars = quoted.chars();
                loop {
                    match chars.next()? {
                        '"' => break,
                        '\\' => out.push(chars.next()?),
                        c => out.push(c),
                    }
                }
                out
            }
            None => value.split_whitespace().next()?.to_string(),
        };
        return (!program.is_empty()).then_some(program);
    }
    None
}

/// One of Patchbay's own programs (`patchbay-service`, `patchbay-app`, `patchbay-sandbox`): where `env_var` says,
/// else beside the running executable (a build puts them all in `target/…`, a package its commands in
/// `/usr/bin`, an installer or a macOS app bundle all in one folder), else in `../lib/patchbay/` from it (where a
/// package keeps a helper that is no command of its own), else on `PATH`. On Windows its file is `name.exe`.
pub fn sibling_program(name: &str, env_var: &str) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(env_var).filter(|v| !v.is_empty()) {
        let path = PathBuf::from(path);
        return path.is_file().then_some(path);
    }
    let dir = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(Path::to_path_buf));
    let names = file_names(name, std::env::consts::EXE_SUFFIX);
    dir.iter()
        .flat_map(|d| [d.to_path_buf(), d.join("../lib/patchbay")])
        .flat_map(|d| names.iter().map(move |n| d.join(n)))
        .find(|p| p.is_file())
        .or_else(|| which(name))
}

/// The file names a program `name` may have: itself, and with the platform's executable suffix (`.exe`) when
/// it has one and `name` does not end in it.
fn file_names(name: &str, exe_suffix: &str) -> Vec<String> {
    let mut names = vec![name.to_string()];
    if !exe_suffix.is_empty() && !name.to_ascii_lowercase().ends_with(exe_suffix) {
        names.push(format!("{name}{exe_suffix}"));
    }
    names
}

/// The first `name` on `PATH` (or `name` itself when it is a path to a file); on Windows `name.exe` too.
pub fn which(name: &str) -> Option<PathBuf> {
    let candidate = Path::new(name);
    if candidate.components().count() > 1 {
        return candidate.is_file().then(|| candidate.to_path_buf());
    }
    let names = file_names(name, std::env::consts::EXE_SUFFIX);
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .flat_map(|dir| names.iter().map(move |n| dir.join(n)))
            .find(|p| p.is_file())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_program_of_a_packaged_entry_is_a_bare_name() {
        let text = "[Desktop Entry]\nType=Application\nName=Patchbay\nExec=patchbay-app %u\nTryExec=patchbay-app\n";
        assert_eq!(exec_program(text).as_deref(), Some("patchbay-app"));
    }

    #[test]
    fn the_program_of_a_run_time_registration_is_quoted() {
        // What the deep-link plugin writes for a build from source.
        let text = "[Desktop Entry]\nExec=\"/var/tmp/patchbay target/debug/patchbay-app\" %u\n";
        assert_eq!(
            exec_program(text).as_deref(),
            Some("/var/tmp/patchbay target/debug/patchbay-app")
        );
        assert_eq!(
            exec_program("[Desktop Entry]\nExec = \"/a/\\\"b\\\"\" %u\n").as_deref(),
            Some("/a/\"b\"")
        );
    }

    #[test]
    fn only_the_desktop_entry_group_counts() {
        let text = "[Desktop Action new]\nExec=other --new\n\n[Desktop Entry]\nExecutable=no\nExec=patchbay-app\n";
        assert_eq!(exec_program(text).as_deref(), Some("patchbay-app"));
        assert_eq!(exec_program("[Desktop Action x]\nExec=other\n"), None);
        assert_eq!(exec_program("[Desktop Entry]\nExec=\"unterminated\n"), None);
        assert_eq!(exec_program("[Desktop Entry]\nExec=\n"), None);
    }

    #[test]
    fn a_program_is_looked_for_with_the_platforms_executable_suffix() {
        assert_eq!(file_names("patchbay-service", ""), ["patchbay-service"]);
        assert_eq!(
            file_names("patchbay-service", ".exe"),
            ["patchbay-service", "patchbay-service.exe"]
        );
        assert_eq!(file_names("notepad.EXE", ".exe"), ["notepad.EXE"]);
    }

    #[test]
    fn which_finds_programs_on_path_and_paths_as_given() {
        assert!(which("sh").is_some());
        assert!(which("no-such-program-patchbay").is_none());
        assert!(which("/bin/sh").is_some());
        assert!(which("/nonexistent/browser").is_none());
    }

    #[test]
    fn a_handler_runs_the_executable_its_program_resolves_to() {
        let sh = which("sh").unwrap();
        let handler = SchemeHandler {
            desktop_id: "x.desktop".into(),
            file: None,
            program: Some(sh.clone()),
        };
        assert!(handler.runs(&sh));
        assert!(!handler.runs(Path::new("/nonexistent/patchbay-app")));
        let gone = SchemeHandler {
            program: None,
            ..handler
        };
        assert!(!gone.runs(&sh));
    }
}
