//! Capture: the writer agents embed, its configuration, and retention.

mod clock;
mod config;
mod daily_file;
mod guard;
pub mod redact;
mod retention;
mod writer;

pub use clock::{Clock, ManualClock, SystemClock};
pub use config::{expand_tilde, ConfigError, InteractionsConfig, Settings, SettingsSources};
pub use daily_file::{daily_file_date, daily_file_name, is_daily_file_name};
pub use redact::Redactor;
pub use retention::{prune, prune_all, PruneError, PruneOutcome};
pub use writer::{CaptureError, InteractionLogger};
