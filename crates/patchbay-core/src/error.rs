//! Errors. Modules fail with their own typed errors (the vault's [`crate::vault::VaultError`], discovery's
//! [`crate::oauth::discovery::DiscoveryError`], the token manager's [`crate::tokens::RefreshError`]…), which keep
//! the provider's own error (Microsoft's `error`, `error_description`, `error_codes`). [`ErrorInfo`] is what
//! crosses to the UI and the CLI: a code the UI can act on, and words a person can act on.
//!
//! The words are the same everywhere but for what a person *does* about it, which differs by where they read
//! it: a command at a terminal, a button in the window, a line in the tray. The core names that as a typed
//! [`Remedy`]; each surface renders it ([`ErrorInfo::for_surface`]), so no core message quotes a CLI flag the
//! window would then show.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// What kind of failure, for the UI to act on (e.g. show a copy button). Messages carry the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    Cancelled,
    AdminConsentRequired,
    RedirectUriMismatch,
    InvalidClientSecret,
    ClientSecretExpired,
    AppNotFound,
    MfaRequired,
    InvalidScope,
    StateMismatch,
    Timeout,
    NetworkUnreachable,
    KeychainUnavailable,
    RefreshTokenRevoked,
    /// A fix signed in as another account than the connection's.
    AccountMismatch,
    InvalidInput,
    ProviderError,
    NotFound,
    Storage,
    Internal,
}

impl ErrorCode {
    /// Whether signing in again (Fix, or the app's credentials mended) is what ends it: the words of every
    /// surface that sends the person to Fix follow this one list.
    pub fn mended_by_sign_in(self) -> bool {
        matches!(
            self,
            ErrorCode::RefreshTokenRevoked
                | ErrorCode::AccountMismatch
                | ErrorCode::MfaRequired
                | ErrorCode::InvalidClientSecret
                | ErrorCode::ClientSecretExpired
                | ErrorCode::AppNotFound
        )
    }
}

/// A link the person can open or copy to fix the problem (admin-consent URL, the URI to register…).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ErrorAction {
    pub label: String,
    pub url: String,
}

/// Where a person reads an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surface {
    /// The desktop window.
    Window,
    /// The `patchbay` command.
    Cli,
    /// The tray's menu and desktop notifications.
    Tray,
    /// An AI assistant's tool result (`patchbay mcp`).
    Mcp,
}

/// What a person can do about an error, named by each surface in its own terms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Remedy {
    /// Look at the connections there are (one was removed elsewhere).
    ListConnections,
    /// Pick a connector that is available (their ids).
    ChooseConnector { available: Vec<String> },
    /// The vault key is gone for good: set the old sealed files aside and make a new key.
    ResetVault,
    /// Give an authority and a Graph URL of one's own: the custom environment.
    CustomEnvironment,
    /// The custom environment needs both URLs.
    GiveUrls,
    /// Copy the sign-in link into a browser by hand.
    CopyLink,
}

impl Remedy {
    /// The remedy in `surface`'s words: one or two sentences.
    pub fn words(&self, surface: Surface) -> String {
        use Surface::*;
        match (self, surface) {
            (Remedy::ListConnections, Cli) => "Run `patchbay list` to see the connections.".into(),
            (Remedy::ListConnections, Mcp) => "Call list_connections to see the connections.".into(),
            (Remedy::ListConnections, Window | Tray) => {
                "Your connections lists the ones there are.".into()
            }
            (Remedy::ChooseConnector { available }, Cli) => format!(
                "Use --connector {} (run `patchbay connectors` to see them all).",
                available.join(" or ")
            ),
            (Remedy::ChooseConnector { .. }, _) => {
                "Choose a connector the catalogue shows as available.".into()
            }
            (Remedy::ResetVault, Cli) => "If it is gone for good, run `patchbay reset-vault`: it sets the old \
                 files aside (nothing is deleted) and makes a new key; each connection then needs Fix."
                .into(),
            (Remedy::ResetVault, Window) => "If it is gone for good, choose This computer → Make a new vault \
                 key: it sets the old files aside (nothing is deleted) and makes a new key; each connection then \
                 needs Fix."
                .into(),
            (Remedy::ResetVault, Tray | Mcp) => {
                "If it is gone for good, open Patchbay: This computer → Make a new vault key.".into()
            }
            (Remedy::CustomEnvironment, Cli) => "--authority and --graph-url are for --environment custom: \
                 leave them out, or use --environment custom with both."
                .into(),
            (Remedy::CustomEnvironment, _) => {
                "Leave the URLs out, or choose Advanced (any OpenID provider) and give both.".into()
            }
            (Remedy::GiveUrls, Cli) => "Give both --authority (e.g. https://login.example.com/TENANT/v2.0) \
                 and --graph-url (e.g. https://graph.example.com)."
                .into(),
            (Remedy::GiveUrls, _) => "Give both URLs under Advanced.".into(),
            (Remedy::CopyLink, Cli) => {
                "Meanwhile, --no-browser prints the sign-in link to open by hand.".into()
            }
            (Remedy::CopyLink, _) => {
                "Meanwhile, Copy link opens the sign-in in any browser by hand.".into()
            }
        }
    }
}

