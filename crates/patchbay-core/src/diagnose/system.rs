//! The checks of this computer beyond Patchbay's own files: the loopback listener, the browser, `patchbay://`
//! links and the tray.

use super::Check;
use crate::desktop_entry::which;
use crate::error::Remedy;

pub(super) const TRAY: &str = "Tray";

/// Whether the desktop shows tray icons: on Linux, a StatusNotifierWatcher with a host registered on the session
/// bus (GNOME has none without the AppIndicator extension). Blocking (a D-Bus round trip).
pub fn check_tray() -> Check {
    match tray_host() {
        TrayHost::Present => Check::ok(
            "tray",
            TRAY,
            "This desktop shows tray icons: Patchbay's status and menu are there.",
        ),
        TrayHost::Absent(why) => Check::warning(
            "tray",
            TRAY,
            format!("This desktop shows no tray icons ({why}), so Patchbay's icon and menu cannot appear."),
            "On GNOME, install and enable the \"AppIndicator and KStatusNotifierItem Support\" extension (Debian/Ubuntu: gnome-shell-extension-appindicator), then log out and in. Meanwhile notifications carry the connections' status, and launching Patchbay again brings its window back.",
        ),
        TrayHost::NotApplicable => Check::ok(
            "tray",
            TRAY,
            "The system tray (menu bar) is always there on this platform.",
        ),
    }
}

/// Whether Patchbay's resident service runs for this data folder, how, and whether its tray shows.
pub fn check_service(data_dir: &std::path::Path) -> Check {
    use crate::resident::{probe, Resident, ServiceMode, TrayState};
    const TITLE: &str = "Background service";
    match probe(data_dir) {
        Resident::Running(Some(s)) => {
            let since = format!("pid {}, since {}", s.pid, s.started_at);
            match (s.mode, s.tray) {
                (ServiceMode::Headless, _) => Check::ok(
                    "service",
                    TITLE,
                    format!("Patchbay's service runs headless, without a tray ({since}): it checks the connections and says what breaks in its log."),
                ),
                (ServiceMode::Desktop, TrayState::Absent { reason }) => Check::warning(
                    "service",
                    TITLE,
                    format!("Patchbay's service runs ({since}), but without a tray: {reason}."),
                    "Its notifications still say when a connection breaks. To see its tray icon on GNOME, install and enable the \"AppIndicator and KStatusNotifierItem Support\" extension.",
                ),
                (ServiceMode::Desktop, _) => Check::ok(
                    "service",
                    TITLE,
                    format!("Patchbay's service runs ({since}) and shows the connections in the tray."),
                ),
            }
        }
        Resident::Running(None) => Check::ok("service", TITLE, "Patchbay's service is starting."),
        Resident::NotRunning => not_running(data_dir),
    }
}

/// No service runs: why, when a start failed (by any process) or could not even begin from here.
fn not_running(data_dir: &std::path::Path) -> Check {
    use crate::resident::start::{last_failure, StartFailure};
    const TITLE: &str = "Background service";
    const NOT_CHECKED: &str = "so no connection is checked and no tray icon shows until it runs";
    if let Some(record) = last_failure(data_dir) {
        return Check::failed(
            "service",
            TITLE,
            format!(
                "Patchbay's service could not start ({}): {}, {NOT_CHECKED}.",
                record.at,
                record.failure.what()
            ),
            record.failure.fix(),
        );
    }
    const SERVICE: &str = "patchbay-service";
    if crate::desktop_entry::sibling_program(SERVICE, "PATCHBAY_SERVICE_BINARY").is_none() {
        let failure = StartFailure::no_program(SERVICE);
        return Check::warning(
            "service",
            TITLE,
            format!(
                "Patchbay's service is not running, and cannot start: {}.",
                failure.what()
            ),
            failure.fix(),
        );
    }
    // The packages' systemd user unit is Linux's; elsewhere the service starts from the window or at login.
    let fix = if cfg!(target_os = "linux") {
        "Open Patchbay (it starts the service) and tick Start at login in its tray menu; on a machine without a desktop, run `systemctl --user enable --now patchbay`."
    } else {
        "Open Patchbay (it starts the service) and tick Start at login in its tray menu."
    };
    Check::warning(
        "service",
        TITLE,
        "Patchbay's service is not running, so connections are checked only while Patchbay's window is open or a command runs.",
        fix,
    )
}

