//! `patchbay list`, `patchbay remove` and `patchbay rename`: the saved connections.

use crate::cli::{ListArgs, RemoveArgs, RenameArgs};
use crate::output;
use patchbay_core::error::ErrorInfo;
use patchbay_core::model::ConnectionSummary;
use patchbay_core::Patchbay;

pub fn list(core: &Patchbay, args: &ListArgs) -> Result<(), ErrorInfo> {
    let connections = core.list()?;
    if args.json {
        return output::json(&connections);
    }
    if connections.is_empty() {
        output::out("No connections yet. Add one with `patchbay connect --connector outlook365`.");
        return Ok(());
    }
    let rows: Vec<Vec<String>> = connections.iter().map(row).collect();
    output::out(&output::table(
        &["ID", "NAME", "ACCOUNT", "ENVIRONMENT", "STATUS"],
        &rows,
    ));
    Ok(())
}

fn row(c: &ConnectionSummary) -> Vec<String> {
    vec![
        c.id.clone(),
        c.name.clone(),
        c.account.email.clone(),
        c.environment.as_str().to_string(),
        status_text(c),
    ]
}

pub fn status_text(c: &ConnectionSummary) -> String {
    let word = c.status.code();
    match &c.status_reason {
        Some(reason) if c.facts.broken => format!("{word}: {reason}"),
        _ => word.to_string(),
    }
}

pub fn remove(core: &Patchbay, args: &RemoveArgs) -> Result<(), ErrorInfo> {
    let connection = core.get(&args.id)?;
    core.remove(&connection.id)?;
    output::out(&format!(
        "Removed connection {} ({}).",
        connection.name, connection.id
    ));
    Ok(())
}

pub fn rename(core: &Patchbay, args: &RenameArgs) -> Result<(), ErrorInfo> {
    let before = core.get(&args.id)?;
    let after = core.rename(&args.id, &args.name)?;
    output::out(&format!(
        "Renamed connection {} to {} ({}).",
        before.name, after.name, after.id
    ));
    Ok(())
}
