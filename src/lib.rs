//! interlog records every LLM round-trip an agent makes and lets people browse the records.
//!
//! With `default-features = false` this crate is the record model ([`record`]) and the embeddable
//! writer ([`capture`]) only. The `store`, `cli`, `tui` and `server` features add the read side,
//! the command line, the terminal UI and the HTTP API.

pub mod capture;
pub mod record;
pub mod sanitize;

pub use capture::{InteractionLogger, InteractionsConfig};
pub use record::InteractionRecord;
#[cfg(feature = "store")]
pub mod source;
#[cfg(feature = "store")]
pub mod store;

#[cfg(feature = "cli")]
pub mod cli;

#[cfg(feature = "server")]
pub mod server;

#[cfg(feature = "otlp")]
pub mod otlp;
#[cfg(feature = "present")]
pub mod present;
#[cfg(feature = "proxy")]
pub mod proxy;

#[cfg(feature = "tui")]
pub mod tui;

/// The README's examples compile and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
