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

use patchbay_core::error::{ErrorCode, ErrorInfo};

/// A mistake in what the person typed.
pub fn invalid(title: impl Into<String>, message: impl Into<String>) -> ErrorInfo {
    ErrorInfo::new(ErrorCode::InvalidInput, title, message)
}
