//! What the writer trusts on disk: the daily file it opens must be its own private file, not
//! something planted under that name, and the directory it writes into is checked once.

use std::fs::{File, Metadata, OpenOptions};
use std::io;
use std::path::Path;

/// A file's identity on its filesystem: equal identities are the same file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct FileIdentity {
    dev: u64,
    ino: u64,
}

impl FileIdentity {
    #[cfg(unix)]
    pub(crate) fn of(meta: &Metadata) -> FileIdentity {
        use std::os::unix::fs::MetadataExt;
        FileIdentity { dev: meta.dev(), ino: meta.ino() }
    }

    #[cfg(not(unix))]
    pub(crate) fn of(_meta: &Metadata) -> FileIdentity {
        FileIdentity { dev: 0, ino: 0 }
    }
}

/// Why an existing daily file is not written to.
#[derive(Debug)]
pub(crate) enum Refusal {
    Io(io::Error),
    Unsafe(String),
}

/// Opens (creating it 0600 when absent) a daily file for appending, refusing anything another
/// user could read or have planted: a symlink (never followed), a FIFO or device, a file owned
/// by someone else, readable or writable by others, or with a second hard link.
pub(crate) fn open_private_append(path: &Path) -> Result<(File, Metadata), Refusal> {
    let mut options = OpenOptions::new();
    options.append(true).create(true).read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // O_NONBLOCK: a FIFO planted under the name must not hang the open.
        options.mode(0o600).custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    let file = options.open(path).map_err(|error| match error.raw_os_error() {
        #[cfg(unix)]
        Some(libc::ELOOP) => Refusal::Unsafe("it is a symbolic link".into()),
        _ => Refusal::Io(error),
    })?;
    let meta = file.metadata().map_err(Refusal::Io)?;
    match unsafe_reason(&meta) {
        Some(reason) => Err(Refusal::Unsafe(reason)),
        None => Ok((file, meta)),
    }
}

#[cfg(unix)]
fn unsafe_reason(meta: &Metadata) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    if !meta.is_file() {
        return Some("it is not a regular file".into());
    }
    let me = current_uid();
    if meta.uid() != me {
        return Some(format!("it is owned by user {}, not by this user ({me})", meta.uid()));
    }
    let mode = meta.mode() & 0o7777;
    if mode & !0o600 != 0 {
        return Some(format!("its mode is {mode:04o}: others may read or change it (chmod 600 it to use it)"));
    }
    if meta.nlink() > 1 {
        return Some(format!("it has {} hard links: it can be read under another name", meta.nlink()));
    }
    None
}

#[cfg(not(unix))]
fn unsafe_reason(meta: &Metadata) -> Option<String> {
    (!meta.is_file()).then(|| "it is not a regular file".into())
}

#[cfg(unix)]
fn current_uid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

/// A warning when others can change what is in the log directory: it is group- or
/// world-writable, or owned by someone else (they could plant, replace or delete files).
pub(crate) fn directory_warning(dir: &Path) -> Option<String> {
    let meta = std::fs::metadata(dir).ok()?;
    directory_warning_for(dir, &meta)
}

#[cfg(unix)]
fn directory_warning_for(dir: &Path, meta: &Metadata) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let me = current_uid();
    if meta.uid() != me {
        return Some(format!(
            "the log directory {} is owned by user {}, not by this user ({me}): they can read, plant or delete files in it",
            dir.display(),
            meta.uid()
        ));
    }
    let mode = meta.mode() & 0o7777;
    (mode & 0o022 != 0).then(|| {
        format!(
            "the log directory {} is writable by others (mode {mode:04o}): they can plant or delete files in it; chmod 700 it",
            dir.display()
        )
    })
}

#[cfg(not(unix))]
fn directory_warning_for(_dir: &Path, _meta: &Metadata) -> Option<String> {
    None
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn refusal(path: &Path) -> String {
        match open_private_append(path) {
            Err(Refusal::Unsafe(reason)) => reason,
            Err(Refusal::Io(error)) => panic!("io error instead of a refusal: {error}"),
            Ok(_) => panic!("{} was accepted", path.display()),
        }
    }

    #[test]
    fn planted_files_are_refused_with_a_reason() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("target");
        std::fs::write(&target, "secret").unwrap();
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o600)).unwrap();

        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert!(refusal(&link).contains("symbolic link"));

        let hard = dir.path().join("hard");
        std::fs::hard_link(&target, &hard).unwrap();
        assert!(refusal(&hard).contains("2 hard links"));
        std::fs::remove_file(&hard).unwrap();

        let open = dir.path().join("open");
        std::fs::write(&open, "").unwrap();
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o666)).unwrap();
        assert!(refusal(&open).contains("mode is 0666"));

        let fifo = dir.path().join("fifo");
        assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
        assert!(refusal(&fifo).contains("not a regular file"));

        assert_eq!(std::fs::read_to_string(&target).unwrap(), "secret");
        assert!(open_private_append(&dir.path().join("fresh")).is_ok());
        assert!(open_private_append(&target).is_ok(), "our own private file is used");
    }

    #[test]
    fn a_directory_others_can_write_is_warned_about() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
        assert_eq!(directory_warning(dir.path()), None);
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
        let warning = directory_warning(dir.path()).unwrap_or_default();
        assert!(warning.contains("writable by others (mode 0777)"), "{warning}");
    }
}
