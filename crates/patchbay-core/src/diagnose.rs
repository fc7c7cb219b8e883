//! "Is this computer ready to connect?" The checks behind `patchbay doctor` and the app's *Check this computer*:
//! the keychain, the data directory, every connection's sealed secrets, the loopback listener, the browser and
//! the `patchbay://` link handler. Each says what it found and, when something is wrong, exactly what to do.
//! Nothing here creates, changes or prints a secret.

use crate::error::ErrorInfo;
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
    /// Stable id: `keychain`, `data_dir`, `secrets`, `loopback`, `browser`, `deep_link`.
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
    if let Some(command) = crate::service::browser_override() {
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
