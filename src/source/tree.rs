//! Finding the transcripts under a root: every `.jsonl` file at any depth (Claude Code nests
//! sub-agent runs under `<session>/subagents/`, Codex files sessions by `YYYY/MM/DD`).

use std::io;
use std::path::{Path, PathBuf};

/// Transcript files under `root` with their sizes, sorted by path; none when `root` does not exist.
/// Directories that vanish or cannot be read while walking are skipped, as an agent's own cleanup
/// may remove them at any time.
pub(crate) fn transcript_files(root: &Path) -> io::Result<Vec<(PathBuf, u64)>> {
    let mut files = Vec::new();
    match std::fs::metadata(root) {
        Ok(meta) if meta.is_dir() => {}
        Ok(_) => return Ok(files),
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(files),
        Err(error) => return Err(error),
    }
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(listing) = std::fs::read_dir(&dir) else { continue };
        for item in listing.flatten() {
            let path = item.path();
            let Ok(meta) = std::fs::metadata(&path) else { continue };
            if meta.is_dir() {
                pending.push(path);
            } else if meta.is_file() && is_transcript(&path) {
                files.push((path, meta.len()));
            }
        }
    }
    files.sort();
    Ok(files)
}

pub(crate) fn is_transcript(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "jsonl")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_nested_jsonl_files_only() {
        let dir = tempfile::tempdir().unwrap();
        let nested = dir.path().join("p/s1/subagents");
        std::fs::create_dir_all(&nested).unwrap();
        std::fs::write(dir.path().join("p/s1.jsonl"), "{}\n").unwrap();
        std::fs::write(nested.join("agent-a1.jsonl"), "").unwrap();
        std::fs::write(nested.join("agent-a1.meta.json"), "{}").unwrap();
        let found: Vec<PathBuf> = transcript_files(dir.path()).unwrap().into_iter().map(|(p, _)| p).collect();
        assert_eq!(found, vec![nested.join("agent-a1.jsonl"), dir.path().join("p/s1.jsonl")]);
        assert!(transcript_files(&dir.path().join("missing")).unwrap().is_empty());
    }
}
