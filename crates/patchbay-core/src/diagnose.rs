//! "Is this computer ready to connect?" The checks behind `patchbay doctor` and the app's *Check this computer*:
//! the keychain, the data directory, every connection's sealed secrets, the loopback listener, the browser and
//! the `patchbay://` link handler. Each says what it found and, when something is wrong, exactly what to do.
//! Nothing here creates, changes or prints a secret.
//!
//! Also here: *Copy diagnostics*, the text a person sends to support — versions, these checks, every
//! connection's status and its last error with Microsoft's ids, never a token.

use crate::error::ErrorInfo;
use crate::model::ConnectionSummary;
use crate::secrets::ConnectionSecrets;
use crate::store::ConnectionRecord;
use crate::Patchbay;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// How one check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum CheckStatus {
    Ok,
    /// Works, with a limit worth knowing (a fallback is used).
    Warning,
    /// Connecting (or using a connection) fails until this is fixed.
    Failed,
}

/// One check, in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Check {
    /// Stable id: `keychain`, `data_dir`, `secrets`, `loopback`, `browser`, `deep_link`, `tray`.
    pub id: String,
    /// What was checked.
    pub title: String,
    pub status: CheckStatus,
    /// What was found.
    pub summary: String,
    /// What to do, when the status is not ok.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
    /// Technical detail for a support request.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl Check {
    pub fn ok(id: &str, title: &str, summary: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            title: title.into(),
            status: CheckStatus::Ok,
            summary: summary.into(),
            fix: None,
            detail: None,
        }
    }

    pub fn warning(
        id: &str,
        title: &str,
        summary: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        Self::with_fix(CheckStatus::Warning, id, title, summary, fix)
    }

    pub fn failed(
        id: &str,
        title: &str,
        summary: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        Self::with_fix(CheckStatus::Failed, id, title, summary, fix)
    }

    fn with_fix(
        status: CheckStatus,
        id: &str,
        title: &str,
        summary: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        Self {
            status,
            fix: Some(fix.into()),
            ..Self::ok(id, title, summary)
        }
    }

    /// A failed check from an error a person would otherwise meet while connecting.
    pub fn from_error(id: &str, title: &str, error: &ErrorInfo) -> Self {
        Self {
            detail: error.detail.clone(),
            ..Self::failed(id, title, error.title.clone(), error.message.clone())
        }
    }

    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }
}

impl Patchbay {
    /// Check this computer: keychain, data folder, every connection's sealed secrets, the loopback listener, the
    /// browser, `patchbay://` links and the tray. Read-only, apart from creating the data folder when there is
    /// none.
    pub async fn diagnose(&self) -> Vec<Check> {
        const KEYCHAIN: &str = "Keychain";
        const DATA: &str = "Data folder";
        const SECRETS: &str = "Connections' secrets";
        let inner = &self.inner;
        let key = inner.vault.key_present();
        let mut checks = vec![match &key {
            Ok(true) => Check::ok(
                "keychain",
                KEYCHAIN,
                "Your keychain works and holds Patchbay's vault key.",
            ),
            Ok(false) => Check::ok(
                "keychain",
                KEYCHAIN,
                "Your keychain works. Patchbay puts its vault key there at the first connection.",
            ),
            Err(e) => Check::from_error("keychain", KEYCHAIN, e),
        }];
        let dir = inner.config.data_dir.display().to_string();
        let records = inner.store.lock().and_then(|_lock| inner.store.read());
        checks.push(match &records {
            Ok(records) => Check::ok(
                "data_dir",
                DATA,
                format!(
                    "Connections are kept in {dir} ({} connection{}).",
                    records.len(),
                    if records.len() == 1 { "" } else { "s" }
                ),
            ),
            Err(e) => Check::from_error("data_dir", DATA, e),
        });
        checks.push(match (&records, &key) {
            (Ok(records), _) if records.is_empty() => {
                Check::ok("secrets", SECRETS, "No connections yet.")
            }
            (Err(_), _) => Check::failed(
                "secrets",
                SECRETS,
                "Not checked: the list of connections cannot be read.",
                "Fix the data folder first (above).",
            ),
            (Ok(_), Err(_)) => Check::failed(
                "secrets",
                SECRETS,
                "Not checked: the keychain cannot be used, so no connection can refresh.",
                "Fix the keychain first (above).",
            ),
            (Ok(records), Ok(false)) => Check::failed(
                "secrets",
                SECRETS,
                format!(
                    "Patchbay's vault key is missing from the keychain, so none of the {} connections can be opened.",
                    records.len()
                ),
                "The keychain was reset or is a different one. Fix each connection by signing in again.",
            ),
            (Ok(records), Ok(true)) => self.check_sealed(records),
        });
        checks.push(check_loopback().await);
        checks.push(check_browser());
        checks.push(check_deep_link());
        checks.push(
            tokio::task::spawn_blocking(check_tray)
                .await
                .unwrap_or_else(|e| {
                    Check::warning(
                        "tray",
                        TRAY,
                        "The tray could not be checked.",
                        "Run patchbay doctor again.",
                    )
                    .with_detail(e.to_string())
                }),
        );
        checks
    }

