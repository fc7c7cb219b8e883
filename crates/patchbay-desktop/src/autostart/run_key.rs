//! *Start at login* on Windows: the value `Patchbay` under `HKEY_CURRENT_USER\Software\Microsoft\Windows\
//! CurrentVersion\Run`, a command line Explorer runs at each sign-in, through Microsoft's `windows-registry` crate.
//! Per user, no administrator needed, and listed in Task Manager's *Startup apps* and Settings › Apps › Startup,
//! where the person can switch it off: Windows then keeps the value and records the choice under
//! `…\Explorer\StartupApproved\Run`, which [`Entry::enabled`] honours, and which ticking *Start at login* in
//! Patchbay again clears.
//!
//! The command line is the service's path in double quotes (a path under `C:\Program Files` has a space in it),
//! read back with the rules Windows uses for a program's name ([`program_of`]).

use std::path::Path;

/// The key Explorer runs at sign-in.
#[cfg_attr(not(windows), allow(dead_code))]
const RUN: &str = r"Software\Microsoft\Windows\CurrentVersion\Run";
/// Where Task Manager and Settings record that the person switched a Run entry off.
#[cfg_attr(not(windows), allow(dead_code))]
const APPROVED: &str = r"Software\Microsoft\Windows\CurrentVersion\Explorer\StartupApproved\Run";
/// The value's name, under both keys.
pub const VALUE: &str = "Patchbay";

/// Where a person looks when the entry cannot be written.
#[cfg_attr(not(windows), allow(dead_code))]
pub const WHERE: &str = "Task Manager's Startup apps (the Run key of your user)";

/// The command line that starts `program`: its path in double quotes. `None` for a path with a `"` in it,
/// which no Windows file name has and no quoting could carry.
pub fn render(program: &Path) -> Option<String> {
    let path = program.to_string_lossy();
    (!path.contains('"') && !path.is_empty()).then(|| format!("\"{path}\""))
}

/// The program a command line runs, as Windows reads a program's name (`CommandLineToArgvW`'s first argument):
/// up to the closing quote when it starts with one (no escapes: backslashes are the path's own), else up to the
/// first space or tab. `None` when there is none.
pub fn program_of(command_line: &str) -> Option<String> {
    let line = command_line.trim_start_matches([' ', '\t']);
    let program = match line.strip_prefix('"') {
        Some(quoted) => quoted.split('"').next().unwrap_or(quoted),
        None => line.split([' ', '\t']).next().unwrap_or(line),
    };
    (!program.is_empty()).then(|| program.to_string())
}

/// Whether the two name the same program: Windows paths are compared without regard to case.
pub fn same_program(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b) || a.to_lowercase() == b.to_lowercase()
}

/// Whether Task Manager's record (the `StartupApproved` value's bytes) lets the entry run: none, or a first byte
/// that is even (2: enabled), lets it; an odd one (3: the person switched it off) does not.
pub fn approved(record: Option<&[u8]>) -> bool {
    record
        .and_then(|bytes| bytes.first())
        .is_none_or(|first| first % 2 == 0)
}

/// Patchbay's Run value.
#[derive(Debug, Clone)]
#[cfg_attr(not(windows), allow(dead_code))]
pub struct Entry {
    program: std::path::PathBuf,
}

#[cfg(windows)]
mod registry {
    use super::*;
    use windows_registry::CURRENT_USER;

    /// `ERROR_FILE_NOT_FOUND` as the registry reports it (an HRESULT): no such key or value.
    const NOT_FOUND: i32 = 0x8007_0002_u32 as i32;

    fn io(e: windows_registry::Result<()>) -> std::io::Result<()> {
        match e {
            Err(e) if e.code().0 == NOT_FOUND => Ok(()),
            Err(e) => Err(std::io::Error::other(e.message())),
            Ok(()) => Ok(()),
        }
    }

    impl Entry {
        pub fn for_program(program: &Path) -> Option<Self> {
            Some(Self {
                program: program.to_path_buf(),
            })
        }

        pub fn location(&self) -> String {
            format!(r"HKEY_CURRENT_USER\{RUN}\{VALUE}")
        }

        fn command_line(&self) -> Option<String> {
            CURRENT_USER.open(RUN).ok()?.get_string(VALUE).ok()
        }

        fn approval(&self) -> Option<Vec<u8>> {
            let value = CURRENT_USER.open(APPROVED).ok()?.get_value(VALUE).ok()?;
            Some(value.to_vec())
        }

