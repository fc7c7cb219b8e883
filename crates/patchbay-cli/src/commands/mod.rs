//! One module per command. Each returns `Err(ErrorInfo)` for main to print as one line.

pub mod automations;
pub mod check;
pub mod connect;
pub mod connections;
pub mod connectors;
pub mod doctor;
pub mod files;
pub mod graph;
pub mod preview;
pub mod teams;

use patchbay_core::error::{ErrorCode, ErrorInfo};
use patchbay_core::model::ConnectionSummary;
use patchbay_core::Patchbay;

/// A mistake in what the person typed.
pub fn invalid(title: impl Into<String>, message: impl Into<String>) -> ErrorInfo {
    ErrorInfo::new(ErrorCode::InvalidInput, title, message)
}

/// The connection `conn` names (its id, or its name in any case), when its connector has the command group
/// `group` (as the catalogue's capabilities list it); otherwise why not, naming the connectors that have it.
pub fn connection_for_group(
    core: &Patchbay,
    conn: &str,
    group: &str,
) -> Result<ConnectionSummary, ErrorInfo> {
    let found = core.find(conn)?;
    let catalogue = core.catalogue();
    let connector = catalogue.get(&found.info.connector_id).ok();
    if connector.is_some_and(|c| c.capabilities.has_cli(group)) {
        return Ok(found);
    }
    let having: Vec<_> = catalogue
        .connectors()
        .iter()
        .filter(|c| c.capabilities.has_cli(group))
        .collect();
    let names: Vec<&str> = having.iter().map(|c| c.name.as_str()).collect();
    Err(invalid(
        format!(
            "{:?} is a {} connection; `patchbay {group}` works with {} connections.",
            found.info.name,
            connector
                .map(|c| c.name.as_str())
                .unwrap_or("different kind of"),
            names.join(" or ")
        ),
        format!(
            "Use one of those, or make one with `patchbay connect --connector {}`.",
            having.first().map(|c| c.id.as_str()).unwrap_or(group)
        ),
    ))
}
