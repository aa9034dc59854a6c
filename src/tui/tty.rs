//! The real terminal: raw mode and the alternate screen on the way in, and a restore that runs
//! on every way out (normal exit, error, panic, signal). Also the two things that talk to the
//! terminal outside ratatui: the OSC 52 clipboard and the pager.

use std::io::Read;
use std::io::{self, Stdout, Write};
use std::process::Command;
use std::time::{Duration, Instant};

use base64::Engine;
use crossterm::cursor::Show;
use crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use crossterm::execute;
use crossterm::terminal::{disable_raw_mode, enable_raw_mode, EnterAlternateScreen, LeaveAlternateScreen};
use ratatui::backend::CrosstermBackend;
use ratatui::Terminal;

use crate::tui::untrusted;

pub type Term = Terminal<CrosstermBackend<Stdout>>;

/// Puts the terminal in UI mode; dropping the guard restores it.
pub struct TerminalGuard {
    pub terminal: Term,
}

impl TerminalGuard {
    pub fn enter() -> io::Result<TerminalGuard> {
        install_panic_hook();
        enter_ui_mode()?;
        let mut terminal = Terminal::new(CrosstermBackend::new(io::stdout()))?;
        terminal.hide_cursor()?;
        full_redraw(&mut terminal)?;
        Ok(TerminalGuard { terminal })
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}

fn enter_ui_mode() -> io::Result<()> {
    enable_raw_mode()?;
    execute!(io::stdout(), EnterAlternateScreen, EnableMouseCapture)
}

/// Clears the screen and makes the next draw paint every cell. (`Terminal::clear` would ask the
/// terminal for the cursor position, which not every terminal answers.)
fn full_redraw(terminal: &mut Term) -> io::Result<()> {
    let size = terminal.size()?;
    terminal.resize(ratatui::layout::Rect::new(0, 0, size.width, size.height))
}

/// Leaves UI mode. Safe to call more than once and from a panic hook.
pub fn restore() {
    let _ = disable_raw_mode();
    let _ = execute!(io::stdout(), DisableMouseCapture, LeaveAlternateScreen, Show);
}

/// A panic anywhere restores the terminal first, so the message is readable and the shell usable,
/// then ends the process: a UI whose state panicked cannot be trusted to go on.
fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
        std::process::exit(101);
    }));
}

/// Copies `text` to the clipboard with OSC 52; works over SSH in most terminals.
pub fn copy_to_clipboard(text: &str) -> io::Result<()> {
    let encoded = base64::engine::general_purpose::STANDARD.encode(text);
    let mut out = io::stdout();
    write!(out, "\x1b]52;c;{encoded}\x07")?;
    out.flush()
}

/// Shows `text` in `$PAGER` (fallback `less`): leaves UI mode, waits for the pager, comes back.
/// The text is sanitised on the way: a pager may pass control characters through.
pub fn page(terminal: &mut Term, text: &str) -> io::Result<()> {
    let mut file = tempfile::Builder::new().prefix("interlog-").suffix(".json").tempfile()?;
    file.write_all(untrusted::block(text).as_bytes())?;
    file.flush()?;
    restore();
    let pager = std::env::var("PAGER").ok().filter(|pager| !pager.trim().is_empty()).unwrap_or_else(|| "less".into());
    let mut words = pager.split_whitespace();
    let program = words.next().unwrap_or("less");
    let started = Instant::now();
    let status = Command::new(program).args(words).arg(file.path()).status();
    if status.is_ok() && started.elapsed() < PAGER_AT_ONCE {
        wait_for_a_key(program)?;
    }
    enter_ui_mode()?;
    full_redraw(terminal)?;
    match status {
        Ok(_) => Ok(()),
        Err(err) => Err(io::Error::new(err.kind(), format!("cannot run the pager `{program}`: {err}"))),
    }
}

/// A pager that returns sooner than this did not wait for the user (`PAGER=cat`, a pager that
/// found no terminal): without a pause its output would flash and vanish under the UI. A person
/// quitting `less` takes longer; if one is that quick, the cost is one more key.
const PAGER_AT_ONCE: Duration = Duration::from_secs(1);

/// Says why the UI is not back yet and waits for one key (read raw, so any key does; an escape
/// sequence arrives in one read and is taken whole).
fn wait_for_a_key(program: &str) -> io::Result<()> {
    let mut out = io::stdout();
    write!(out, "\r\n[`{}` returned at once] Press any key to return to interlog…", untrusted::line(program))?;
    out.flush()?;
    enable_raw_mode()?;
    let mut key = [0u8; 64];
    let read = io::stdin().read(&mut key);
    disable_raw_mode()?;
    read.map(|_| ())
}
