//! Job slots: a zygote in cgroups of its own and a host uid of its own,
//! made on first need and reused run after run. Runs of one slot follow
//! each other; the pool never holds more slots than the budget was
//! planned for (`budget::plan`), so a caller that runs more examples at
//! once than it said waits for a free slot instead of breaking the
//! host-wide bounds.
//!
//! An example whose own limits exceed a slot's share runs alone
//! (`take_alone`): it waits until no slot is running, and no other run
//! starts until it gives its slot back. Waiting runs of either kind are
//! let in by one rule (a run waiting to be alone goes first), and no
//! caller holds two slots, so there is nothing to deadlock on; benchmarks,
//! which run one at a time in their interleaved rounds, are unaffected.

use std::sync::{Condvar, Mutex};

use crate::execute::cgroup::SlotCgroup;
use crate::execute::slot_ids::SlotId;
use crate::execute::zygote::Zygote;

/// A job slot. Fields drop in order: the zygote first, so the cgroups are
/// empty when they are removed, and the uid is released last.
#[derive(Debug)]
pub struct Slot {
    pub zygote: Zygote,
    pub cgroup: Option<SlotCgroup>,
    /// The host uid its examples run as, when proofbook runs as root.
    pub uid: Option<SlotId>,
    /// The task limit its cgroup holds now (an example's `processes=`
    /// changes it for its run).
    pub processes: u64,
}

impl Slot {
    /// The host uid and gid the program runs as. Without root the launcher
    /// ignores it (the program keeps the user's own uid).
    pub fn host_id(&self) -> u32 {
        self.uid.as_ref().map_or(65534, |u| u.id)
    }
}

/// The pool of slots (generic so its scheduling is tested without
/// zygotes).
#[derive(Debug)]
pub struct SlotPool<S = Slot> {
    state: Mutex<State<S>>,
    freed: Condvar,
}

#[derive(Debug)]
struct State<S> {
    idle: Vec<S>,
    /// Slots in existence, idle or running.
    made: usize,
    max: usize,
    /// A slot is out for a run that must be alone.
    alone: bool,
    /// Runs waiting to be alone: other runs wait behind them.
    waiting_alone: usize,
}

impl<S> State<S> {
    fn running(&self) -> usize {
        self.made - self.idle.len()
    }
}

impl<S> SlotPool<S> {
    pub fn new(max: usize) -> SlotPool<S> {
        SlotPool {
            state: Mutex::new(State {
                idle: Vec::new(),
                made: 0,
                max: max.max(1),
                alone: false,
                waiting_alone: 0,
            }),
            freed: Condvar::new(),
        }
    }