    /// Open every connection's sealed secrets (nothing is shown or kept) and name those that do not open.
    fn check_sealed(&self, records: &[ConnectionRecord]) -> Check {
        let broken: Vec<String> = records
            .iter()
            .filter_map(|r| {
                let problem = match self.inner.vault.open(&r.info.id) {
                    Ok(Some(bytes)) => ConnectionSecrets::from_bytes(&bytes)
                        .err()
                        .map(|_| "damaged"),
                    Ok(None) => Some("missing"),
                    Err(_) => Some("cannot be opened"),
                };
                problem.map(|p| format!("\"{}\" ({p})", r.info.name))
            })
            .collect();
        if broken.is_empty() {
            Check::ok(
                "secrets",
                "Connections' secrets",
                format!(
                    "All {} connection{} open with the vault key.",
                    records.len(),
                    if records.len() == 1 {
                        "'s secrets"
                    } else {
                        "s' secrets"
                    }
                ),
            )
        } else {
            Check::failed(
                "secrets",
                "Connections' secrets",
                format!(
                    "The secrets of {} of {} connections cannot be used: {}.",
                    broken.len(),
                    records.len(),
                    broken.join(", ")
                ),
                "Fix those connections by signing in again (as the same account), or remove them.",
            )
        }
    }

    /// *Copy diagnostics*: what support needs, as plain text. Never a token or a secret: it is built from the
    /// summaries and checks, which hold none.
    pub async fn diagnostics_report(&self, app_version: &str) -> String {
        let checks = self.diagnose().await;
        report_text(app_version, &checks, self.list())
    }
}

/// The text of *Copy diagnostics*.
pub fn report_text(
    app_version: &str,
    checks: &[Check],
    connections: Result<Vec<ConnectionSummary>, ErrorInfo>,
) -> String {
    let mut out = vec![
        format!(
            "Patchbay {app_version} ({} build) on {} {}",
            if cfg!(debug_assertions) {
                "debug"
            } else {
                "release"
            },
            std::env::consts::OS,
            std::env::consts::ARCH
        ),
        format!("Report made {}", crate::clock::now_rfc3339()),
        String::new(),
        "This computer:".into(),
    ];
    for c in checks {
        let mark = match c.status {
            CheckStatus::Ok => "ok",
            CheckStatus::Warning => "warning",
            CheckStatus::Failed => "FAILED",
        };
        out.push(format!("  [{mark}] {}: {}", c.title, c.summary));
        if let Some(detail) = &c.detail {
            out.push(format!("      detail: {detail}"));
        }
    }
    out.push(String::new());
    match connections {
        Err(e) => out.push(format!("Connections: cannot be read: {}", e.one_line())),
        Ok(list) => {
            out.push(format!("Connections ({}):", list.len()));
            for c in &list {
                out.push(format!(
                    "  - {} ({}): {:?}{}",
                    c.name,
                    c.id,
                    c.status,
                    c.status_reason
                        .as_deref()
                        .map(|r| format!(": {r}"))
                        .unwrap_or_default()
                ));
                out.push(format!(
                    "    {} · {} · {:?} · tenant {} · client {}",
                    c.account.email,
                    c.environment.as_str(),
                    c.auth_type,
                    c.tenant,
                    c.client_id
                ));
                out.push(format!(
                    "    last checked {} · last refreshed {}{}",
                    c.checked_at.as_deref().unwrap_or("never"),
                    c.last_refreshed_at,
                    c.unreachable_since
                        .as_deref()
                        .map(|t| format!(" · unreachable since {t}"))
                        .unwrap_or_default()
                ));
                if let Some(e) = &c.last_error {
                    let ids: Vec<String> = [
                        ("trace ID", &e.trace_id),
                        ("correlation ID", &e.correlation_id),
                        ("request ID", &e.request_id),
                    ]
                    .iter()
                    .filter_map(|(label, v)| v.as_ref().map(|v| format!("{label} {v}")))
                    .collect();
                    out.push(format!(
                        "    last error {}: {}{}",
                        e.at,
                        e.summary,
                        if ids.is_empty() {
                            String::new()
                        } else {
                            format!(" ({})", ids.join(", "))
                        }
                    ));
                }
            }
        }
    }
    out.join("\n")
}