/// The program that answers for the Secret Service on the session bus (`gnome-keyring-daemon`, `keepassxc`,
/// `kwalletd6`…), when one does.
#[cfg(target_os = "linux")]
pub fn secret_service_provider() -> Option<String> {
    let connection = zbus::blocking::Connection::session().ok()?;
    let dbus = zbus::blocking::fdo::DBusProxy::new(&connection).ok()?;
    let name = zbus::names::BusName::try_from("org.freedesktop.secrets").ok()?;
    let pid = dbus.get_connection_unix_process_id(name).ok()?;
    let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).ok()?;
    let exe = std::fs::read_link(format!("/proc/{pid}/exe"))
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()));
    // `comm` is cut at 15 characters (gnome-keyring-d): the executable's name is whole when it can be read.
    Some(exe.unwrap_or_else(|| comm.trim().to_string()))
}

#[cfg(not(target_os = "linux"))]
pub fn secret_service_provider() -> Option<String> {
    None
}

/// Is there somewhere for a tray icon to show?
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrayHost {
    Present,
    /// Why not.
    Absent(String),
    NotApplicable,
}

/// On Linux: is a StatusNotifierWatcher on the session bus, with a host registered?
#[cfg(target_os = "linux")]
pub fn tray_host() -> TrayHost {
    const WATCHER: &str = "org.kde.StatusNotifierWatcher";
    let connection = match zbus::blocking::Connection::session() {
        Ok(c) => c,
        Err(e) => return TrayHost::Absent(format!("no desktop session bus: {e}")),
    };
    let owned = zbus::blocking::fdo::DBusProxy::new(&connection)
        .ok()
        .and_then(|dbus| {
            let name = zbus::names::BusName::try_from(WATCHER).ok()?;
            dbus.name_has_owner(name).ok()
        })
        .unwrap_or(false);
    if !owned {
        return TrayHost::Absent(format!("no {WATCHER} on the session bus"));
    }
    let host = zbus::blocking::Proxy::new(&connection, WATCHER, "/StatusNotifierWatcher", WATCHER)
        .and_then(|p| p.get_property::<bool>("IsStatusNotifierHostRegistered"));
    match host {
        Ok(true) => TrayHost::Present,
        Ok(false) => TrayHost::Absent("a watcher runs but no tray host is registered".into()),
        // Some watchers do not implement the property; the watcher itself is the better sign.
        Err(_) => TrayHost::Present,
    }
}

#[cfg(not(target_os = "linux"))]
pub fn tray_host() -> TrayHost {
    TrayHost::NotApplicable
}

/// Can Patchbay listen for the sign-in on this computer? IPv4 loopback is required (the redirect is
/// `http://localhost`, which browsers may resolve to either); IPv6 loopback missing is only a warning.
pub async fn check_loopback() -> Check {
    const TITLE: &str = "Sign-in listener (loopback)";
    let v4 = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await;
    let v6 = tokio::net::TcpListener::bind(("::1", 0)).await;
    match (v4, v6) {
        (Ok(_), Ok(_)) => Check::ok(
            "loopback",
            TITLE,
            "Patchbay can listen on 127.0.0.1 and ::1 for the browser's return.",
        ),
        (Ok(_), Err(e)) => Check::warning(
            "loopback",
            TITLE,
            "Patchbay can listen on 127.0.0.1 but not on ::1 (IPv6 loopback is off).",
            "Nothing to do unless your browser resolves localhost to ::1 only; then enable IPv6 on the loopback interface.",
        )
        .with_detail(e.to_string()),
        (Err(e), _) => Check::failed(
            "loopback",
            TITLE,
            "Patchbay cannot listen on 127.0.0.1, so the browser cannot hand the sign-in back.",
            "Allow local (loopback) connections for Patchbay in your firewall or security software.",
        )
        .with_detail(e.to_string()),
    }
}