    pub fn set_max(&self, max: usize) {
        self.lock().max = max.max(1);
        self.freed.notify_all();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State<S>> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// An idle slot, or one made with `make` while fewer than the maximum
    /// exist; otherwise waits for one to come back. Waits too while a run
    /// is, or is waiting to be, alone.
    pub fn take<E>(&self, make: impl FnOnce() -> Result<S, E>) -> Result<S, E> {
        let mut state = self.lock();
        while state.alone
            || state.waiting_alone > 0
            || (state.idle.is_empty() && state.made >= state.max)
        {
            state = self.freed.wait(state).unwrap_or_else(|e| e.into_inner());
        }
        self.hand_out(state, make)
    }

    /// A slot for a run that must be alone: waits until no slot is
    /// running, and keeps every other run waiting until this slot is
    /// given back (`put` or `discard`).
    pub fn take_alone<E>(&self, make: impl FnOnce() -> Result<S, E>) -> Result<S, E> {
        let mut state = self.lock();
        state.waiting_alone += 1;
        while state.alone || state.running() > 0 {
            state = self.freed.wait(state).unwrap_or_else(|e| e.into_inner());
        }
        state.waiting_alone -= 1;
        state.alone = true;
        self.hand_out(state, make)
    }

    /// An idle slot, or a new one (counted before it is made, so the lock
    /// is not held while a zygote starts).
    fn hand_out<E>(
        &self,
        mut state: std::sync::MutexGuard<'_, State<S>>,
        make: impl FnOnce() -> Result<S, E>,
    ) -> Result<S, E> {
        if let Some(slot) = state.idle.pop() {
            return Ok(slot);
        }
        state.made += 1;
        drop(state);
        make().inspect_err(|_| self.forget())
    }

    /// Gives a slot back after its run.
    pub fn put(&self, slot: S) {
        let mut state = self.lock();
        state.idle.push(slot);
        // While a run is alone no other slot is out: this is its slot.
        state.alone = false;
        drop(state);
        self.freed.notify_all();
    }

    /// Drops a slot that cannot be used again (its zygote died).
    pub fn discard(&self, slot: S) {
        drop(slot);
        self.forget();
    }

    fn forget(&self) {
        let mut state = self.lock();
        state.made = state.made.saturating_sub(1);
        state.alone = false;
        drop(state);
        self.freed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, mpsc};
    use std::time::Duration;

    use super::SlotPool;

    type Pool = SlotPool<u32>;

    fn make(n: u32) -> impl FnOnce() -> Result<u32, ()> {
        move || Ok(n)
    }

    /// Runs of both kinds from many threads: a run that must be alone
    /// never overlaps another, at most `max` run at once, and every run
    /// ends (no deadlock).
    #[test]
    fn a_run_alone_overlaps_no_other_and_all_finish() {
        let pool = Arc::new(Pool::new(2));
        let running = Arc::new(AtomicUsize::new(0));
        let overlaps = Arc::new(AtomicUsize::new(0));
        let (done, finished) = mpsc::channel();
        for t in 0..6u32 {
            let (pool, running, overlaps, done) = (
                pool.clone(),
                running.clone(),
                overlaps.clone(),
                done.clone(),
            );
            std::thread::spawn(move || {
                for round in 0..20u32 {
                    let alone = (t + round) % 3 == 0;
                    let slot = if alone {
                        pool.take_alone(make(t)).unwrap()
                    } else {
                        pool.take(make(t)).unwrap()
                    };
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    if now > 2 || (alone && now > 1) {
                        overlaps.fetch_add(1, Ordering::SeqCst);
                    }
                    std::thread::sleep(Duration::from_micros(200));
                    // An alone run checks again at its end: nobody got in.
                    if alone && running.load(Ordering::SeqCst) > 1 {
                        overlaps.fetch_add(1, Ordering::SeqCst);
                    }
                    running.fetch_sub(1, Ordering::SeqCst);
                    pool.put(slot);
                }
                done.send(()).unwrap();
            });
        }
        for _ in 0..6 {
            finished
                .recv_timeout(Duration::from_secs(60))
                .expect("every thread finishes: no deadlock");
        }
        assert_eq!(overlaps.load(Ordering::SeqCst), 0);
    }

    /// A run waiting to be alone goes before runs that ask after it, so a
    /// busy pool cannot starve it.
    #[test]
    fn a_waiting_run_alone_goes_first() {
        let pool = Arc::new(Pool::new(2));
        let held = pool.take(make(1)).unwrap();
        let (tx, rx) = mpsc::channel();
        {
            let (pool, tx) = (pool.clone(), tx.clone());
            std::thread::spawn(move || {
                let slot = pool.take_alone(make(2)).unwrap();
                tx.send("alone").unwrap();
                std::thread::sleep(Duration::from_millis(50));
                pool.put(slot);
            });
        }
        std::thread::sleep(Duration::from_millis(50));
        {
            let (pool, tx) = (pool.clone(), tx.clone());
            std::thread::spawn(move || {
                // A free slot exists, but the run waiting alone is first.
                let slot = pool.take(make(3)).unwrap();
                tx.send("other").unwrap();
                pool.put(slot);
            });
        }
        std::thread::sleep(Duration::from_millis(50));
        assert!(rx.try_recv().is_err(), "nothing ran while a slot was out");
        pool.put(held);
        let order: Vec<&str> = (0..2)
            .map(|_| rx.recv_timeout(Duration::from_secs(10)).unwrap())
            .collect();
        assert_eq!(order, ["alone", "other"]);
    }

    #[test]
    fn a_failed_make_or_a_discard_ends_being_alone() {
        let pool = Pool::new(1);
        assert!(pool.take_alone(|| Err::<u32, ()>(())).is_err());
        let slot = pool.take(make(1)).unwrap();
        pool.discard(slot);
        let slot = pool.take_alone(make(2)).unwrap();
        pool.discard(slot);
        // Neither left the pool waiting for a run that is gone.
        assert_eq!(pool.take(make(3)), Ok(3));
    }
}
