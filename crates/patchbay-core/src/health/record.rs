//! What is known about a connection's health, kept in `status/<id>.json` (one small file per connection, so a
//! check writes a few hundred bytes rather than the whole list), and how it reads as the status a person sees.
//!
//! Only verdicts are kept: healthy, needs reconnect, app credentials invalid, can't check. The rest is derived
//! when read:
//! *unreachable* from `unreachable_since` (offline never overwrites a verdict), *at risk* from the age of the
//! last refresh or a client secret close to its expiry, *checking* from the running app's checks in flight.

use crate::clock;
use crate::error::{ErrorCode, ErrorInfo};
use crate::model::{ConnectionStatus, ProblemReport};
use crate::store::{ensure_private_dir, ConnectionRecord};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Microsoft ends a refresh token after 90 days without use (AADSTS700082); ten days before, Patchbay warns.
pub const AT_RISK_AFTER_SECS: i64 = 80 * 86_400;
/// How long before a client secret's expiry the reminder starts.
pub const SECRET_REMINDER_SECS: i64 = 14 * 86_400;

/// The last thing a check concluded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    #[default]
    Healthy,
    /// The sign-in is no longer accepted: sign in again as the same account.
    NeedsReconnect,
    /// The bring-your-own app's secret is wrong or expired, or the app is gone.
    AppCredentialsInvalid,
    /// The secrets could not be opened on this computer, or there is no record of a check (see
    /// [`ConnectionStatus::CantCheck`]).
    CantCheck,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthRecord {
    #[serde(default)]
    pub verdict: Verdict,
    /// Why, in words, when the verdict is not healthy.
    #[serde(default)]
    pub reason: Option<String>,
    /// RFC 3339: the last check that reached a conclusion or found Microsoft unreachable.
    #[serde(default)]
    pub checked_at: Option<String>,
    /// RFC 3339: the last time a token was obtained (sign-in or refresh).
    #[serde(default)]
    pub refreshed_at: Option<String>,
    /// RFC 3339: since when Microsoft could not be reached (cleared by the next answer).
    #[serde(default)]
    pub unreachable_since: Option<String>,
    /// The last failure, verbatim with its ids, for diagnostics.
    #[serde(default)]
    pub last_error: Option<ProblemReport>,
    /// Why the last check's request to Graph failed, when Graph answered it with an error (a 404, an answer
    /// that cannot be read): the connection then reads as Can't check, never healthy, until a check Graph
    /// answers well. Token refreshes leave it: they vouch for the sign-in, not for Graph.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probe_failed: Option<String>,
}

impl HealthRecord {
    /// A connection that just got its tokens.
    pub fn fresh(now: &str) -> Self {
        Self {
            checked_at: Some(now.to_string()),
            refreshed_at: Some(now.to_string()),
            ..Self::default()
        }
    }
}

/// The status a person sees, and why.
pub fn effective(
    record: &ConnectionRecord,
    health: &HealthRecord,
    now: i64,
    checking: bool,
) -> (ConnectionStatus, Option<String>) {
    if checking {
        return (ConnectionStatus::Checking, None);
    }
    match health.verdict {
        Verdict::NeedsReconnect => (ConnectionStatus::NeedsReconnect, health.reason.clone()),
        Verdict::AppCredentialsInvalid => (
            ConnectionStatus::AppCredentialsInvalid,
            health.reason.clone(),
        ),
        Verdict::CantCheck => (ConnectionStatus::CantCheck, health.reason.clone()),
        Verdict::Healthy => {
            // A check that failed is never healthy (nor merely at risk).
            if let Some(reason) = &health.probe_failed {
                return (ConnectionStatus::CantCheck, Some(reason.clone()));
            }
            if let Some(reason) = at_risk_reason(record, health, now) {
                return (ConnectionStatus::AtRisk, Some(reason));
            }
            if health.unreachable_since.is_some() {
                // No times or provider words here: the UI shows "since", the details sit in `last_error`, and a
                // reason that changed every minute would be a new event every minute.
                return (
                    ConnectionStatus::Unreachable,
                    Some(
                        "Microsoft could not be reached (no network, or Microsoft throttled or had trouble). The connection itself is fine; Patchbay keeps trying."
                            .into(),
                    ),
                );
            }
            (ConnectionStatus::Healthy, None)
        }
    }
}

