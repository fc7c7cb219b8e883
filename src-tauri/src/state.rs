//! The one state object the shell manages.

use patchbay_core::error::{ErrorCode, ErrorInfo};
use patchbay_core::Patchbay;
use patchbay_sandbox::{Sandbox, SandboxOptions};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::OnceCell;
use tokio_util::sync::CancellationToken;

pub struct AppState {
    pub core: Arc<Patchbay>,
    /// Sign-ins in progress, by flow id.
    pub flows: Mutex<HashMap<String, CancellationToken>>,
    /// The in-process sandbox, started the first time someone picks the Sandbox environment.
    sandbox: OnceCell<Sandbox>,
    /// Logs "page ready" once, on the page's first command (scripts/measure times start-up by it).
    pub page_ready: std::sync::Once,
}

impl AppState {
    pub fn new(core: Patchbay) -> Self {
        Self {
            core: Arc::new(core),
            flows: Mutex::new(HashMap::new()),
            sandbox: OnceCell::new(),
            page_ready: std::sync::Once::new(),
        }
    }

    pub async fn sandbox(&self) -> Result<&Sandbox, ErrorInfo> {
        self.sandbox
            .get_or_try_init(|| async {
                let sandbox = Sandbox::start(SandboxOptions::default())
                    .await
                    .map_err(|e| {
                        ErrorInfo::new(
                            ErrorCode::Internal,
                            "The sandbox could not start.",
                            "Try again, or choose another environment.",
                        )
                        .with_detail(e.to_string())
                    })?;
                tracing::info!(url = %sandbox.base_url(), "sandbox started");
                Ok(sandbox)
            })
            .await
    }
}
