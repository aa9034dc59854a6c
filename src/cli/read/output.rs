//! Where the data goes: stdout, buffered, and quiet when the reader leaves early.

use std::io::{BufWriter, Write};

use super::super::Failure;

/// Buffered stdout where a reader that went away (`interlog list | head`) ends the output quietly.
pub struct Output {
    writer: BufWriter<std::io::StdoutLock<'static>>,
    /// The reader went away: nothing more is written, and callers may stop producing.
    pub closed: bool,
}

impl Output {
    pub fn stdout() -> Self {
        Output { writer: BufWriter::new(std::io::stdout().lock()), closed: false }
    }

    pub fn raw_line(&mut self, bytes: &[u8]) -> Result<(), Failure> {
        self.write(bytes)?;
        self.write(b"\n")
    }

    pub fn text(&mut self, text: &str) -> Result<(), Failure> {
        self.write(text.as_bytes())
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), Failure> {
        if self.closed {
            return Ok(());
        }
        let result = self.writer.write_all(bytes);
        self.settle(result)
    }

    pub fn finish(&mut self) -> Result<(), Failure> {
        if self.closed {
            return Ok(());
        }
        let result = self.writer.flush();
        self.settle(result)
    }

    fn settle(&mut self, result: std::io::Result<()>) -> Result<(), Failure> {
        match result {
            Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(())
            }
            Err(err) => Err(Failure::Failed(anyhow::Error::new(err).context("cannot write to stdout"))),
            Ok(()) => Ok(()),
        }
    }
}
