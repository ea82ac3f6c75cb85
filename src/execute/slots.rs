//! Job slots: a zygote in cgroups of its own and a host uid of its own,
//! made on first need and reused run after run. Runs of one slot follow
//! each other; the pool never holds more slots than the budget was
//! planned for (`budget::plan`), so a caller that runs more examples at
//! once than it said waits for a free slot instead of breaking the
//! host-wide bounds.

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
}

impl Slot {
    /// The host uid and gid the program runs as. Without root the launcher
    /// ignores it (the program keeps the user's own uid).
    pub fn host_id(&self) -> u32 {
        self.uid.as_ref().map_or(65534, |u| u.id)
    }
}

#[derive(Debug)]
pub struct SlotPool {
    state: Mutex<State>,
    freed: Condvar,
}

#[derive(Debug)]
struct State {
    idle: Vec<Slot>,
    /// Slots in existence, idle or running.
    made: usize,
    max: usize,
}

impl SlotPool {
    pub fn new(max: usize) -> SlotPool {
        SlotPool {
            state: Mutex::new(State {
                idle: Vec::new(),
                made: 0,
                max: max.max(1),
            }),
            freed: Condvar::new(),
        }
    }

    pub fn set_max(&self, max: usize) {
        self.lock().max = max.max(1);
        self.freed.notify_all();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// An idle slot, or one made with `make` while fewer than the maximum
    /// exist; otherwise waits for one to come back.
    pub fn take<E>(&self, make: impl FnOnce() -> Result<Slot, E>) -> Result<Slot, E> {
        let mut state = self.lock();
        loop {
            if let Some(slot) = state.idle.pop() {
                return Ok(slot);
            }
            if state.made < state.max {
                break;
            }
            state = self.freed.wait(state).unwrap_or_else(|e| e.into_inner());
        }
        state.made += 1;
        drop(state);
        make().inspect_err(|_| self.forget())
    }

    /// Gives a slot back after its run.
    pub fn put(&self, slot: Slot) {
        self.lock().idle.push(slot);
        self.freed.notify_one();
    }

    /// Drops a slot that cannot be used again (its zygote died).
    pub fn discard(&self, slot: Slot) {
        drop(slot);
        self.forget();
    }

    fn forget(&self) {
        let mut state = self.lock();
        state.made = state.made.saturating_sub(1);
        drop(state);
        self.freed.notify_one();
    }
}
