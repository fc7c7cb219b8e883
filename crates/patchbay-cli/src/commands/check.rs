//! `patchbay check` and `patchbay token`: is a connection working, and a fresh access token for scripts.

use super::invalid;
use crate::cli::{CheckArgs, TokenArgs};
use crate::output;
use patchbay_core::error::{ErrorCode, ErrorInfo};
use patchbay_core::health::{CheckOptions, CheckOutcome};
use patchbay_core::model::ConnectionStatus;
use patchbay_core::Patchbay;
use secrecy::ExposeSecret;

/// How many connections `check --all` looks at at once.
const CONCURRENCY: usize = 16;

/// Check one connection or all. Exit 1 when any checked connection is not healthy.
pub async fn check(core: &Patchbay, args: &CheckArgs) -> Result<(), ErrorInfo> {
    let ids: Vec<String> = match (&args.id, args.all) {
        (Some(id), false) => vec![core.get(id)?.id.clone()],
        (None, true) => core.list()?.into_iter().map(|c| c.id.clone()).collect(),
        _ => {
            return Err(invalid(
                "Say which connection to check.",
                "Give its ID (see `patchbay list`) or --all.",
            ))
        }
    };
    let options = CheckOptions {
        force_refresh: args.refresh,
        ..CheckOptions::default()
    };
    let results = core.check_connections(&ids, options, CONCURRENCY).await;
    let mut outcomes: Vec<CheckOutcome> = Vec::with_capacity(results.len());
    for result in results {
        outcomes.push(result?);
    }
    if args.json {
        let rows: Vec<serde_json::Value> = outcomes
            .iter()
            .map(|o| {
                serde_json::json!({
                    "id": o.id,
                    "name": o.name,
                    "status": o.status.code(),
                    "reason": o.reason,
                    "checked_at": o.checked_at,
                    "refreshed": o.refreshed,
                })
            })
            .collect();
        output::json(&rows)?;
    } else if outcomes.is_empty() {
        output::out("No connections to check.");
    } else {
        for o in &outcomes {
            let mut line = format!("{}  {}  {}", o.id, o.name, o.status.code());
            if let Some(reason) = &o.reason {
                line.push_str(&format!("\n    {reason}"));
            }
            output::out(&line);
        }
    }
    let unhealthy: Vec<&CheckOutcome> = outcomes
        .iter()
        .filter(|o| o.status != ConnectionStatus::Healthy)
        .collect();
    if unhealthy.is_empty() {
        return Ok(());
    }
    let fix = if unhealthy.iter().any(|o| o.status.is_broken()) {
        "Fix them in the Patchbay app (or `patchbay fix ID`); the reason is printed under each."
    } else {
        "The reason is printed under each; nothing is broken yet."
    };
    Err(ErrorInfo::new(
        ErrorCode::ProviderError,
        format!(
            "{} of {} connection{} {} not healthy.",
            unhealthy.len(),
            outcomes.len(),
            if outcomes.len() == 1 { "" } else { "s" },
            if unhealthy.len() == 1 { "is" } else { "are" }
        ),
        fix,
    ))
}

/// A fresh access token on stdout, alone (for `Authorization: Bearer $(patchbay token ID)`).
pub async fn token(core: &Patchbay, args: &TokenArgs) -> Result<(), ErrorInfo> {
    let connection = core.get(&args.id)?;
    let token = core
        .access_token(&connection.id)
        .await
        .map_err(|e| e.to_error_info())?;
    output::out(token.token.expose_secret());
    Ok(())
}