const TRAY: &str = "Tray";

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
                "Fix or unset the BROWSER environment variable. Meanwhile, Copy link (or --no-browser) still works.",
            ),
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
                "Install xdg-utils (sudo apt-get install xdg-utils), or use Copy link (--no-browser on the command line).",
            ),
        }
    } else {
        Check::ok(
            "browser",
            TITLE,
            "Sign-in pages open in your default browser.",
        )
    }
}

/// Whether `patchbay://` links reach Patchbay (Linux: the x-scheme-handler's default application). Only a
/// warning when missing: the loopback redirect does not need it.
pub fn check_deep_link() -> Check {
    const TITLE: &str = "patchbay:// links";
    if !cfg!(target_os = "linux") {
        return Check::ok(
            "deep_link",
            TITLE,
            "The installer registers patchbay:// links on this platform.",
        );
    }
    let query = std::process::Command::new("xdg-mime")
        .args(["query", "default", "x-scheme-handler/patchbay"])
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output();
    match query {
        Ok(out) if out.status.success() && !String::from_utf8_lossy(&out.stdout).trim().is_empty() => {
            Check::ok(
                "deep_link",
                TITLE,
                format!(
                    "patchbay:// links open {}.",
                    String::from_utf8_lossy(&out.stdout).trim()
                ),
            )
        }
        Ok(_) => Check::warning(
            "deep_link",
            TITLE,
            "No application is registered for patchbay:// links yet.",
            "Start the Patchbay app once: it registers itself. Sign-ins use the loopback redirect (http://localhost) and work without it.",
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

/// The first `name` on `PATH` (or `name` itself when it is a path to a file).
fn which(name: &str) -> Option<std::path::PathBuf> {
    let candidate = std::path::Path::new(name);
    if candidate.components().count() > 1 {
        return candidate.is_file().then(|| candidate.to_path_buf());
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn loopback_listens_here() {
        assert_ne!(check_loopback().await.status, CheckStatus::Failed);
    }

    #[test]
    fn a_browser_that_is_not_installed_is_named() {
        // `which` is what decides; the env var itself is process-wide, so test through it.
        assert!(which("sh").is_some());
        assert!(which("no-such-program-patchbay").is_none());
        assert!(which("/bin/sh").is_some());
        assert!(which("/nonexistent/browser").is_none());
    }

    #[test]
    fn the_report_names_statuses_errors_and_ids() {
        let mut c = ConnectionSummary::example("c-1");
        c.status = crate::model::ConnectionStatus::NeedsReconnect;
        c.status_reason = Some("Revoked.".into());
        c.last_error = Some(crate::model::ProblemReport {
            at: "2026-11-29T10:00:00Z".into(),
            summary: "invalid_grant: AADSTS50173: revoked".into(),
            detail: None,
            trace_id: Some("trace-9".into()),
            correlation_id: Some("corr-9".into()),
            request_id: None,
        });
        let text = report_text(
            "0.1.0",
            &[Check::ok("keychain", "Keychain", "Works.")],
            Ok(vec![c]),
        );
        assert!(text.contains("Patchbay 0.1.0"));
        assert!(text.contains("[ok] Keychain: Works."));
        assert!(text.contains("NeedsReconnect: Revoked."));
        assert!(
            text.contains("trace ID trace-9, correlation ID corr-9"),
            "{text}"
        );
    }

    #[test]
    fn failed_checks_carry_the_errors_words() {
        let e = ErrorInfo::new(
            crate::error::ErrorCode::KeychainUnavailable,
            "The keychain is not available.",
            "Start and unlock a keyring.",
        )
        .with_detail("no org.freedesktop.secrets");
        let c = Check::from_error("keychain", "Keychain", &e);
        assert_eq!(c.status, CheckStatus::Failed);
        assert_eq!(c.summary, "The keychain is not available.");
        assert_eq!(c.fix.as_deref(), Some("Start and unlock a keyring."));
        assert_eq!(c.detail.as_deref(), Some("no org.freedesktop.secrets"));
    }
}
