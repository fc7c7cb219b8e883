//! Errors. The core keeps the provider's own error (Microsoft's `error`, `error_description`, `error_codes`);
//! [`ErrorInfo`] is what crosses to the UI and the CLI: a code the UI can act on, and words a person can act on.

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

/// A link the person can open or copy to fix the problem (admin-consent URL, the URI to register…).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ErrorAction {
    pub label: String,
    pub url: String,
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
}

impl ErrorInfo {
    pub fn new(code: ErrorCode, title: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            code,
            title: title.into(),
            message: message.into(),
            action: None,
            detail: None,
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

    /// One line for a terminal: what happened, and what to do.
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
