//! The one state object the shell manages.

use patchbay_core::Patchbay;

pub struct AppState {
    pub core: Patchbay,
}

impl AppState {
    pub fn new(core: Patchbay) -> Self {
        Self { core }
    }
}
