//! Giving freed memory back to the system during a large build.
//!
//! glibc's allocator keeps what a program frees for its next allocations,
//! in the arena of the thread that made it. A source read on one thread
//! and freed after another parsed it, or HTML freed once it went to the
//! spill, stayed in the process's memory while the parse grew the arenas:
//! at 2,000 chapters the build's peak held the whole book's sources
//! (28 MB) after the last was dropped.
//! `give_back_freed` hands the freed pages back (`malloc_trim`), so the
//! peak is what is live, not what once was.

/// Returns the allocator's free pages to the system; nothing elsewhere
/// than on glibc, whose allocator is the one that keeps them.
pub fn give_back_freed() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases memory the allocator holds free;
    // it touches no allocation of the program and may run at any time.
    unsafe {
        libc::malloc_trim(0);
    }
}
