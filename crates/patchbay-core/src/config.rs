//! Where Patchbay keeps its files and which keychain entry guards them, from the environment.

use crate::model::BuiltInApp;
use std::path::PathBuf;

/// The built-in public app. A distributor sets their own at build time with `PATCHBAY_BUILTIN_CLIENT_ID`;
/// the default is Microsoft's public "Microsoft Graph Command Line Tools" app.
pub const DEFAULT_BUILTIN_CLIENT_ID: &str = "14d82eec-204b-4c2f-b7e8-296a70dab67e";

#[derive(Debug, Clone)]
pub struct CoreConfig {
    /// Connections metadata, sealed secrets and the lock file live here (mode 0700).
    pub data_dir: PathBuf,
    /// The keychain service name of the vault key. Carries the build kind, so a debug build never touches the
    /// entries of an installed release.
    pub keychain_service: String,
    pub builtin_app: BuiltInApp,
    /// How hard a token refresh tries when Microsoft cannot be reached.
    pub retry: crate::tokens::RetryPolicy,
    /// Where the Sandbox environment runs: in this process (a build with the `sandbox` feature), or in a
    /// `patchbay-sandbox` process of its own (the window, which carries no sandbox).
    pub sandbox: crate::sandbox_host::SandboxHosting,
    /// Connectors still coming soon that may be connected anyway, by id: a debug build reads them from
    /// `PATCHBAY_EARLY_CONNECTORS` (comma-separated), so a connector can be built and tested before it is
    /// offered; a release build never does.
    pub early_connectors: Vec<String>,
}

impl CoreConfig {
    /// `PATCHBAY_DATA_DIR` or the platform's local data directory: `~/.local/share/patchbay` on Linux,
    /// `~/Library/Application Support/dev.patchbay.patchbay` on macOS, `%LOCALAPPDATA%\patchbay\patchbay\data` on
    /// Windows. The local one, not Windows' roaming profile: the folder holds locks and a running service's
    /// status, which must not travel to another machine, and its sealed files are useless without this
    /// computer's keychain entry anyway.
    pub fn from_env() -> Self {
        let data_dir = std::env::var_os("PATCHBAY_DATA_DIR")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| {
                directories::ProjectDirs::from("dev", "patchbay", "patchbay")
                    .map(|d| d.data_local_dir().to_path_buf())
            })
            .unwrap_or_else(|| PathBuf::from(".patchbay"));
        Self::with_data_dir(data_dir)
    }

    pub fn with_data_dir(data_dir: PathBuf) -> Self {
        let keychain_service = std::env::var("PATCHBAY_KEYCHAIN_SERVICE").unwrap_or_else(|_| {
            if cfg!(debug_assertions) {
                "dev.patchbay.vault (debug build)".to_string()
            } else {
                "dev.patchbay.vault".to_string()
            }
        });
        let client_id =
            option_env!("PATCHBAY_BUILTIN_CLIENT_ID").unwrap_or(DEFAULT_BUILTIN_CLIENT_ID);
        let name = option_env!("PATCHBAY_BUILTIN_APP_NAME").unwrap_or(
            if client_id == DEFAULT_BUILTIN_CLIENT_ID {
                "Microsoft Graph Command Line Tools"
            } else {
                "Patchbay"
            },
        );
        Self {
            data_dir,
            keychain_service,
            builtin_app: BuiltInApp {
                client_id: client_id.to_string(),
                name: name.to_string(),
                redirect_uri: "http://localhost".to_string(),
            },
            retry: crate::tokens::RetryPolicy::default(),
            sandbox: crate::sandbox_host::SandboxHosting::default(),
            early_connectors: early_connectors(),
        }
    }
}

/// `PATCHBAY_EARLY_CONNECTORS` in a debug build; nothing in a release build.
fn early_connectors() -> Vec<String> {
    if !cfg!(debug_assertions) {
        return Vec::new();
    }
    std::env::var("PATCHBAY_EARLY_CONNECTORS")
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .map(str::to_string)
        .collect()
}
