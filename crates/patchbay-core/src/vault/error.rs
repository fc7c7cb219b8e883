//! Why the vault could not do what it was asked, and how that reads.

use crate::error::{ErrorCode, ErrorInfo, Remedy};
use std::path::PathBuf;

/// Why the vault could not do what it was asked. Kept typed (a damaged file is the connection's problem, a
/// locked keychain this computer's), and put in words by [`From<VaultError> for ErrorInfo`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VaultError {
    /// The keychain is missing, locked or refusing.
    #[error("the keychain is not available: {detail}")]
    Keychain { detail: String },
    /// The keychain holds something that is not a vault key.
    #[error("the vault key in the keychain is damaged")]
    KeyDamaged,
    /// The key is gone while sealed files need it: none is made without being asked.
    #[error("the vault key is missing and {sealed} sealed files need it")]
    KeyMissing { sealed: usize },
    /// The key is gone (asked for an existing key only).
    #[error("the vault key is missing from the keychain")]
    KeyGone,
    /// A new key was asked for, but the key is there.
    #[error("the vault key is in the keychain: there is nothing to replace")]
    KeyPresent,
    /// The keychain's key is not the one the data folder's secrets are sealed under (its `key-id` says which):
    /// another keychain, or a key replaced outside Patchbay. Nothing is sealed under the wrong one.
    #[error("the vault key in the keychain is not the one the sealed secrets need")]
    KeyMismatch,
    /// A sealed file does not open: damaged, or sealed under another key.
    #[error("a sealed secret cannot be opened")]
    Damaged,
    /// Sealing failed (the cipher refused; never seen in practice).
    #[error("sealing a secret failed")]
    Seal,
    /// The disk: permissions, a full disk, too many open files.
    #[error("could not {what} ({path}): {source}")]
    Disk {
        what: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl From<VaultError> for ErrorInfo {
    fn from(e: VaultError) -> Self {
        match &e {
            VaultError::Keychain { detail } => keychain_info(detail),
            VaultError::KeyDamaged => ErrorInfo::new(
                ErrorCode::KeychainUnavailable,
                "Patchbay's vault key in the keychain is damaged.",
                "Remove the \"vault-key\" item of Patchbay from your keychain and fix each connection by signing in again.",
            ),
            VaultError::KeyMissing { sealed } => missing_key_with_sealed_files(*sealed),
            // Not "Fix it": with sealed files on disk, no new key is made without being asked (see `key`), so a
            // Fix would only end in the same words. The way out is the keychain back, or a new key.
            VaultError::KeyGone => ErrorInfo::new(
                ErrorCode::KeychainUnavailable,
                "Patchbay's vault key is missing from the keychain.",
                "The keychain was reset, is locked, or is another one: unlock or switch it, then check again.",
            )
            .with_remedy(Remedy::ResetVault),
            VaultError::KeyPresent => ErrorInfo::new(
                ErrorCode::InvalidInput,
                "Patchbay's vault key is in the keychain: there is nothing to replace.",
                "If connections fail, use Fix on each; the key itself is fine.",
            ),
            VaultError::KeyMismatch => ErrorInfo::new(
                ErrorCode::KeychainUnavailable,
                "The keychain's vault key is not the one Patchbay's secrets were sealed with.",
                "Another keychain may be in use, or the key was replaced outside Patchbay: switch back to the \
                 keychain that holds it. If it is gone for good, delete Patchbay's \"vault-key\" item from the \
                 keychain and make a new vault key; each connection then needs Fix.",
            ),
            VaultError::Damaged => ErrorInfo::new(
                ErrorCode::Storage,
                "A sealed secret cannot be opened.",
                "It is damaged or was sealed with another vault key. Fix the connection by signing in again.",
            ),
            VaultError::Seal => ErrorInfo::new(
                ErrorCode::Internal,
                "Sealing a secret failed.",
                "Try again.",
            ),
            VaultError::Disk { what, path, source } => ErrorInfo::new(
                ErrorCode::Storage,
                format!("Patchbay could not {what}."),
                format!(
                    "Check that {} exists and is writable by you, and that the disk is not full.",
                    path.display()
                ),
            )
            .with_detail(source.to_string()),
        }
    }
}

/// The words for a keychain that is missing, locked or refusing.
pub(super) fn keychain_info(detail: &str) -> ErrorInfo {
    let message = if cfg!(target_os = "macos") {
        "Patchbay keeps its secrets in your login keychain and could not use it. Unlock it in Keychain Access (or \
         allow Patchbay when macOS asks), then try again. Patchbay never falls back to storing secrets in plain \
         text."
    } else if cfg!(windows) {
        "Patchbay keeps its secrets in Windows Credential Manager and could not use it. Check that you are signed in \
         to your own Windows account (not a temporary profile) and that Credential Manager opens, then try again. \
         Patchbay never falls back to storing secrets in plain text."
    } else {
        "Patchbay keeps its secrets in your keychain (the Secret Service) and could not use it. Start and unlock a \
         keyring: on GNOME it is gnome-keyring (\"Passwords and Keys\"), on KDE KWallet with Secret Service on, or \
         KeePassXC with Secret Service integration. Then try again. Patchbay never falls back to storing secrets in \
         plain text."
    };
    ErrorInfo::new(
        ErrorCode::KeychainUnavailable,
        "The keychain is not available.",
        message,
    )
    .with_detail(detail)
}

/// The key is gone but `sealed` files need it: say what happened and what each way out does.
pub fn missing_key_with_sealed_files(sealed: usize) -> ErrorInfo {
    ErrorInfo::new(
        ErrorCode::KeychainUnavailable,
        "Patchbay's vault key is missing from the keychain.",
        format!(
            "{sealed} sealed secret file{} can only be opened with it, so Patchbay did not make a new one. If \
             the keychain is locked, or another one is in use, unlock or switch it and try again.",
            if sealed == 1 { "" } else { "s" }
        ),
    )
    .with_remedy(Remedy::ResetVault)
}
