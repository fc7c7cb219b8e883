//! `patchbay doctor`: is this computer ready to connect? Exit 0 when nothing failed (warnings allowed), 1 otherwise.

use crate::cli::{DoctorArgs, ResetVaultArgs};
use crate::output;
use patchbay_core::diagnose::{Check, CheckStatus};
use patchbay_core::error::{ErrorCode, ErrorInfo, Surface};
use patchbay_core::Patchbay;
use std::io::{BufRead, IsTerminal};

pub async fn run(core: &Patchbay, args: &DoctorArgs) -> Result<(), ErrorInfo> {
    let checks: Vec<Check> = core
        .diagnose()
        .await
        .into_iter()
        .map(|c| c.for_surface(Surface::Cli))
        .collect();
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

/// `patchbay reset-vault`: only after saying what it does, and being told yes.
pub fn reset_vault(core: &Patchbay, args: &ResetVaultArgs) -> Result<(), ErrorInfo> {
    if !args.yes {
        output::note(
            "This makes a new vault key. Every connection's sealed secrets are set aside in an orphaned-<time> \
             folder (nothing is deleted: should the old key come back, move them back), and each connection \
             then needs `patchbay fix ID`.",
        );
        let stdin = std::io::stdin();
        if !stdin.is_terminal() {
            return Err(ErrorInfo::new(
                ErrorCode::InvalidInput,
                "Not reset: reset-vault asks first.",
                "Run it at a terminal and answer yes, or add --yes.",
            ));
        }
        output::note("Type yes to go on:");
        let mut answer = String::new();
        let _ = stdin.lock().read_line(&mut answer);
        if !answer.trim().eq_ignore_ascii_case("yes") {
            return Err(ErrorInfo::new(
                ErrorCode::Cancelled,
                "Not reset. Nothing was changed.",
                "If the keychain is only locked, unlock it and run `patchbay doctor`.",
            ));
        }
    }
    match core.reset_vault()? {
        Some(folder) => output::out(&format!(
            "Made a new vault key. The old sealed secrets are in {}. Fix each connection (`patchbay list`, then `patchbay fix ID`).",
            folder.display()
        )),
        None => output::out("Made a new vault key. There were no sealed secrets to set aside."),
    }
    Ok(())
}
