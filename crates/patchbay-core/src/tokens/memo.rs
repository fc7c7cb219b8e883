//! The last access token each connection handed out in this process, kept in memory so that a poll every minute
//! (the automations, an assistant's calls) does not read and open the sealed file each time. It is used only
//! while nothing it depends on changed: the sealed secrets (another process refreshed) and the status file
//! (a check found the connection broken) must carry the stamps they had when it was kept, and be settled
//! ([`FileStamp::is_settled`]); otherwise the token is had the long way and kept again. It holds nothing the
//! process would not hold anyway for the length of a call, and never leaves it.

use super::policy::{usable, AccessToken, TokenPolicy};
use crate::secrets::ConnectionSecrets;
use crate::store::FileStamp;
use secrecy::SecretString;
use std::collections::HashMap;
use std::sync::Mutex;

struct Kept {
    token: SecretString,
    expires_at: i64,
    issued_ms: Option<i64>,
    sealed: FileStamp,
    status: FileStamp,
}

/// What a lookup needs to know of the files now.
pub(crate) struct Stamps {
    pub sealed: Option<FileStamp>,
    pub status: Option<FileStamp>,
}

impl Stamps {
    fn settled(&self) -> Option<(&FileStamp, &FileStamp)> {
        match (&self.sealed, &self.status) {
            (Some(s), Some(h)) if s.is_settled() && h.is_settled() => Some((s, h)),
            _ => None,
        }
    }
}

#[derive(Default)]
pub(crate) struct TokenMemo {
    kept: Mutex<HashMap<String, Kept>>,
}

impl TokenMemo {
    /// The kept token of `id`, when the files are as they were and it is good enough for `policy` now.
    pub(crate) fn get(
        &self,
        id: &str,
        stamps: &Stamps,
        policy: TokenPolicy,
        now_ms: i64,
    ) -> Option<AccessToken> {
        if policy.force_refresh {
            return None;
        }
        let (sealed, status) = stamps.settled()?;
        let kept = self.kept.lock().unwrap_or_else(|p| p.into_inner());
        let k = kept.get(id)?;
        if &k.sealed != sealed || &k.status != status {
            return None;
        }
        let secrets = ConnectionSecrets {
            refresh_token: None,
            client_secret: None,
            access_token: Some(k.token.clone()),
            access_expires_at: Some(k.expires_at),
            access_issued_at_ms: k.issued_ms,
            renewal_lost: false,
        };
        usable(&secrets, now_ms, policy, now_ms)
    }

    /// Keep `secrets`' access token for `id`, as read under `stamps` (taken before the files were read: a file
    /// replaced since shows as another stamp, and is read again).
    pub(crate) fn keep(&self, id: &str, stamps: Stamps, secrets: &ConnectionSecrets) {
        let mut kept = self.kept.lock().unwrap_or_else(|p| p.into_inner());
        match (
            stamps.sealed,
            stamps.status,
            &secrets.access_token,
            secrets.access_expires_at,
        ) {
            (Some(sealed), Some(status), Some(token), Some(expires_at)) => {
                kept.insert(
                    id.to_string(),
                    Kept {
                        token: token.clone(),
                        expires_at,
                        issued_ms: secrets.access_issued_at_ms,
                        sealed,
                        status,
                    },
                );
            }
            _ => {
                kept.remove(id);
            }
        }
    }

    pub(crate) fn forget(&self, id: &str) {
        self.kept
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(id);
    }
}