        pub fn enabled(&self) -> bool {
            self.command_line().is_some() && approved(self.approval().as_deref())
        }

        pub fn set(&self, enabled: bool) -> std::io::Result<()> {
            if enabled {
                let line = render(&self.program).ok_or_else(|| {
                    std::io::Error::new(
                        std::io::ErrorKind::InvalidInput,
                        format!(
                            "{} cannot be written as a command line",
                            self.program.display()
                        ),
                    )
                })?;
                let run = CURRENT_USER
                    .create(RUN)
                    .map_err(|e| std::io::Error::other(e.message()))?;
                run.set_string(VALUE, &line)
                    .map_err(|e| std::io::Error::other(e.message()))?;
            } else if let Ok(run) = CURRENT_USER.open(RUN) {
                io(run.remove_value(VALUE))?;
            }
            // Ticked here, on after all; unticked, nothing of Patchbay's is left behind.
            if let Ok(record) = CURRENT_USER.create(APPROVED) {
                io(record.remove_value(VALUE))?;
            }
            Ok(())
        }

        pub fn migrate(&self) -> std::io::Result<bool> {
            let Some(line) = self.command_line() else {
                return Ok(false);
            };
            let ours = self.program.to_string_lossy();
            if program_of(&line).is_some_and(|p| same_program(&p, &ours)) {
                return Ok(false);
            }
            let line = render(&self.program).ok_or_else(|| {
                std::io::Error::new(std::io::ErrorKind::InvalidInput, "no command line")
            })?;
            CURRENT_USER
                .create(RUN)
                .and_then(|run| run.set_string(VALUE, &line))
                .map_err(|e| std::io::Error::other(e.message()))?;
            Ok(true)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_is_the_quoted_path_and_reads_back_whole() {
        for path in [
            r"C:\Program Files\Patchbay\patchbay-service.exe",
            r"C:\Users\Zoë Ng\AppData\Local\Patchbay\patchbay-service.exe",
            r"D:\build\target\debug\patchbay-service.exe",
            r"\\server\share\Patchbay\patchbay-service.exe",
        ] {
            let line = render(Path::new(path)).unwrap();
            assert_eq!(line, format!("\"{path}\""));
            assert_eq!(program_of(&line).as_deref(), Some(path), "{line}");
        }
        assert_eq!(render(Path::new("C:\\a\"b.exe")), None);
        assert_eq!(render(Path::new("")), None);
    }

    #[test]
    fn command_lines_written_by_others_are_read_as_windows_reads_them() {
        assert_eq!(
            program_of(r#""C:\Program Files\Old\patchbay-app.exe" --background"#).as_deref(),
            Some(r"C:\Program Files\Old\patchbay-app.exe")
        );
        assert_eq!(
            program_of(r"C:\Patchbay\patchbay-service.exe --headless").as_deref(),
            Some(r"C:\Patchbay\patchbay-service.exe")
        );
        // A program name knows no escapes: a backslash before the closing quote is the path's own.
        assert_eq!(program_of(r#""C:\dir\" x"#).as_deref(), Some(r"C:\dir\"));
        assert_eq!(
            program_of(r#"  "C:\unterminated"#).as_deref(),
            Some(r"C:\unterminated")
        );
        assert_eq!(program_of(""), None);
        assert_eq!(program_of("\"\" x"), None);
    }

    #[test]
    fn paths_compare_as_windows_compares_them() {
        assert!(same_program(
            r"C:\Program Files\Patchbay\patchbay-service.exe",
            r"c:\PROGRAM FILES\patchbay\Patchbay-Service.EXE"
        ));
        assert!(same_program(r"C:\Zoë\x.exe", r"C:\ZOË\X.EXE"));
        assert!(!same_program(r"C:\a\x.exe", r"C:\b\x.exe"));
    }

    #[test]
    fn task_managers_record_says_whether_the_entry_runs() {
        assert!(approved(None), "never switched off");
        assert!(approved(Some(&[])));
        assert!(approved(Some(&[2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])));
        assert!(!approved(Some(&[
            3, 0, 0, 0, 0x5c, 0x1a, 0x2b, 0x3c, 0x4d, 0x5e, 0x6f, 0x01
        ])));
        assert!(approved(Some(&[6, 0])));
        assert!(!approved(Some(&[7, 0])));
    }
}
