//! The one state object the shell manages.

use patchbay_core::Patchbay;
use std::sync::Arc;

pub struct AppState {
    pub core: Arc<Patchbay>,
}

impl AppState {
    pub fn new(core: Patchbay) -> Self {
        Self {
            core: Arc::new(core),
        }
    }
}
