//! Config errors that say where the problem is (file, line, column) and what to do about it.

use std::ops::Range;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "cannot read config file {}: {source}\nhint: pass --config FILE, or create ./feeds.toml (examples/offline.toml is a working start)",
        path.display()
    )]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },

    #[error("{}:{line}:{column}: {message}", path.display())]
    Invalid {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
}

/// Turns a byte span of the config text into an error at that line and column.
pub(super) fn at(
    path: &Path,
    text: &str,
    span: Option<Range<usize>>,
    message: String,
) -> ConfigError {
    let offset = span.map_or(0, |s| s.start.min(text.len()));
    let before = &text[..floor_char_boundary(text, offset)];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    ConfigError::Invalid {
        path: path.to_path_buf(),
        line,
        column,
        message,
    }
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Rewrites serde's "unknown field `x`, expected one of `a`, `b`" into a message that
/// suggests the closest known key.
pub(super) fn explain_toml_message(message: &str) -> String {
    let Some(rest) = message.strip_prefix("unknown field `") else {
        return message.trim().to_string();
    };
    let Some((unknown, expected)) = rest.split_once('`') else {
        return message.trim().to_string();
    };
    let known: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    let mut out = format!("unknown key `{unknown}`");
    match closest(unknown, &known) {
        Some(best) => out.push_str(&format!("; did you mean `{best}`?")),
        None if !known.is_empty() => {
            out.push_str(&format!("; known keys here: {}", known.join(", ")))
        }
        None => {}
    }
    out
}

/// The candidate most like `word` (a typo's likely intent), if any is close enough.
pub fn closest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (strsim::jaro_winkler(word, c), *c))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_key_suggests_the_closest() {
        let m = explain_toml_message(
            "unknown field `shedule`, expected one of `name`, `url`, `schedule`\n",
        );
        assert_eq!(m, "unknown key `shedule`; did you mean `schedule`?");
        let m = explain_toml_message("unknown field `zzz`, expected `name` or `url`");
        assert_eq!(m, "unknown key `zzz`; known keys here: name, url");
    }

    #[test]
    fn spans_become_lines_and_columns() {
        let text = "a = 1\nbb = 2\n";
        match at(Path::new("f.toml"), text, Some(7..9), "x".into()) {
            ConfigError::Invalid { line, column, .. } => assert_eq!((line, column), (2, 2)),
            other => panic!("unexpected {other:?}"),
        }
    }
}
