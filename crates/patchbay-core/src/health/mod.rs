//! Where each connection stands, and how that is found out.
//!
//! - [`record`]: what is kept per connection (`status/<id>.json`, never a secret) and how it reads as a status
//!   a person sees;
//! - [`check`]: one check of one connection (a fresh token, then a cheap Graph probe), classified;
//! - [`monitor`]: checks at start-up, every 15 minutes and on demand, with bounded concurrency;
//! - [`registry`]: the running app's view of every connection, which publishes an event whenever a
//!   connection's status (or the list) changes — whoever caused it, this process or another one.

pub mod check;
pub mod monitor;
pub mod record;
pub mod registry;

pub use check::{CheckOptions, CheckOutcome};
pub use monitor::MonitorConfig;
pub use record::{HealthRecord, HealthStore, Verdict};
pub use registry::Registry;
