//! *Persist* a sign-in: the connection's record (no secret) in `connections.json`, its tokens sealed in the
//! vault, its first status. For a fix, the same connection id gets the new tokens — only when the same account
//! (object and tenant id) signed in.

use super::flow::SignedIn;
use super::grant;
use super::plan::{Plan, Target};
use super::SignIns;
use crate::clock;
use crate::error::{ErrorCode, ErrorInfo};
use crate::health::record::HealthRecord;
use crate::model::{Account, ConnectionInfo, ConnectionSummary};
use crate::secrets::ConnectionSecrets;
use crate::store::ConnectionRecord;

/// `name`, or `name (2)`, `name (3)`… whichever no connection has yet.
pub(crate) fn unique_name(name: &str, records: &[ConnectionRecord]) -> String {
    let taken = |candidate: &str| records.iter().any(|r| r.info.name == candidate);
    if !taken(name) {
        return name.to_string();
    }
    (2..)
        .map(|n| format!("{name} ({n})"))
        .find(|candidate| !taken(candidate))
        .expect("an unused name")
}

/// The refusal of a fix that signed in as someone else.
pub(crate) fn account_mismatch(expected: &Account, got: &Account) -> ErrorInfo {
    let who = |a: &Account| {
        if a.email.is_empty() {
            a.name.clone()
        } else {
            a.email.clone()
        }
    };
    ErrorInfo::new(
        ErrorCode::AccountMismatch,
        format!(
            "You signed in as {}, but this connection acts as {}.",
            who(got),
            who(expected)
        ),
        format!(
            "Patchbay did not change the connection. Fix it by signing in as {}, or add {} as a new connection.",
            who(expected),
            who(got)
        ),
    )
    .with_detail(format!(
        "expected oid {} in tenant {}, got oid {} in tenant {}",
        expected.oid, expected.tid, got.oid, got.tid
    ))
}

impl SignIns {
    /// Store what a sign-in produced, as a new connection or as the fix of an existing one.
    pub(crate) fn persist(
        &self,
        plan: &Plan,
        signed_in: SignedIn,
    ) -> Result<ConnectionSummary, ErrorInfo> {
        let account = signed_in.claims.account();
        let granted = grant::diff(
            &plan.scopes,
            signed_in.tokens.scopes.as_deref(),
            &plan.connector,
        );
        let now_ms = clock::now_unix_ms();
        let now = now_ms / 1000;
        let secrets = ConnectionSecrets {
            refresh_token: Some(signed_in.refresh_token),
            client_secret: plan.client_secret.clone(),
            access_token: Some(signed_in.tokens.access_token),
            access_expires_at: Some(signed_in.tokens.expires_at),
            access_issued_at_ms: Some(now_ms),
            // A new sign-in: whatever was lost before is behind it.
            renewal_lost: false,
        };
        let now = clock::rfc3339(now);
        // A personal account signed in through `common` (an app registered for both kinds) refreshes through
        // `consumers` from now on (see `catalogue::PERSONAL_ACCOUNTS_AUTHORITY`).
        let (tenant, authority) = personal_authority(plan, &account.tid);
        let id = match &plan.target {
            Target::New { name } => {
                let id = uuid::Uuid::new_v4().to_string();
                let default_name = if account.email.is_empty() {
                    account.name.clone()
                } else {
                    account.email.clone()
                };
                let record = ConnectionRecord {
                    info: ConnectionInfo {
                        id: id.clone(),
                        name: name.clone().unwrap_or(default_name),
                        connector_id: plan.connector.id.clone(),
                        environment: plan.environment,
                        authority: authority.clone(),
                        graph_url: plan.endpoints.graph_url.to_string(),
                        auth_type: plan.auth_type,
                        tenant: tenant.clone(),
                        client_id: plan.client_id.clone(),
                        account,
                        scopes_requested: plan.scopes.clone(),
                        scopes_granted: granted.granted,
                        scopes_missing: granted.missing,
                        features_unavailable: granted.features_unavailable,
                        has_client_secret: secrets.client_secret.is_some(),
                        client_secret_expires_on: plan.client_secret_expires_on.clone(),
                        created_at: now.clone(),
                    },
                    redirect_uri: plan.redirect_text.clone(),
                    hosted_sandbox: plan.hosted_sandbox,
                };
                // Seal first, then record: a crash in between leaves an orphan sealed file, never a connection
                // without its secrets. Both under the store lock, which also guards creating the vault key.
                self.connections.store.update(|records| {
                    let mut record = record;
                    // A second connection for the same account gets "email (2)", unless the person named it.
                    if name.is_none() {
                        record.info.name = unique_name(&record.info.name, records);
                    }
                    // Its status before it is listed: a connection listed without one reads as Can't check.
                    self.connections
                        .health
                        .write(&id, &HealthRecord::fresh(&now))?;
                    self.vault.seal(&id, &secrets.seal_bytes())?;
                    records.push(record);
                    Ok(())
                })?;
                id
            }
            Target::Fix {
                id,
                account: expected,
            } => {
                // The same person, in the same tenant — never whoever the browser happened to be signed in as.
                if account.oid != expected.oid || account.tid != expected.tid {
                    return Err(account_mismatch(expected, &account));
                }
                self.connections.store.update(|records| {
                    let record = records
                        .iter_mut()
                        .find(|r| r.info.id == *id)
                        .ok_or_else(|| crate::connections::not_found(id))?;
                    let info = &mut record.info;
                    info.account = account;
                    info.scopes_granted = granted.granted;
                    info.scopes_missing = granted.missing;
                    info.features_unavailable = granted.features_unavailable;
                    info.has_client_secret = secrets.client_secret.is_some();
                    info.client_secret_expires_on = plan.client_secret_expires_on.clone();
                    info.tenant = tenant.clone();
                    if !plan.hosted_sandbox {
                        info.authority = authority.clone();
                        info.graph_url = plan.endpoints.graph_url.to_string();
                    }
                    Ok(self.vault.seal(id, &secrets.seal_bytes())?)
                })?;
                id.clone()
            }
        };
        self.connections
            .health
            .write(&id, &HealthRecord::fresh(&now))?;
        tracing::info!(connection = %id, "connected");
        self.registry.refresh();
        self.registry.get(&id)
    }
}

