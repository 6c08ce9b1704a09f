//! SQLite's memory, in a heap of its own (mimalloc's, one per thread) instead of glibc's.
//!
//! The store's writer and the cleaning threads allocate all the time, and glibc gives them
//! a few shared arenas (main.rs keeps them to one per core, for memory): in a cold ingest
//! the threads gave up the CPU 120,000 to 145,000 times, about three quarters of them
//! waiting for an arena's lock, and the writer, the bottleneck, waited behind the cleaners.
//! With SQLite's allocations in mimalloc's thread-local heaps, 38,000 to 51,000 times;
//! docs/performance.md has the figures.

use std::ffi::{c_int, c_void};
use std::sync::OnceLock;

use libmimalloc_sys as mi;
use rusqlite::ffi;

/// Routes SQLite's allocations to mimalloc; returns whether they go there. Call it first
/// thing in `main`, before any thread starts: SQLite takes a new allocator only before its
/// first use (if it is in use already, this returns `false` and nothing changes), and
/// `sqlite3_config` must not run beside other SQLite calls. Later calls return the first
/// answer.
pub fn use_private_heap() -> bool {
    static INSTALLED: OnceLock<bool> = OnceLock::new();
    *INSTALLED.get_or_init(|| {
        // SAFETY: plain setters of mimalloc's options; only SQLite's allocations use them.
        unsafe {
            // Freed pages go back to the system at once, and memory is committed as it is
            // used: with mimalloc's defaults a cold ingest peaked 40-45 MB higher. (mimalloc
            // asks for no transparent huge pages: the `no_thp` feature, set at build time.)
            mi::mi_option_set(MI_OPTION_PURGE_DELAY, 0);
            mi::mi_option_set(MI_OPTION_ARENA_EAGER_COMMIT, 0);
        }
        // SAFETY: the caller runs this before any other SQLite call (documented above);
        // SQLite refuses (SQLITE_MISUSE) rather than change either setting once initialised.
        // Without memory statistics, which nothing here reads, each allocation and free is
        // one call to mimalloc: SQLite otherwise takes a process-wide mutex around it and asks
        // for the block's size (about 1% of a cold ingest, on every thread that uses SQLite).
        // `METHODS` is static, as SQLite keeps a copy of the struct and never frees it.
        let rc = unsafe {
            ffi::sqlite3_config(ffi::SQLITE_CONFIG_MEMSTATUS, 0 as c_int);
            ffi::sqlite3_config(
                ffi::SQLITE_CONFIG_MALLOC,
                &METHODS.0 as *const ffi::sqlite3_mem_methods,
            )
        };
        rc == ffi::SQLITE_OK
    })
}

/// Positions in the option list of the mimalloc that libmimalloc-sys 0.1.49 builds (3.3.2),
/// which does not name these two; Cargo.toml pins that version, and a test checks the
/// positions by their default values.
const MI_OPTION_PURGE_DELAY: mi::mi_option_t = 15;
const MI_OPTION_ARENA_EAGER_COMMIT: mi::mi_option_t = 4;

struct Methods(ffi::sqlite3_mem_methods);
// SAFETY: the struct holds only function pointers and a null `pAppData`, never written.
unsafe impl Sync for Methods {}

static METHODS: Methods = Methods(ffi::sqlite3_mem_methods {
    xMalloc: Some(malloc),
    xFree: Some(free),
    xRealloc: Some(realloc),
    xSize: Some(size),
    xRoundup: Some(roundup),
    xInit: Some(init),
    xShutdown: Some(shutdown),
    pAppData: std::ptr::null_mut(),
});

fn to_size(n: c_int) -> usize {
    usize::try_from(n).unwrap_or(0)
}

unsafe extern "C" fn malloc(n: c_int) -> *mut c_void {
    // SAFETY: any size may be asked of mimalloc; null means out of memory, as SQLite expects.
    unsafe { mi::mi_malloc(to_size(n)) }
}

unsafe extern "C" fn free(p: *mut c_void) {
    // SAFETY: SQLite frees only what `malloc`/`realloc` above returned.
    unsafe { mi::mi_free(p) }
}

unsafe extern "C" fn realloc(p: *mut c_void, n: c_int) -> *mut c_void {
    // SAFETY: as for `free`.
    unsafe { mi::mi_realloc(p, to_size(n)) }
}

unsafe extern "C" fn size(p: *mut c_void) -> c_int {
    // SAFETY: as for `free`; SQLite's allocations stay below 2 GiB, so the size fits.
    let n = unsafe { mi::mi_usable_size(p) };
    c_int::try_from(n).unwrap_or(c_int::MAX)
}

unsafe extern "C" fn roundup(n: c_int) -> c_int {
    // SAFETY: a pure function of the size.
    let n = unsafe { mi::mi_good_size(to_size(n)) };
    c_int::try_from(n).unwrap_or(c_int::MAX)
}

unsafe extern "C" fn init(_: *mut c_void) -> c_int {
    ffi::SQLITE_OK
}

unsafe extern "C" fn shutdown(_: *mut c_void) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_option_positions_hold_the_options_meant() {
        // Nothing in this test binary sets them: mimalloc 3.3's defaults for the purge
        // delay (ms) and for eager arena commits ("on where the OS overcommits").
        // SAFETY: reading options is always allowed.
        let defaults = unsafe {
            (
                mi::mi_option_get(MI_OPTION_PURGE_DELAY),
                mi::mi_option_get(MI_OPTION_ARENA_EAGER_COMMIT),
            )
        };
        assert_eq!(defaults, (1000, 2), "mimalloc's option positions moved");
    }
}
