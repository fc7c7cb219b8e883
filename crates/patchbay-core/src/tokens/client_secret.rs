//! Replacing a bring-your-own app's client secret without a new sign-in: the new secret is tried at once with a
//! refresh, and kept only when Microsoft takes it (or cannot be asked).

use super::manager::TokenManager;
use super::{AccessToken, RefreshError};
use crate::catalogue::AuthType;
use crate::error::{ErrorCode, ErrorInfo};
use crate::model::ConnectionSummary;
use crate::secrets::ConnectionSecrets;
use crate::store::ConnectionRecord;
use secrecy::{ExposeSecret, SecretString};

fn invalid(title: impl Into<String>, message: impl Into<String>) -> ErrorInfo {
    ErrorInfo::new(ErrorCode::InvalidInput, title, message)
}

impl TokenManager {
    /// Replace a bring-your-own connection's client secret without signing in again (its old one expired or was
    /// wrong). The new secret is tried at once with a refresh; when Microsoft rejects it too, the old one is kept
    /// and the error says so. When Microsoft cannot be reached, the new secret is kept and checked later.
    pub async fn update_client_secret(
        &self,
        id: &str,
        secret: SecretString,
        expires_on: Option<String>,
    ) -> Result<ConnectionSummary, ErrorInfo> {
        let record = self.connections.record(id)?;
        if record.info.auth_type != AuthType::BringYourOwnApp {
            return Err(invalid(
                "This connection signs in with Patchbay's built-in app, which has no client secret.",
                "Choose Fix to sign in again instead.",
            ));
        }
        let secret = SecretString::from(secret.expose_secret().trim().to_string());
        if secret.expose_secret().is_empty() {
            return Err(invalid(
                "The client secret is empty.",
                "Paste the secret's Value from App registrations → your app → Certificates & secrets.",
            ));
        }
        let expires_on = match expires_on
            .as_deref()
            .map(str::trim)
            .filter(|d| !d.is_empty())
        {
            Some(day) => Some(crate::connect::check::parse_day(day)?),
            None => None,
        };
        let result = {
            let _guard = self.locks().acquire(id).await?;
            let mut secrets = self.open_secrets(id).map_err(|e| match e {
                RefreshError::SecretsUnavailable(info) | RefreshError::Local(info) => info,
                _ => ErrorInfo::new(
                    ErrorCode::RefreshTokenRevoked,
                    "This connection's sign-in is missing on this computer, so a new secret alone cannot fix it.",
                    "Choose Fix and sign in again (you can enter the new secret there).",
                ),
            })?;
            secrets.client_secret = Some(secret);
            let result = self.refresh_with(&record, secrets.clone()).await;
            if matches!(result, Err(RefreshError::Unreachable(_))) {
                // Keep the secret the person gave; the next check tries it.
                self.reseal(id, &secrets).await?;
            }
            result
        };
        match result {
            Ok(_) | Err(RefreshError::Unreachable(_)) => {
                self.connections.store.update(|records| {
                    if let Some(r) = records.iter_mut().find(|r| r.info.id == id) {
                        r.info.has_client_secret = true;
                        r.info.client_secret_expires_on = expires_on.clone();
                    }
                    Ok(())
                })?;
                self.registry.refresh();
                self.registry.refresh_one(id);
                self.registry.get(id)
            }
            Err(e @ RefreshError::AppCredentialsInvalid { .. }) => {
                let info = e.to_error_info();
                Err(ErrorInfo {
                    title: "Microsoft rejected the new client secret; the old one is kept.".into(),
                    ..info
                })
            }
            // Not about the secret (a revoked sign-in, the keychain, a removal): say what it was.
            Err(e) => Err(e.to_error_info()),
        }
    }

    /// Force a refresh with these secrets (under the connection's lock, which the caller holds), recording the
    /// outcome in the connection's status.
    async fn refresh_with(
        &self,
        record: &ConnectionRecord,
        secrets: ConnectionSecrets,
    ) -> Result<AccessToken, RefreshError> {
        let result = self.refresh_locked(record, secrets).await;
        self.note_refresh(&record.info.id, &result);
        result
    }
}
