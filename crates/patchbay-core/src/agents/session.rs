//! What a tool server remembers between calls, per connection: the mailbox's time zone (and the name the
//! mailbox gives it), fetched once — in the same `$batch` as the first call's own request, so even that call is
//! one round trip — and never again for the session.

use crate::error::ErrorInfo;
use crate::graph::mailbox::MailboxSettings;
use crate::graph::zone::{self, Zone};
use crate::graph::{Batch, ConnectionGraph, RawResponse, Request};
use std::collections::HashMap;
use std::sync::Mutex;

/// A mailbox's zone, as its settings name it.
#[derive(Debug, Clone)]
pub struct MailboxZone {
    pub zone: Zone,
    /// The name the mailbox gives its zone ("W. Europe Standard Time"), when it could be read and is known.
    pub reported: Option<String>,
}

/// One server's memory of its connections.
#[derive(Default)]
pub struct ToolSession {
    zones: Mutex<HashMap<String, MailboxZone>>,
}

impl ToolSession {
    pub fn new() -> Self {
        Self::default()
    }

    fn cached(&self, id: &str) -> Option<MailboxZone> {
        self.zones
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(id)
            .cloned()
    }

    /// Forget a connection's zone (its mailbox said something new).
    pub fn forget(&self, id: &str) {
        self.zones
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(id);
    }

    /// `request`'s answer and the mailbox's zone: the zone from memory, or asked for in the same `$batch` (and
    /// remembered) the first time. The zone is this computer's when the mailbox's cannot be had (no
    /// MailboxSettings.Read); that is not remembered, so a Fix that grants it shows at the next call.
    pub async fn with_zone(
        &self,
        graph: &ConnectionGraph,
        requested: &[String],
        request: Request,
    ) -> Result<(MailboxZone, RawResponse), ErrorInfo> {
        if let Some(zone) = self.cached(graph.id()) {
            let response = graph.send(&request).await.map_err(|e| e.to_error_info())?;
            return Ok((zone, response));
        }
        let batch = Batch::new()
            .add("settings", graph.graph().mailbox_settings().request())
            .add("request", request);
        let mut answers = graph.batch(&batch).await.map_err(|e| e.to_error_info())?;
        let settings = answers
            .take("settings")
            .and_then(|r| r.json::<MailboxSettings>());
        let from_mailbox = settings.is_ok();
        let z = crate::preview::preview_zone(settings, requested);
        let zone = MailboxZone {
            zone: zone::resolve(&z.iana).unwrap_or_else(zone::local),
            reported: z.reported,
        };
        if from_mailbox {
            self.zones
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(graph.id().to_string(), zone.clone());
        }
        let response = answers
            .take("request")
            .map_err(|e| crate::graph::session::graph_error_info(&e))?;
        Ok((zone, response))
    }

    /// The mailbox's zone alone (one request the first time, none after).
    pub async fn zone(
        &self,
        graph: &ConnectionGraph,
        requested: &[String],
    ) -> Result<MailboxZone, ErrorInfo> {
        if let Some(zone) = self.cached(graph.id()) {
            return Ok(zone);
        }
        let response = graph
            .send(&graph.graph().mailbox_settings().request())
            .await
            .map_err(|e| e.to_error_info())?;
        let settings = response.json::<MailboxSettings>();
        let from_mailbox = settings.is_ok();
        let z = crate::preview::preview_zone(settings, requested);
        let zone = MailboxZone {
            zone: zone::resolve(&z.iana).unwrap_or_else(zone::local),
            reported: z.reported,
        };
        if from_mailbox {
            self.zones
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(graph.id().to_string(), zone.clone());
        }
        Ok(zone)
    }
}
