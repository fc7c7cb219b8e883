//! `patchbay doctor`: is this computer ready to connect? Exit 0 when nothing failed (warnings allowed), 1 otherwise.

use crate::cli::DoctorArgs;
use crate::output;
use patchbay_core::diagnose::{Check, CheckStatus};
use patchbay_core::error::{ErrorCode, ErrorInfo};
use patchbay_core::Patchbay;

pub async fn run(core: &Patchbay, args: &DoctorArgs) -> Result<(), ErrorInfo> {
    let checks = core.diagnose().await;
    if args.json {
        output::json(&checks)?;
    } else {
        for check in &checks {
            output::out(&describe(check));
        }
    }
    let failed: Vec<&Check> = checks
        .iter()
        .filter(|c| c.status == CheckStatus::Failed)
        .collect();
    let code = if failed.iter().any(|c| c.id == "keychain") {
        ErrorCode::KeychainUnavailable
    } else {
        ErrorCode::Storage
    };
    let failed: Vec<&str> = failed.iter().map(|c| c.title.as_str()).collect();
    if failed.is_empty() {
        Ok(())
    } else {
        Err(ErrorInfo::new(
            code,
            format!(
                "{} check{} failed: {}.",
                failed.len(),
                if failed.len() == 1 { "" } else { "s" },
                failed.join(", ")
            ),
            "Follow the fix under each failed check, then run patchbay doctor again.",
        ))
    }
}

/// `[ok] Title: summary`, and the fix and detail indented below it.
fn describe(check: &Check) -> String {
    let mark = match check.status {
        CheckStatus::Ok => "ok",
        CheckStatus::Warning => "warning",
        CheckStatus::Failed => "FAILED",
    };
    let mut text = format!("[{mark}] {}: {}", check.title, check.summary);
    if let Some(fix) = &check.fix {
        text.push_str(&format!("\n    fix: {fix}"));
    }
    if let Some(detail) = &check.detail {
        text.push_str(&format!("\n    detail: {detail}"));
    }
    text
}
