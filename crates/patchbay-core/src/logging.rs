//! Logging for every Patchbay program (the window, the service, the CLI and `patchbay mcp`): `PATCHBAY_LOG` (a
//! tracing filter such as `debug` or `patchbay_core=trace`) to stderr, each program with its own default.
//!
//! Mail content never reaches a log. Patchbay's own code logs ids, counts and words of its own, at every level;
//! a library that logs what passes through it does not choose. So [`CAPPED`] libraries log at `info` at most,
//! whatever `PATCHBAY_LOG` asks for: rmcp, the MCP server's library, logs every request and every result at
//! `debug`, and a result is the mail an assistant read.

use tracing::{Level, Metadata};
use tracing_subscriber::filter::{EnvFilter, FilterFn};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::prelude::*;

/// The variable that sets the filter.
pub const VAR: &str = "PATCHBAY_LOG";

/// Libraries (tracing targets, with their modules) that log what passes through them, kept at `info` at most.
pub const CAPPED: &[&str] = &["rmcp"];

/// Whether an event or span of `metadata` may be logged at all, whatever the filter says.
pub fn allowed(metadata: &Metadata<'_>) -> bool {
    let target = metadata.target();
    let capped = CAPPED.iter().any(|c| {
        target == *c
            || target
                .strip_prefix(c)
                .is_some_and(|rest| rest.starts_with("::"))
    });
    // In tracing, a more verbose level is the greater: TRACE > DEBUG > INFO.
    !capped || *metadata.level() <= Level::INFO
}

fn cap() -> FilterFn {
    tracing_subscriber::filter::filter_fn(allowed)
}

/// `PATCHBAY_LOG` as a filter, or `default` when it is unset or not a filter.
pub fn env_filter(default: &str) -> EnvFilter {
    EnvFilter::try_from_env(VAR).unwrap_or_else(|_| EnvFilter::new(default))
}

/// A subscriber logging what `filter` lets through, but what [`allowed`] refuses, to `writer`.
pub fn subscriber<W>(
    filter: EnvFilter,
    writer: W,
    ansi: bool,
) -> impl tracing::Subscriber + Send + Sync
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    tracing_subscriber::registry().with(
        tracing_subscriber::fmt::layer()
            .with_writer(writer)
            .with_ansi(ansi)
            .with_filter(filter)
            .with_filter(cap()),
    )
}

/// Log to stderr as `PATCHBAY_LOG` says (`default` when it says nothing), colours only for a person at a
/// terminal. A second call (tests) changes nothing.
pub fn init(default: &str) {
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let _ = tracing::subscriber::set_global_default(subscriber(
        env_filter(default),
        std::io::stderr,
        ansi,
    ));
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'w> MakeWriter<'w> for Captured {
        type Writer = Captured;
        fn make_writer(&'w self) -> Captured {
            self.clone()
        }
    }

    fn logged(filter: &str) -> String {
        let out = Captured::default();
        let subscriber = subscriber(EnvFilter::new(filter), out.clone(), false);
        tracing::subscriber::with_default(subscriber, || {
            tracing::debug!(target: "rmcp::service", "request: get_message, Subject: Salary review");
            tracing::trace!(target: "rmcp", "result: Dear Ada");
            tracing::info!(target: "rmcp::transport", "connection closed");
            tracing::debug!(target: "rmcpx", "another library");
            tracing::debug!(target: "patchbay_core::graph", "round done");
        });
        let bytes = out.0.lock().unwrap().clone();
        String::from_utf8(bytes).unwrap()
    }

    #[test]
    fn rmcp_logs_at_info_at_most_whatever_patchbay_log_asks() {
        for filter in ["trace", "debug", "rmcp=trace", "rmcp::service=trace,debug"] {
            let log = logged(filter);
            assert!(!log.contains("Salary review"), "{filter}: {log}");
            assert!(!log.contains("Dear Ada"), "{filter}: {log}");
            assert!(log.contains("connection closed"), "{filter}: {log}");
        }
        let log = logged("debug");
        assert!(
            log.contains("round done") && log.contains("another library"),
            "{log}"
        );
        assert!(!logged("warn").contains("connection closed"));
    }

    #[test]
    fn a_rounds_log_line_holds_no_subject() {
        let round = crate::automations::engine::Round {
            delivered: 1,
            delivered_subjects: vec![Some("Salary review".into())],
            ..Default::default()
        };
        let line = format!("{round:?}");
        assert!(!line.contains("Salary review"), "{line}");
        assert!(line.contains("delivered: 1"), "{line}");
    }
}
