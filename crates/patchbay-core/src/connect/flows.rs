//! The sign-ins in progress, by flow id. The core owns them: their cancellation, the deep links that complete
//! them and the errors a person pastes from Microsoft's page. A flow leaves the registry when its
//! [`FlowSlot`] is dropped, however the sign-in ended.

use crate::error::{ErrorCode, ErrorInfo};
use crate::oauth::aad::{explain_provider_error, ErrorContext, ProviderError};
use crate::oauth::callback::{state_matches, CallbackParams};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;

/// The longest text [`Flows::report_page_error`] looks at.
const MAX_PAGE_ERROR_TEXT: usize = 4000;

struct Pending {
    cancel: CancellationToken,
    /// Set once the flow knows its `state` (after planning).
    state: Option<String>,
    deep_link: Option<oneshot::Sender<CallbackParams>>,
    /// What the flow asked for, to explain an error the person copies from the sign-in page.
    ctx: Option<ErrorContext>,
    /// Ends the flow with an error the sign-in page showed (Microsoft never redirects back for some).
    abort: Option<oneshot::Sender<ErrorInfo>>,
}

#[derive(Default, Clone)]
pub struct Flows {
    pending: Arc<Mutex<HashMap<String, Pending>>>,
}

/// A flow's place in the registry: what reaches it from outside. Dropping it removes the flow.
pub struct FlowSlot {
    flows: Flows,
    id: String,
    pub cancel: CancellationToken,
}

/// What the waiting part of a flow listens to.
pub struct Inbox {
    pub deep_link: oneshot::Receiver<CallbackParams>,
    pub abort: oneshot::Receiver<ErrorInfo>,
}

impl Drop for FlowSlot {
    fn drop(&mut self) {
        self.flows.lock().remove(&self.id);
    }
}

impl FlowSlot {
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The flow now waits for the browser with this `state`: errors pasted for it reach the returned inbox, and
    /// deep links carrying it too when the flow chose the `patchbay://` redirect (`deep_link`). A loopback flow
    /// takes its code from its listener only: a link some web page opens can never complete it.
    pub fn waiting(&self, state: &str, ctx: &ErrorContext, deep_link: bool) -> Inbox {
        let (deep_tx, deep_rx) = oneshot::channel();
        let (abort_tx, abort_rx) = oneshot::channel();
        if let Some(p) = self.flows.lock().get_mut(&self.id) {
            p.state = Some(state.to_string());
            p.deep_link = deep_link.then_some(deep_tx);
            p.ctx = Some(ctx.clone());
            p.abort = Some(abort_tx);
        }
        Inbox {
            deep_link: deep_rx,
            abort: abort_rx,
        }
    }
}

impl Flows {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Pending>> {
        self.pending.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Register a flow; `cancel` stops it.
    pub fn register(&self, id: &str, cancel: CancellationToken) -> FlowSlot {
        self.lock().insert(
            id.to_string(),
            Pending {
                cancel: cancel.clone(),
                state: None,
                deep_link: None,
                ctx: None,
                abort: None,
            },
        );
        FlowSlot {
            flows: self.clone(),
            id: id.to_string(),
            cancel,
        }
    }

    /// Cancel a flow. Unknown ids (already finished) are fine.
    pub fn cancel(&self, id: &str) {
        if let Some(p) = self.lock().get(id) {
            p.cancel.cancel();
        }
    }

    /// Cancel every flow (on shutdown).
    pub fn cancel_all(&self) {
        for p in self.lock().values() {
            p.cancel.cancel();
        }
    }

    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Hand a `patchbay://oauth/callback?...` deep link to the sign-in waiting for it. Anything else is refused:
    /// another host or path, a link whose state matches no pending sign-in, or a sign-in that is waiting on its
    /// loopback listener instead. Any web page can open a `patchbay://` link, so only an exact match counts.
    pub fn deliver_callback(&self, url: &str) -> Result<(), ErrorInfo> {
        let refused = || {
            ErrorInfo::new(
                ErrorCode::StateMismatch,
                "This sign-in link does not belong to a sign-in Patchbay started.",
                "Patchbay ignored it. Start the connection again from Patchbay.",
            )
        };
        let parsed = url::Url::parse(url).map_err(|_| refused())?;
        if parsed.scheme() != "patchbay"
            || parsed.host_str() != Some("oauth")
            || parsed.path() != "/callback"
            || parsed.port().is_some()
            || !parsed.username().is_empty()
        {
            return Err(refused());
        }
        let params = CallbackParams::from_url(&parsed).ok_or_else(refused)?;
        let mut pending = self.lock();
        let flow = pending
            .values_mut()
            .find(|f| {
                f.deep_link.is_some()
                    && f.state
                        .as_deref()
                        .is_some_and(|s| state_matches(s, &params.state))
            })
            .ok_or_else(refused)?;
        let _ = flow.deep_link.take().expect("checked above").send(params);
        Ok(())
    }