/// Which program opens the sign-in page: `$BROWSER`, or the platform's opener.
pub fn check_browser() -> Check {
    const TITLE: &str = "System browser";
    if let Some(command) = crate::browser::override_command() {
        return match which(&command) {
            Some(path) => Check::ok(
                "browser",
                TITLE,
                format!("Sign-in pages open with $BROWSER ({}).", path.display()),
            ),
            None => Check::failed(
                "browser",
                TITLE,
                format!("$BROWSER names \"{command}\", which is not an installed program."),
                "Fix or unset the BROWSER environment variable.",
            )
            .with_remedy(Remedy::CopyLink),
        };
    }
    if cfg!(target_os = "linux") {
        match which("xdg-open") {
            Some(_) => Check::ok(
                "browser",
                TITLE,
                "Sign-in pages open in your default browser (xdg-open).",
            ),
            None => Check::warning(
                "browser",
                TITLE,
                "xdg-open is not installed, so Patchbay cannot open your browser by itself.",
                "Install xdg-utils (sudo apt-get install xdg-utils).",
            )
            .with_remedy(Remedy::CopyLink),
        }
    } else {
        Check::ok(
            "browser",
            TITLE,
            "Sign-in pages open in your default browser.",
        )
    }
}

/// Whether `patchbay://` links reach Patchbay (Linux: the x-scheme-handler's default application, and whether
/// the program it runs still exists). Only a warning when missing: the loopback redirect does not need it.
pub fn check_deep_link() -> Check {
    const TITLE: &str = "patchbay:// links";
    if !cfg!(target_os = "linux") {
        return Check::ok(
            "deep_link",
            TITLE,
            "The installer registers patchbay:// links on this platform.",
        );
    }
    match crate::desktop_entry::scheme_handler("patchbay") {
        Ok(Some(handler)) => match &handler.program {
            Some(program) => Check::ok(
                "deep_link",
                TITLE,
                format!(
                    "patchbay:// links open {} ({}).",
                    handler.desktop_id,
                    program.display()
                ),
            ),
            None => Check::warning(
                "deep_link",
                TITLE,
                format!(
                    "patchbay:// links are set to open {}, but the program it runs is gone.",
                    handler.desktop_id
                ),
                "Start Patchbay once (it registers itself again) or reinstall the package. Sign-ins use the \
                 loopback redirect (http://localhost) and work without it.",
            )
            .with_detail(
                handler
                    .file
                    .map(|f| f.display().to_string())
                    .unwrap_or_else(|| "the desktop entry itself was not found".into()),
            ),
        },
        Ok(None) => Check::warning(
            "deep_link",
            TITLE,
            "No application is registered for patchbay:// links yet.",
            "Install the Patchbay package, or start the app once: it registers itself. Sign-ins use the loopback \
             redirect (http://localhost) and work without it.",
        ),
        Err(e) => Check::warning(
            "deep_link",
            TITLE,
            "Patchbay could not ask the desktop which application opens patchbay:// links (xdg-mime is missing).",
            "Install xdg-utils. Sign-ins use the loopback redirect (http://localhost) and work without it.",
        )
        .with_detail(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::CheckStatus;

    #[test]
    fn a_service_that_could_not_start_says_what_failed_until_it_runs() {
        use crate::resident::start::{record_failure, StartFailure};
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("service.log");
        let e = std::io::Error::from(std::io::ErrorKind::PermissionDenied);
        record_failure(dir.path(), StartFailure::log_file(&log, &e));
        let check = check_service(dir.path());
        assert_eq!(check.status, CheckStatus::Failed, "{check:?}");
        assert!(
            check.summary.contains("could not start")
                && check
                    .summary
                    .contains(&format!("its log file {}", log.display())),
            "{}",
            check.summary
        );
        assert!(
            check
                .fix
                .as_deref()
                .unwrap_or_default()
                .contains("a file you own"),
            "{check:?}"
        );
        // Once it runs, it says so (and the failure is gone).
        let lock = crate::resident::ServiceLock::claim(dir.path())
            .unwrap()
            .unwrap();
        assert_eq!(
            check_service(dir.path()).summary,
            "Patchbay's service is starting."
        );
        drop(lock);
        assert_ne!(check_service(dir.path()).status, CheckStatus::Failed);
    }

    #[tokio::test]
    async fn loopback_listens_here() {
        assert_ne!(check_loopback().await.status, CheckStatus::Failed);
    }
}
