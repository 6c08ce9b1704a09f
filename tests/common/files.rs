//! Walking a folder and reading its files: shared by the tests, the bench (`benches/`) and
//! the quick parser's unit tests (`src/clean/quick/tests.rs`), the last two by `#[path]`.

use std::path::{Path, PathBuf};

/// Every file under `dir`, recursively, in sorted order.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// A file's bytes, gunzipped if its name ends in `.gz`; `None` if it cannot be read.
pub fn read_maybe_gzipped(path: &Path) -> Option<Vec<u8>> {
    use std::io::Read;
    if path.extension().is_none_or(|e| e != "gz") {
        return std::fs::read(path).ok();
    }
    let file = std::fs::File::open(path).ok()?;
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(file)
        .read_to_end(&mut out)
        .ok()?;
    Some(out)
}
