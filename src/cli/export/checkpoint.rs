//! `--follow`'s checkpoint: for each daily file, the last line whose record the collector has
//! acknowledged. Written (atomically: a temporary file renamed over it) only after an
//! acknowledgement, so a restart resends at most the batch in flight when it stopped, and the
//! derived span ids make that resend harmless.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::{Deserialize, Serialize};

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Checkpoint {
    /// The endpoint the lines were sent to: a checkpoint is never reused for another.
    pub endpoint: String,
    /// File name → the highest line number sent and acknowledged.
    pub files: BTreeMap<String, u64>,
}

impl Checkpoint {
    /// The checkpoint at `path`; a fresh one when the file does not exist.
    pub fn load(path: &Path, endpoint: &str) -> anyhow::Result<Checkpoint> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Checkpoint { endpoint: endpoint.to_owned(), files: BTreeMap::new() })
            }
            Err(err) => return Err(err).with_context(|| format!("cannot read the checkpoint {}", path.display())),
        };
        let checkpoint: Checkpoint = serde_json::from_str(&text).with_context(|| {
            format!("the checkpoint {} is not valid: delete it to send everything again", path.display())
        })?;
        if checkpoint.endpoint != endpoint {
            anyhow::bail!(
                "the checkpoint {} belongs to {}, not {endpoint}: give another --checkpoint",
                path.display(),
                checkpoint.endpoint
            );
        }
        Ok(checkpoint)
    }

    pub fn is_done(&self, file: &str, line: u64) -> bool {
        self.files.get(file).is_some_and(|&done| line <= done)
    }

    pub fn mark(&mut self, file: &str, line: u64) {
        let done = self.files.entry(file.to_owned()).or_insert(0);
        *done = (*done).max(line);
    }

    pub fn save(&self, path: &Path) -> anyhow::Result<()> {
        let temporary = path.with_extension("tmp");
        let text = serde_json::to_string_pretty(self).unwrap_or_default();
        std::fs::write(&temporary, text)
            .with_context(|| format!("cannot write the checkpoint {}", temporary.display()))?;
        std::fs::rename(&temporary, path).with_context(|| format!("cannot write the checkpoint {}", path.display()))
    }
}

/// Beside the log directory, one per endpoint: `{dir}.otlp-{hash of the endpoint}.checkpoint`.
pub fn default_path(dir: &Path, endpoint: &str) -> PathBuf {
    let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "interactions".into());
    let hash = crate::otlp::ids::hex(&crate::otlp::ids::span_id(endpoint)[..4]);
    dir.with_file_name(format!("{name}.otlp-{hash}.checkpoint"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saves_loads_and_refuses_another_endpoint() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.checkpoint");
        let mut checkpoint = Checkpoint::load(&path, "http://a").unwrap();
        assert!(!checkpoint.is_done("f", 1));
        checkpoint.mark("f", 3);
        checkpoint.mark("f", 2);
        checkpoint.save(&path).unwrap();
        let loaded = Checkpoint::load(&path, "http://a").unwrap();
        assert!(loaded.is_done("f", 3));
        assert!(!loaded.is_done("f", 4));
        assert!(Checkpoint::load(&path, "http://b").unwrap_err().to_string().contains("belongs to http://a"));
        assert_eq!(
            default_path(Path::new("/x/interactions"), "http://a").parent(),
            Some(Path::new("/x")),
            "beside the directory"
        );
    }
}
