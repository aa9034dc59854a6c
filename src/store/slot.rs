//! A newest-wins job slot (the shape of gitui's `AsyncSingleJob`): at most one job runs, at most
//! one waits, and a job submitted while another waits replaces it. A front end that asks again on
//! every keystroke therefore never builds a backlog: when the running job ends, only the newest
//! question is answered next.

use std::sync::{Arc, Mutex, PoisonError};

type Run = Box<dyn FnOnce(&Superseded) + Send>;

struct Job {
    generation: u64,
    run: Run,
}

#[derive(Default)]
struct State {
    running: bool,
    waiting: Option<Job>,
    /// The newest generation submitted.
    newest: u64,
}

/// See the module documentation. Clones share the slot.
#[derive(Clone, Default)]
pub(crate) struct NewestWins {
    state: Arc<Mutex<State>>,
}

/// Tells a running job whether a newer one has been submitted since (its answer would then be
/// dropped by whoever asked, so slow work that remains may be skipped).
pub(crate) struct Superseded {
    state: Arc<Mutex<State>>,
    generation: u64,
}

impl Superseded {
    pub fn now(&self) -> bool {
        self.state.lock().unwrap_or_else(PoisonError::into_inner).newest > self.generation
    }
}

impl NewestWins {
    pub fn new() -> NewestWins {
        NewestWins::default()
    }

    /// Runs `run` on a background thread once the running job (if any) is done, unless a newer
    /// job is submitted before then. `generation` grows with every submission of the caller's.
    pub fn submit(&self, generation: u64, run: impl FnOnce(&Superseded) + Send + 'static) {
        let job = Job { generation, run: Box::new(run) };
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.newest = state.newest.max(generation);
        if state.running {
            state.waiting = Some(job);
            return;
        }
        state.running = true;
        drop(state);
        let shared = Arc::clone(&self.state);
        std::thread::spawn(move || run_until_idle(&shared, job));
    }

    /// Whether a job is running or waiting.
    pub fn is_busy(&self) -> bool {
        self.state.lock().unwrap_or_else(PoisonError::into_inner).running
    }
}

fn run_until_idle(state: &Arc<Mutex<State>>, first: Job) {
    let mut job = first;
    loop {
        let superseded = Superseded { state: Arc::clone(state), generation: job.generation };
        (job.run)(&superseded);
        let mut guard = state.lock().unwrap_or_else(PoisonError::into_inner);
        match guard.waiting.take() {
            Some(next) => job = next,
            None => {
                guard.running = false;
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc::{channel, Receiver, Sender};
    use std::time::Duration;

    const WAIT: Duration = Duration::from_secs(10);

    /// A job that reports it started, waits to be released, then reports whether it was superseded.
    fn job(n: u64, events: &Sender<(u64, &'static str)>, release: Receiver<()>) -> impl FnOnce(&Superseded) + Send {
        let events = events.clone();
        move |superseded: &Superseded| {
            let _ = events.send((n, "started"));
            let _ = release.recv_timeout(WAIT);
            let _ = events.send((n, if superseded.now() { "superseded" } else { "current" }));
        }
    }

    #[test]
    fn one_runs_only_the_newest_waits_and_the_runner_learns_it_was_superseded() {
        let slot = NewestWins::new();
        let (events, seen) = channel();
        let mut releases = Vec::new();
        for n in 1..=4 {
            let (release, gate) = channel();
            releases.push(release);
            slot.submit(n, job(n, &events, gate));
            if n == 1 {
                assert_eq!(seen.recv_timeout(WAIT), Ok((1, "started")));
            }
        }
        assert!(slot.is_busy());
        for release in &releases {
            let _ = release.send(());
        }
        assert_eq!(seen.recv_timeout(WAIT), Ok((1, "superseded")));
        assert_eq!(seen.recv_timeout(WAIT), Ok((4, "started")), "2 and 3 were replaced while waiting");
        assert_eq!(seen.recv_timeout(WAIT), Ok((4, "current")));
        // The slot goes idle, and the next job starts a runner again.
        let (release, gate) = channel();
        let _ = release.send(());
        let deadline = std::time::Instant::now() + WAIT;
        while slot.is_busy() && std::time::Instant::now() < deadline {
            std::thread::yield_now();
        }
        slot.submit(5, job(5, &events, gate));
        assert_eq!(seen.recv_timeout(WAIT), Ok((5, "started")));
        assert_eq!(seen.recv_timeout(WAIT), Ok((5, "current")));
    }
}