    /// Microsoft shows some errors on its own page and never redirects back (AADSTS50011 redirect URI mismatch,
    /// AADSTS700016 unknown app, …). The person pastes that page's text here: the sign-in `flow_id` ends with
    /// the error explained for exactly what it asked for, which is also returned. Text without an AADSTS code
    /// is refused and the sign-in keeps waiting.
    pub fn report_page_error(&self, flow_id: &str, text: &str) -> Result<ErrorInfo, ErrorInfo> {
        let mut text = text.trim();
        if text.len() > MAX_PAGE_ERROR_TEXT {
            let mut end = MAX_PAGE_ERROR_TEXT;
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            text = &text[..end];
        }
        let not_waiting = || {
            ErrorInfo::new(
                ErrorCode::InvalidInput,
                "No sign-in is in progress.",
                "Start the connection again; if the browser shows an error, paste it while Patchbay waits.",
            )
        };
        let mut pending = self.lock();
        let flow = pending.get_mut(flow_id).ok_or_else(not_waiting)?;
        let ctx = flow.ctx.as_ref().ok_or_else(not_waiting)?;
        let provider = ProviderError::new("sign_in_page", Some(text));
        let Some(code) = provider.aadsts() else {
            return Err(ErrorInfo::new(
                ErrorCode::InvalidInput,
                "There is no Microsoft error code in that text.",
                "Copy the line from the browser page that starts with AADSTS (for example \"AADSTS50011: The redirect URI …\") and paste it again.",
            ));
        };
        let first_line = text
            .lines()
            .find(|l| l.contains("AADSTS"))
            .unwrap_or(text)
            .trim();
        let error = explain_provider_error(&provider, ctx).with_detail(format!(
            "shown on the sign-in page: {}",
            clip(first_line, 300)
        ));
        tracing::info!(flow_id, code, "sign-in page error reported");
        if let Some(abort) = flow.abort.take() {
            let _ = abort.send(error.clone());
        }
        Ok(error)
    }
}

fn clip(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> ErrorContext {
        ErrorContext {
            authority: url::Url::parse("https://login.microsoftonline.com/organizations/v2.0")
                .unwrap(),
            tenant: "organizations".into(),
            client_id: "c".into(),
            redirect_uri_to_register: "http://localhost".into(),
            redirect_platform: "Web".into(),
            scopes: vec![],
            graph_url: url::Url::parse("https://graph.microsoft.com").unwrap(),
            built_in_app: false,
        }
    }

    #[tokio::test]
    async fn a_deep_link_reaches_only_the_flow_with_its_state() {
        let flows = Flows::default();
        let slot = flows.register("f1", CancellationToken::new());
        let inbox = slot.waiting("the-state", &ctx(), true);
        assert!(flows
            .deliver_callback("patchbay://oauth/callback?code=c&state=other")
            .is_err());
        // The right state on the wrong link: another host, path, scheme, a port, a user.
        for wrong in [
            "patchbay://evil/callback?code=c&state=the-state",
            "patchbay://oauth/other?code=c&state=the-state",
            "patchbay://oauth/callback/x?code=c&state=the-state",
            "patchbay://oauth:1/callback?code=c&state=the-state",
            "patchbay://u@oauth/callback?code=c&state=the-state",
            "https://oauth/callback?code=c&state=the-state",
        ] {
            assert!(flows.deliver_callback(wrong).is_err(), "{wrong}");
        }
        flows
            .deliver_callback("patchbay://oauth/callback?code=c&state=the-state")
            .unwrap();
        assert_eq!(inbox.deep_link.await.unwrap().code.as_deref(), Some("c"));
        // Used once: a replay is refused.
        assert!(flows
            .deliver_callback("patchbay://oauth/callback?code=c&state=the-state")
            .is_err());
        drop(slot);
        assert!(flows.is_empty());
    }

    #[tokio::test]
    async fn a_loopback_flow_takes_no_deep_link() {
        let flows = Flows::default();
        let slot = flows.register("f1", CancellationToken::new());
        let inbox = slot.waiting("the-state", &ctx(), false);
        assert!(flows
            .deliver_callback("patchbay://oauth/callback?code=c&state=the-state")
            .is_err());
        assert!(inbox.deep_link.await.is_err(), "nothing was delivered");
    }

    #[tokio::test]
    async fn cancel_reaches_the_flow_and_pasted_errors_need_a_code() {
        let flows = Flows::default();
        let slot = flows.register("f1", CancellationToken::new());
        let inbox = slot.waiting("s", &ctx(), false);
        assert!(flows.report_page_error("f1", "it broke").is_err());
        let err = flows
            .report_page_error("f1", "AADSTS50011: The redirect URI does not match")
            .unwrap();
        assert_eq!(err.code, ErrorCode::RedirectUriMismatch);
        assert_eq!(
            inbox.abort.await.unwrap().code,
            ErrorCode::RedirectUriMismatch
        );
        flows.cancel("f1");
        assert!(slot.cancel.is_cancelled());
        flows.cancel("unknown");
    }
}
