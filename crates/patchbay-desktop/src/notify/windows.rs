//! Notifications on Windows: a toast through WinRT's `ToastNotificationManager` (`tauri-winrt-notification`, the
//! crate Tauri's own notification plugin uses). A toast is shown under an AppUserModelID: an installed Patchbay's
//! (its identifier, which the installers give the Start menu shortcut), or, for a build that was never installed
//! and so has no such shortcut, PowerShell's, which Windows always knows (as Tauri's plugin does). The text is set
//! as text, never as markup: a name with `<` in it shows as written.

use std::path::Path;

/// Patchbay's identifier (tauri.conf.json), the AppUserModelID of an installed Patchbay.
pub const APP_ID: &str = "dev.patchbay.app";

/// Which AppUserModelID toasts go out under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sender {
    /// Installed: Patchbay's own ([`APP_ID`]).
    Installed,
    /// A build run from cargo's target folder: PowerShell's.
    Build,
}

/// The sender for a program in `exe_dir`: a build when it is cargo's output (`…\target\debug`,
/// `…\target\release`, or the same under a target triple).
pub fn sender_for(exe_dir: &Path) -> Sender {
    let dir = exe_dir.to_string_lossy().replace('\\', "/").to_lowercase();
    let dir = dir.trim_end_matches('/');
    let mut parts = dir.rsplit('/');
    let profile = parts.next().unwrap_or_default();
    let parent = parts.next().unwrap_or_default();
    let grandparent = parts.next().unwrap_or_default();
    let cargo_profile = matches!(profile, "debug" | "release");
    if cargo_profile && (parent == "target" || grandparent == "target") {
        Sender::Build
    } else {
        Sender::Installed
    }
}

/// Show `note` as a toast; `on_click` runs when the person clicks it while this process runs (a toast clicked
/// later in the notification centre starts the installed Patchbay instead, by its AppUserModelID).
#[cfg(windows)]
pub fn send(
    note: &crate::alerts::Note,
    on_click: Option<Box<dyn Fn() + Send + 'static>>,
) -> Result<(), String> {
    use tauri_winrt_notification::Toast;
    let exe_dir = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(Path::to_path_buf));
    let app_id = match exe_dir.as_deref().map(sender_for) {
        Some(Sender::Build) => Toast::POWERSHELL_APP_ID,
        _ => APP_ID,
    };
    let mut toast = Toast::new(app_id)
        .title(&note.summary)
        .text1(&note.body_for(false));
    if let Some(clicked) = on_click {
        toast = toast.on_activated(move |_action| {
            clicked();
            Ok(())
        });
    }
    toast
        .show()
        .map_err(|e| format!("Windows did not show the notification: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_build_from_cargo_sends_as_powershell_and_an_installed_one_as_itself() {
        for build in [
            r"C:\src\patchbay\target\debug",
            r"D:\work\target\release\",
            r"C:\src\patchbay\target\x86_64-pc-windows-msvc\release",
            r"C:\SRC\PATCHBAY\TARGET\DEBUG",
        ] {
            assert_eq!(sender_for(Path::new(build)), Sender::Build, "{build}");
        }
        for installed in [
            r"C:\Program Files\Patchbay",
            r"C:\Users\zoe\AppData\Local\Patchbay",
            r"C:\debug",
            r"C:\tools\release",
        ] {
            assert_eq!(
                sender_for(Path::new(installed)),
                Sender::Installed,
                "{installed}"
            );
        }
    }
}