/// The tenant and authority a connection keeps: the plan's, but for a personal account (its `tid`) signed in
/// through a multi-tenant authority (`common`), whose refreshes go through `consumers`.
fn personal_authority(plan: &Plan, tid: &str) -> (String, String) {
    let authority = plan.endpoints.authority.to_string();
    let multi = ["common", "organizations"]
        .iter()
        .any(|t| plan.tenant.eq_ignore_ascii_case(t));
    if !(multi && crate::catalogue::is_personal_tenant(tid)) {
        return (plan.tenant.clone(), authority);
    }
    let consumers = crate::catalogue::PERSONAL_ACCOUNTS_AUTHORITY.to_string();
    // The tenant is the path segment before `v2.0` in Microsoft's authorities (and the sandbox's).
    let mut url = plan.endpoints.authority.clone();
    let segments: Vec<String> = url.path().split('/').map(str::to_string).collect();
    let rewritten: Vec<String> = segments
        .iter()
        .map(|s| {
            if s.eq_ignore_ascii_case(&plan.tenant) {
                consumers.clone()
            } else {
                s.clone()
            }
        })
        .collect();
    url.set_path(&rewritten.join("/"));
    (consumers, url.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_get_a_number_when_taken() {
        let mut records = vec![crate::store::tests::record("a")];
        records[0].info.name = "adele@contoso.example".into();
        assert_eq!(
            unique_name("megan@contoso.example", &records),
            "megan@contoso.example"
        );
        assert_eq!(
            unique_name("adele@contoso.example", &records),
            "adele@contoso.example (2)"
        );
    }

    #[test]
    fn a_different_account_is_named_in_the_refusal() {
        let expected = Account {
            oid: "1".into(),
            tid: "t".into(),
            name: "Adele".into(),
            email: "adele@contoso.example".into(),
        };
        let got = Account {
            oid: "2".into(),
            email: "megan@contoso.example".into(),
            ..expected.clone()
        };
        let e = account_mismatch(&expected, &got);
        assert_eq!(e.code, ErrorCode::AccountMismatch);
        assert!(e.title.contains("megan@") && e.title.contains("adele@"));
        assert!(e.message.contains("new connection"));
    }
}