/// An error as a person sees it. Never holds a token or a secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ErrorInfo {
    pub code: ErrorCode,
    /// One sentence: what happened.
    pub title: String,
    /// What to do about it.
    pub message: String,
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<ErrorAction>,
    /// The provider's own words (e.g. "AADSTS65001: The user or administrator has not consented…"), for an admin
    /// or a support request.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// What to do about it beyond `message`, for the surface to name ([`ErrorInfo::for_surface`] adds its words
    /// to the message).
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remedy: Option<Remedy>,
}

impl ErrorInfo {
    pub fn new(code: ErrorCode, title: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            code,
            title: title.into(),
            message: message.into(),
            action: None,
            detail: None,
            remedy: None,
        }
    }

    pub fn with_action(mut self, label: impl Into<String>, url: impl Into<String>) -> Self {
        self.action = Some(ErrorAction {
            label: label.into(),
            url: url.into(),
        });
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

    /// The error as `surface` shows it: the remedy's words for that surface follow the message.
    pub fn for_surface(mut self, surface: Surface) -> Self {
        if let Some(remedy) = &self.remedy {
            let words = remedy.words(surface);
            self.message = if self.message.is_empty() {
                words.to_string()
            } else {
                format!("{} {words}", self.message)
            };
        }
        self
    }

    /// One line for a terminal or a log: what happened, and what to do.
    pub fn one_line(&self) -> String {
        let mut line = format!("{} {}", self.title, self.message);
        if let Some(action) = &self.action {
            line.push_str(&format!(" {}: {}", action.label, action.url));
        }
        line.replace('\n', " ")
    }
}

impl std::fmt::Display for ErrorInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.one_line())
    }
}

impl std::error::Error for ErrorInfo {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_surface_names_the_remedy_in_its_own_terms() {
        let e = ErrorInfo::new(
            ErrorCode::NotFound,
            "There is no connection x.",
            "It was removed.",
        )
        .with_remedy(Remedy::ListConnections);
        let cli = e.clone().for_surface(Surface::Cli);
        assert_eq!(
            cli.message,
            "It was removed. Run `patchbay list` to see the connections."
        );
        let window = e.clone().for_surface(Surface::Window);
        assert!(!window.message.contains("patchbay"), "{}", window.message);
        assert!(!window.message.contains('`'), "{}", window.message);
        // No remedy: the message as it is.
        let plain = ErrorInfo::new(ErrorCode::Internal, "t", "m").for_surface(Surface::Window);
        assert_eq!(plain.message, "m");
        // No window words quote a command line, on any remedy.
        for remedy in [
            Remedy::ListConnections,
            Remedy::ChooseConnector {
                available: vec!["outlook365".into()],
            },
            Remedy::ResetVault,
            Remedy::CustomEnvironment,
            Remedy::GiveUrls,
            Remedy::CopyLink,
        ] {
            for surface in [Surface::Window, Surface::Tray] {
                let w = remedy.words(surface);
                assert!(
                    !w.contains("--") && !w.contains("patchbay "),
                    "{remedy:?}: {w}"
                );
            }
        }
    }
}
