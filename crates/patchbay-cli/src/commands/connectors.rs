//! `patchbay connectors`: the catalogue.

use crate::cli::ConnectorsArgs;
use crate::output;
use patchbay_core::catalogue::{AuthType, Connector, ConnectorStatus};
use patchbay_core::error::ErrorInfo;
use patchbay_core::Patchbay;

pub fn run(core: &Patchbay, args: &ConnectorsArgs) -> Result<(), ErrorInfo> {
    let connectors = core.catalogue().connectors();
    if args.json {
        return output::json(connectors);
    }
    let rows: Vec<Vec<String>> = connectors.iter().map(row).collect();
    output::out(&output::table(
        &["ID", "NAME", "STATUS", "AUTH TYPES", "SCOPES"],
        &rows,
    ));
    Ok(())
}

fn row(c: &Connector) -> Vec<String> {
    let status = match c.status {
        ConnectorStatus::Available => "available",
        ConnectorStatus::ComingSoon => "coming soon",
    };
    let auth: Vec<&str> = c
        .auth_types
        .iter()
        .map(|a| match a {
            AuthType::BuiltInApp => "built-in app",
            AuthType::BringYourOwnApp => "bring your own app",
        })
        .collect();
    vec![
        c.id.clone(),
        c.name.clone(),
        status.into(),
        auth.join(", "),
        c.default_scopes.len().to_string(),
    ]
}
