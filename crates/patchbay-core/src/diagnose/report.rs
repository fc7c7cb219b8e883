//! *Copy diagnostics*: the text a person sends to support. Built from summaries and checks, which hold no token.

use super::{Check, CheckStatus};
use crate::error::ErrorInfo;
use crate::model::ConnectionSummary;

/// The text of *Copy diagnostics*.
pub fn report_text(
    app_version: &str,
    checks: &[Check],
    connections: Result<Vec<ConnectionSummary>, ErrorInfo>,
) -> String {
    let mut out = vec![
        format!(
            "Patchbay {app_version} ({} build) on {} {}",
            if cfg!(debug_assertions) {
                "debug"
            } else {
                "release"
            },
            std::env::consts::OS,
            std::env::consts::ARCH
        ),
        format!("Report made {}", crate::clock::now_rfc3339()),
        String::new(),
        "This computer:".into(),
    ];
    for c in checks {
        let mark = match c.status {
            CheckStatus::Ok => "ok",
            CheckStatus::Warning => "warning",
            CheckStatus::Failed => "FAILED",
        };
        out.push(format!("  [{mark}] {}: {}", c.title, c.summary));
        if let Some(detail) = &c.detail {
            out.push(format!("      detail: {detail}"));
        }
    }
    out.push(String::new());
    match connections {
        Err(e) => out.push(format!("Connections: cannot be read: {}", e.one_line())),
        Ok(list) => {
            out.push(format!("Connections ({}):", list.len()));
            for c in &list {
                out.push(format!(
                    "  - {} ({}): {:?}{}",
                    c.name,
                    c.id,
                    c.status,
                    c.status_reason
                        .as_deref()
                        .map(|r| format!(": {r}"))
                        .unwrap_or_default()
                ));
                out.push(format!(
                    "    {} · {} · {:?} · tenant {} · client {}",
                    c.account.email,
                    c.environment.as_str(),
                    c.auth_type,
                    c.tenant,
                    c.client_id
                ));
                out.push(format!(
                    "    last checked {} · last refreshed {}{}",
                    c.checked_at.as_deref().unwrap_or("never"),
                    c.last_refreshed_at,
                    c.unreachable_since
                        .as_deref()
                        .map(|t| format!(" · unreachable since {t}"))
                        .unwrap_or_default()
                ));
                if let Some(e) = &c.last_error {
                    let ids: Vec<String> = [
                        ("trace ID", &e.trace_id),
                        ("correlation ID", &e.correlation_id),
                        ("request ID", &e.request_id),
                    ]
                    .iter()
                    .filter_map(|(label, v)| v.as_ref().map(|v| format!("{label} {v}")))
                    .collect();
                    out.push(format!(
                        "    last error {}: {}{}",
                        e.at,
                        e.summary,
                        if ids.is_empty() {
                            String::new()
                        } else {
                            format!(" ({})", ids.join(", "))
                        }
                    ));
                }
            }
        }
    }
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_report_names_statuses_errors_and_ids() {
        let mut c = ConnectionSummary::example("c-1");
        c.status = crate::model::ConnectionStatus::NeedsReconnect;
        c.status_reason = Some("Revoked.".into());
        c.last_error = Some(crate::model::ProblemReport {
            at: "2026-11-29T10:00:00Z".into(),
            summary: "invalid_grant: AADSTS50173: revoked".into(),
            detail: None,
            trace_id: Some("trace-9".into()),
            correlation_id: Some("corr-9".into()),
            request_id: None,
        });
        let text = report_text(
            "0.1.0",
            &[Check::ok("keychain", "Keychain", "Works.")],
            Ok(vec![c]),
        );
        assert!(text.contains("Patchbay 0.1.0"));
        assert!(text.contains("[ok] Keychain: Works."));
        assert!(text.contains("NeedsReconnect: Revoked."));
        assert!(
            text.contains("trace ID trace-9, correlation ID corr-9"),
            "{text}"
        );
    }
}