/// Why a working connection is at risk of breaking soon, if it is.
pub fn at_risk_reason(
    record: &ConnectionRecord,
    health: &HealthRecord,
    now: i64,
) -> Option<String> {
    if let Some(day) = &record.info.client_secret_expires_on {
        if let Some(expires) = clock::day_start_unix(day) {
            if now >= expires {
                return Some(format!(
                    "The app's client secret expired on {day}. Create a new secret under Certificates & secrets and choose Update client secret."
                ));
            }
            if expires - now <= SECRET_REMINDER_SECS {
                return Some(format!(
                    "The app's client secret expires on {day}, in {}. Create a new secret under Certificates & secrets and choose Update client secret before then.",
                    clock::span_words(expires - now)
                ));
            }
        }
    }
    let last = health
        .refreshed_at
        .as_deref()
        .and_then(clock::parse_rfc3339)
        .or_else(|| clock::parse_rfc3339(&record.info.created_at))?;
    let idle = now - last;
    (idle >= AT_RISK_AFTER_SECS).then(|| {
        format!(
            "Not renewed for {}: Microsoft ends a sign-in after 90 days without use. Keep Patchbay running while online, or choose Check now.",
            clock::span_words(idle)
        )
    })
}

/// The `status/` folder.
pub struct HealthStore {
    dir: PathBuf,
    /// Statuses this process found but could not save, with why: read back from here (this process never
    /// shows a status it knows is outdated), and reported by the check that found them.
    unsaved: std::sync::Mutex<std::collections::HashMap<String, (HealthRecord, ErrorInfo)>>,
}

/// Why a status file says nothing: the connection then reads as Can't check, never as healthy.
fn no_record(what: &str) -> HealthRecord {
    HealthRecord {
        verdict: Verdict::CantCheck,
        reason: Some(format!(
            "Patchbay has no record of this connection's last check (its status file {what}). Check now finds out."
        )),
        ..HealthRecord::default()
    }
}

fn storage_error(what: &str, path: &Path, e: impl std::fmt::Display) -> ErrorInfo {
    ErrorInfo::new(
        ErrorCode::Storage,
        format!("Patchbay could not {what}."),
        format!(
            "Check that {} is writable by you and the disk is not full.",
            path.display()
        ),
    )
    .with_detail(e.to_string())
}

impl HealthStore {
    pub fn new(data_dir: &Path) -> Self {
        Self {
            dir: data_dir.join("status"),
            unsaved: Default::default(),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{id}.json"))
    }

    /// The status file of `id` as it is now, `None` when there is none or a status not yet written is held
    /// in memory (it may differ from the file).
    pub fn stamp(&self, id: &str) -> Option<crate::store::FileStamp> {
        if self.unsaved_lock().contains_key(id) {
            return None;
        }
        crate::store::FileStamp::of(&self.path(id))
    }

    /// What is known about `id`. A missing or damaged status file is not "nothing wrong": it reads as Can't
    /// check, until a check writes one.
    pub fn read(&self, id: &str) -> HealthRecord {
        if let Some((record, _)) = self.unsaved_lock().get(id) {
            return record.clone();
        }
        match std::fs::read(self.path(id)) {
            Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|_| no_record("is damaged")),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => no_record("is missing"),
            Err(e) => no_record(&format!("cannot be read: {e}")),
        }
    }

