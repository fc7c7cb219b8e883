//! [`Patchbay`]: the one object the desktop shell and the CLI hold. It ties the catalogue, the store, the vault
//! and the OAuth flows together.

use crate::catalogue::Catalogue;
use crate::config::CoreConfig;
use crate::environment::{presets, EnvironmentPreset};
use crate::model::BuiltInApp;

pub struct Patchbay {
    config: CoreConfig,
    catalogue: Catalogue,
}

impl Patchbay {
    pub fn new(config: CoreConfig) -> Self {
        Self {
            config,
            catalogue: Catalogue::builtin(),
        }
    }

    pub fn config(&self) -> &CoreConfig {
        &self.config
    }

    pub fn catalogue(&self) -> &Catalogue {
        &self.catalogue
    }

    pub fn environments(&self) -> Vec<EnvironmentPreset> {
        presets()
    }

    pub fn builtin_app(&self) -> &BuiltInApp {
        &self.config.builtin_app
    }
}
