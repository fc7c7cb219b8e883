//! "Is this computer ready to connect?" The checks behind `patchbay doctor` and the app's *Check this computer*:
//! the keychain, the data directory, every connection's sealed secrets, the loopback listener, the browser and
//! the `patchbay://` link handler. Each says what it found and, when something is wrong, exactly what to do.
//! Nothing here creates, changes or prints a secret.
//!
//! Also here: *Copy diagnostics*, the text a person sends to support — versions, these checks, every
//! connection's status and its last error with Microsoft's ids, never a token.

mod report;
mod system;

pub use report::report_text;
pub use system::{check_browser, check_deep_link, check_loopback, check_tray, tray_host, TrayHost};

use crate::error::{ErrorInfo, Remedy, Surface};
use crate::secrets::ConnectionSecrets;
use crate::store::{ConnectionRecord, Store};
use crate::vault::Vault;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::sync::Arc;
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

/// What the window can do about a check itself, behind a button that asks first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum CheckAction {
    /// The vault key is gone from the keychain while sealed secrets exist: set them aside and make a new key,
    /// as `patchbay reset-vault` does ([`Patchbay::reset_vault`]).
    ResetVault,
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
    /// What the window can do about it itself, behind a button.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<CheckAction>,
    /// What to do beyond `fix`, for each surface to name ([`Check::for_surface`]).
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remedy: Option<Remedy>,
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
            action: None,
            remedy: None,
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
            remedy: error.remedy.clone(),
            ..Self::failed(id, title, error.title.clone(), error.message.clone())
        }
    }

    /// The check as `surface` shows it: the remedy's words for that surface follow the fix.
    pub fn for_surface(mut self, surface: Surface) -> Self {
        if let Some(remedy) = &self.remedy {
            let words = remedy.words(surface);
            self.fix = Some(match self.fix.take() {
                Some(fix) if !fix.is_empty() => format!("{fix} {words}"),
                _ => words.to_string(),
            });
        }
        self
    }

    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    pub fn with_remedy(mut self, remedy: Remedy) -> Self {
        self.remedy = Some(remedy);
        self
    }

    pub fn with_action(mut self, action: CheckAction) -> Self {
        self.action = Some(action);
        self
    }
}

/// The checks of this computer: the keychain and vault, the data folder, and what is around Patchbay.
pub struct Doctor {
    vault: Arc<Vault>,
    store: Arc<Store>,
    data_dir: PathBuf,
}

impl Doctor {
    pub(crate) fn new(vault: Arc<Vault>, store: Arc<Store>, data_dir: PathBuf) -> Self {
        Self {
            vault,
            store,
            data_dir,
        }
    }

    /// Check this computer: keychain, data folder, every connection's sealed secrets, the loopback listener, the
    /// browser, `patchbay://` links and the tray. Read-only, apart from creating the data folder when there is
    /// none.
    pub async fn diagnose(&self) -> Vec<Check> {
        const KEYCHAIN: &str = "Keychain";
        const DATA: &str = "Data folder";
        const SECRETS: &str = "Connections' secrets";
        let key = self.vault.key_present().map_err(ErrorInfo::from);
        // Which program answers for the keychain: a headless machine needs one running and unlocked too.
        let provider = tokio::task::spawn_blocking(system::secret_service_provider)
            .await
            .ok()
            .flatten()
            .map(|p| format!(" ({p})"))
            .unwrap_or_default();
        let mut checks = vec![match &key {
            Ok(true) => Check::ok(
                "keychain",
                KEYCHAIN,
                format!("Your keychain{provider} works and holds Patchbay's vault key."),
            ),
            Ok(false) if self.vault.sealed_count() > 0 => Check::from_error(
                "keychain",
                KEYCHAIN,
                &crate::vault::missing_key_with_sealed_files(self.vault.sealed_count()),
            )
            .with_action(CheckAction::ResetVault),
            Ok(false) => Check::ok(
                "keychain",
                KEYCHAIN,
                format!("Your keychain{provider} works. Patchbay puts its vault key there at the first connection."),
            ),
            Err(e) => Check::from_error("keychain", KEYCHAIN, e),
        }];
        let dir = self.data_dir.display().to_string();
        let records = self.store.lock().and_then(|_lock| self.store.read());
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
                "Unlock or switch to the keychain that holds it.",
            )
            .with_remedy(Remedy::ResetVault),
            (Ok(records), Ok(true)) => self.check_sealed(records),
        });
        checks.push(system::check_service(&self.data_dir));
        checks.push(check_loopback().await);
        checks.push(check_browser());
        checks.push(check_deep_link());
        checks.push(
            tokio::task::spawn_blocking(check_tray)
                .await
                .unwrap_or_else(|e| {
                    Check::warning(
                        "tray",
                        system::TRAY,
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
                let problem = match self.vault.open(&r.info.id) {
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
}

#[cfg(test)]
mod tests {
    use super::*;

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
