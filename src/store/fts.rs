//! Search queries as people type them, made into FTS5 queries, and FTS5's errors made into
//! words. Pure: text in, text out.
//!
//! The syntax is FTS5's (words, "phrases", prefix*, AND/OR/NOT, NEAR(...), `title:` and
//! `content:` filters, parentheses), with one kindness: a word FTS5 would reject because of
//! its punctuation (`rust-lang`, `c++`, `node.js`, `O'Brien`) is searched as a phrase, the way
//! the text was indexed.

/// The FTS5 query for what the user typed.
pub fn to_fts5(query: &str) -> String {
    let mut out = String::with_capacity(query.len() + 8);
    let mut word = String::new();
    let mut chars = query.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                flush_word(&mut out, &mut word);
                out.push('"');
                // A phrase is copied as is, up to its closing quote ("" is a quote inside).
                while let Some(c) = chars.next() {
                    out.push(c);
                    if c == '"' {
                        if chars.peek() == Some(&'"') {
                            out.push('"');
                            chars.next();
                        } else {
                            break;
                        }
                    }
                }
            }
            '(' | ')' | ',' => {
                flush_word(&mut out, &mut word);
                out.push(c);
            }
            c if c.is_whitespace() => {
                flush_word(&mut out, &mut word);
                out.push(' ');
            }
            c => word.push(c),
        }
    }
    flush_word(&mut out, &mut word);
    out
}

fn flush_word(out: &mut String, word: &mut String) {
    if word.is_empty() {
        return;
    }
    out.push_str(&fts5_word(word));
    word.clear();
}

/// One whitespace-separated word outside quotes.
fn fts5_word(word: &str) -> String {
    if matches!(word, "AND" | "OR" | "NOT" | "NEAR") {
        return word.to_string();
    }
    let (prefix, rest) = split_filter(word);
    let (initial, rest) = match rest.strip_prefix('^') {
        Some(r) => ("^", r),
        None => ("", rest),
    };
    let (body, star) = match rest.strip_suffix('*') {
        Some(b) if !b.is_empty() => (b, "*"),
        _ => (rest, ""),
    };
    if !body.is_empty() && body.chars().all(is_bareword_char) {
        format!("{prefix}{initial}{body}{star}")
    } else if body.is_empty() {
        format!("{prefix}{initial}{rest}")
    } else {
        format!("{prefix}{initial}\"{}\"{star}", body.replace('"', "\"\""))
    }
}

/// `title:` or `content:` in front of a word (FTS5 column filters), kept as they are.
fn split_filter(word: &str) -> (&str, &str) {
    for column in ["title:", "content:", "{title content}:"] {
        if let Some(rest) = word.strip_prefix(column) {
            return (&word[..column.len()], rest);
        }
    }
    ("", word)
}

/// Characters FTS5 takes in an unquoted word.
fn is_bareword_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || !c.is_ascii()
}

/// FTS5's message for a query it cannot read, said in terms of the query.
pub fn explain_error(message: &str) -> String {
    if message.contains("unterminated string") {
        return "a double quote is not closed".to_string();
    }
    if let Some(column) = message.strip_prefix("no such column: ") {
        return format!("`{column}:` is not a field to search in; use title: or content:");
    }
    if message.starts_with("unknown special query") {
        return "a lone `*`: put it after the start of a word, as in halyn*".to_string();
    }
    if let Some(near) = message.strip_prefix("fts5: syntax error near ") {
        let near = near.trim_matches('"');
        return if near.is_empty() {
            "it ends where a word should follow (after AND, OR, NOT or an open parenthesis)"
                .to_string()
        } else {
            format!("unexpected `{near}`")
        };
    }
    message.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_syntax_passes_through() {
        for q in [
            "rust",
            "halyn*",
            "\"on set\"",
            "rust AND (film OR movie)",
            "NOT trailer",
            "title:rust",
            "NEAR(rust film, 5)",
            "^last",
            "\"say \"\"hi\"\"\"",
        ] {
            assert_eq!(to_fts5(q), q, "{q}");
        }
    }

    #[test]
    fn punctuated_words_become_phrases() {
        assert_eq!(to_fts5("rust-lang"), "\"rust-lang\"");
        assert_eq!(to_fts5("c++ compiler"), "\"c++\" compiler");
        assert_eq!(to_fts5("node.js*"), "\"node.js\"*");
        assert_eq!(to_fts5("title:rust-lang"), "title:\"rust-lang\"");
        assert_eq!(to_fts5("O'Brien"), "\"O'Brien\"");
        assert_eq!(to_fts5("Köln straße"), "Köln straße");
    }

    #[test]
    fn errors_are_said_in_the_query_s_terms() {
        assert_eq!(
            explain_error("unterminated string"),
            "a double quote is not closed"
        );
        assert!(explain_error("no such column: author").contains("`author:`"));
        assert!(explain_error("fts5: syntax error near \"\"").contains("ends where a word"));
        assert_eq!(
            explain_error("fts5: syntax error near \"AND\""),
            "unexpected `AND`"
        );
    }
}
