//! Plain-text tables for people, and printing JSON for scripts.

use std::fmt::Write as _;

/// A table: a header row and data rows, columns padded to their widest cell.
#[derive(Debug, Default)]
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column names.
    pub fn new(header: &[&str]) -> Table {
        Table {
            header: header.iter().map(|h| (*h).to_owned()).collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row (cells are made printable: control characters escaped).
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows
            .push(cells.into_iter().map(|c| printable(&c)).collect());
    }

    /// Whether no row was added.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The rendered table, one line per row, ending in a newline.
    pub fn render(&self) -> String {
        let mut widths: Vec<usize> = self.header.iter().map(|h| h.chars().count()).collect();
        for r in &self.rows {
            for (i, c) in r.iter().enumerate() {
                if let Some(w) = widths.get_mut(i) {
                    *w = (*w).max(c.chars().count());
                }
            }
        }
        let mut out = String::new();
        for r in std::iter::once(&self.header).chain(&self.rows) {
            let mut line = String::new();
            for (i, c) in r.iter().enumerate() {
                let w = widths.get(i).copied().unwrap_or(0);
                if i + 1 == r.len() {
                    line.push_str(c);
                } else {
                    let _ = write!(line, "{c:<w$}  ");
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}

/// `text` with control characters escaped (`\n`, `\u{1b}`, ...), so what
/// an app or a database holds cannot rewrite the operator's terminal.
pub fn printable(text: &str) -> String {
    if text.chars().any(char::is_control) {
        text.chars()
            .map(|c| {
                if c.is_control() {
                    c.escape_default().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect()
    } else {
        text.to_owned()
    }
}

/// Prints one JSON document (pretty) on stdout.
pub fn print_json(value: &serde_json::Value) {
    println!(
        "{}",
        serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligned_columns() {
        let mut t = Table::new(&["order", "state"]);
        t.row(vec!["O-1".into(), "approved".into()]);
        t.row(vec!["ORDER-22".into(), "vbank_issued".into()]);
        assert_eq!(
            t.render(),
            "order     state\nO-1       approved\nORDER-22  vbank_issued\n"
        );
    }

    #[test]
    fn control_characters_escaped() {
        assert_eq!(printable("OK\r\n\u{1b}[2J"), "OK\\r\\n\\u{1b}[2J");
        assert_eq!(printable("정상"), "정상");
    }
}