    fn unsaved_lock(
        &self,
    ) -> std::sync::MutexGuard<'_, std::collections::HashMap<String, (HealthRecord, ErrorInfo)>>
    {
        self.unsaved
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Why the last status this process found for `id` could not be saved, if it could not.
    pub fn unsaved(&self, id: &str) -> Option<ErrorInfo> {
        self.unsaved_lock().get(id).map(|(_, e)| e.clone())
    }

    /// Replace what is known about `id`, unless it is already that. Atomic (a reader never sees half a file),
    /// not fsynced: it is a cache of what the next check finds out again. A failure is kept (see `unsaved`).
    pub fn write(&self, id: &str, health: &HealthRecord) -> Result<(), ErrorInfo> {
        let result = self.write_file(id, health);
        let mut unsaved = self.unsaved_lock();
        match &result {
            Ok(()) => {
                unsaved.remove(id);
            }
            Err(e) => {
                unsaved.insert(id.to_string(), (health.clone(), e.clone()));
            }
        }
        result
    }

    fn write_file(&self, id: &str, health: &HealthRecord) -> Result<(), ErrorInfo> {
        let on_disk = std::fs::read(self.path(id))
            .ok()
            .and_then(|bytes| serde_json::from_slice::<HealthRecord>(&bytes).ok());
        if on_disk.as_ref() == Some(health) {
            return Ok(());
        }
        ensure_private_dir(&self.dir)
            .map_err(|e| storage_error("create its status folder", &self.dir, e))?;
        let bytes = serde_json::to_vec_pretty(health)
            .map_err(|e| storage_error("encode a status", &self.dir, e))?;
        crate::store::write_atomic_unsynced(&self.dir, &self.path(id), &bytes)
            .map_err(|e| storage_error("save a connection's status", &self.dir, e))
    }

    pub fn remove(&self, id: &str) -> Result<(), ErrorInfo> {
        match std::fs::remove_file(self.path(id)) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(storage_error("remove a connection's status", &self.dir, e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::tests::record;

    const NOW: i64 = 1_800_000_000;

    fn report(summary: &str) -> ProblemReport {
        ProblemReport {
            at: clock::rfc3339(NOW),
            summary: summary.into(),
            detail: None,
            trace_id: None,
            correlation_id: None,
            request_id: None,
        }
    }

    #[test]
    fn verdicts_win_over_offline_and_offline_never_reads_as_broken() {
        let r = record("a");
        let mut h = HealthRecord {
            refreshed_at: Some(clock::rfc3339(NOW - 60)),
            ..HealthRecord::default()
        };
        assert_eq!(effective(&r, &h, NOW, false).0, ConnectionStatus::Healthy);
        h.unreachable_since = Some(clock::rfc3339(NOW - 600));
        h.last_error = Some(report("the sign-in service did not answer in time"));
        let (status, reason) = effective(&r, &h, NOW, false);
        assert_eq!(status, ConnectionStatus::Unreachable);
        let reason = reason.unwrap();
        assert!(reason.contains("could not be reached"), "{reason}");
        // The same a minute later: no new event for an unchanged state.
        assert_eq!(effective(&r, &h, NOW + 60, false).1.unwrap(), reason);
        h.verdict = Verdict::NeedsReconnect;
        h.reason = Some("Revoked.".into());
        assert_eq!(
            effective(&r, &h, NOW, false),
            (ConnectionStatus::NeedsReconnect, Some("Revoked.".into()))
        );
        assert_eq!(effective(&r, &h, NOW, true).0, ConnectionStatus::Checking);
    }

    #[test]
    fn eighty_days_without_a_refresh_is_at_risk() {
        let r = record("a");
        let h = HealthRecord {
            refreshed_at: Some(clock::rfc3339(NOW - AT_RISK_AFTER_SECS)),
            unreachable_since: Some(clock::rfc3339(NOW - 3600)),
            ..HealthRecord::default()
        };
        let (status, reason) = effective(&r, &h, NOW, false);
        assert_eq!(status, ConnectionStatus::AtRisk);
        assert!(reason.unwrap().contains("80 days"));
        let fresh = HealthRecord {
            refreshed_at: Some(clock::rfc3339(NOW - AT_RISK_AFTER_SECS + 3600)),
            ..HealthRecord::default()
        };
        assert_eq!(
            effective(&r, &fresh, NOW, false).0,
            ConnectionStatus::Healthy
        );
    }

    #[test]
    fn a_secret_close_to_expiry_is_at_risk_fourteen_days_ahead() {
        let mut r = record("a");
        let h = HealthRecord::fresh(&clock::rfc3339(NOW));
        let day = |offset_days: i64| {
            let t = time::OffsetDateTime::from_unix_timestamp(NOW + offset_days * 86_400).unwrap();
            format!("{:04}-{:02}-{:02}", t.year(), u8::from(t.month()), t.day())
        };
        r.info.client_secret_expires_on = Some(day(30));
        assert_eq!(effective(&r, &h, NOW, false).0, ConnectionStatus::Healthy);
        r.info.client_secret_expires_on = Some(day(10));
        let (status, reason) = effective(&r, &h, NOW, false);
        assert_eq!(status, ConnectionStatus::AtRisk);
        assert!(reason.unwrap().contains("Update client secret"));
        r.info.client_secret_expires_on = Some(day(-1));
        assert!(effective(&r, &h, NOW, false).1.unwrap().contains("expired"));
    }

    #[test]
    fn records_round_trip_and_missing_or_damaged_ones_read_as_cant_check() {
        let dir = tempfile::tempdir().unwrap();
        let store = HealthStore::new(dir.path());
        let cant = |h: HealthRecord, what: &str| {
            assert_eq!(h.verdict, Verdict::CantCheck, "{what}");
            assert!(h.reason.as_deref().unwrap().contains(what), "{h:?}");
        };
        cant(store.read("x"), "is missing");
        let h = HealthRecord {
            verdict: Verdict::AppCredentialsInvalid,
            reason: Some("Secret expired.".into()),
            last_error: Some(report("invalid_client")),
            ..HealthRecord::fresh("2026-11-29T00:00:00Z")
        };
        store.write("x", &h).unwrap();
        assert_eq!(store.read("x"), h);
        std::fs::write(store.dir().join("y.json"), "{ no").unwrap();
        cant(store.read("y"), "is damaged");
        let r = record("y");
        assert_eq!(
            effective(&r, &store.read("y"), NOW, false).0,
            ConnectionStatus::CantCheck,
            "never healthy"
        );
        store.remove("x").unwrap();
        store.remove("x").unwrap();
        cant(store.read("x"), "is missing");
    }

    #[cfg(unix)]
    #[test]
    fn a_status_that_cannot_be_saved_is_kept_and_reported() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let store = HealthStore::new(dir.path());
        store
            .write("x", &HealthRecord::fresh("2026-11-29T00:00:00Z"))
            .unwrap();
        let broken = HealthRecord {
            verdict: Verdict::NeedsReconnect,
            reason: Some("Revoked.".into()),
            ..HealthRecord::default()
        };
        // The status folder cannot be written (root ignores permissions: make it a file's child instead).
        let status = store.dir().to_path_buf();
        std::fs::remove_dir_all(&status).unwrap();
        std::fs::write(&status, b"not a folder").unwrap();
        let _ = std::fs::set_permissions(&status, std::fs::Permissions::from_mode(0o400));
        let e = store.write("x", &broken).unwrap_err();
        assert!(e.title.contains("status"), "{e:?}");
        // This process shows what it found, not the outdated file, and says it could not save it.
        assert_eq!(store.read("x"), broken);
        assert!(store.unsaved("x").is_some());
        std::fs::remove_file(&status).unwrap();
        store.write("x", &broken).unwrap();
        assert!(store.unsaved("x").is_none());
    }
}
