//! SQLite's allocations go to mimalloc once `use_private_heap` runs first (as main does).
//! One test in its own binary: SQLite takes an allocator only before its first use.

use std::ffi::c_int;

use feedsift::store::use_private_heap;
use libmimalloc_sys as mi;
use rusqlite::ffi;

#[test]
fn sqlite_allocates_from_mimalloc_with_prompt_purging_and_no_statistics() {
    assert!(use_private_heap(), "SQLite refused the allocator");
    assert!(use_private_heap(), "a second call gives the first answer");

    // SAFETY: an allocation made and freed through SQLite's own entry points.
    unsafe {
        let p = ffi::sqlite3_malloc(100 as c_int);
        assert!(!p.is_null());
        assert!(
            mi::mi_is_in_heap_region(p),
            "SQLite allocated outside mimalloc"
        );
        // No memory statistics: the block is not counted (no global mutex per allocation).
        assert_eq!(ffi::sqlite3_memory_used(), 0);
        ffi::sqlite3_free(p);
        // Purging at once (heap.rs sets the option by position; its unit test checks it).
        assert_eq!(mi::mi_option_get(15), 0);
    }

    // And a real database works on it: writes, full-text search, reads back.
    let dir = tempfile::tempdir().unwrap();
    let conn = rusqlite::Connection::open(dir.path().join("t.db")).unwrap();
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         CREATE VIRTUAL TABLE t USING fts5(body);
         WITH RECURSIVE n(v) AS (SELECT 1 UNION ALL SELECT v + 1 FROM n WHERE v < 5000)
         INSERT INTO t (body) SELECT 'word ' || v FROM n;",
    )
    .unwrap();
    let found: i64 = conn
        .query_row("SELECT count(*) FROM t WHERE t MATCH 'word'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(found, 5000);
}
