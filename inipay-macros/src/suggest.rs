//! "Did you mean" suggestions for unknown keys.

/// The edit distance between `a` and `b`, counting a swap of two adjacent
/// characters as one edit (optimal string alignment), on chars.
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j - 1] + cost)
                .min(d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[a.len()][b.len()]
}

/// The closest known key to `unknown`, if it is close enough to be a typo.
pub(crate) fn closest<'a>(unknown: &str, known: &[&'a str]) -> Option<&'a str> {
    let lower = unknown.to_ascii_lowercase();
    known
        .iter()
        .map(|k| (distance(&lower, k), *k))
        .filter(|(d, k)| *d <= (k.len() / 3).max(1) || k.starts_with(&lower) && lower.len() >= 3)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// The message for an unknown `what` named `unknown`: a suggestion when one
/// is close, otherwise the list of known keys.
pub(crate) fn unknown_message(what: &str, unknown: &str, known: &[&str]) -> String {
    match closest(unknown, known) {
        Some(s) => format!("unknown {what} `{unknown}`; did you mean `{s}`?"),
        None => format!(
            "unknown {what} `{unknown}`; expected one of: {}",
            known
                .iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_are_suggested() {
        let keys = ["amount", "order_id", "goods", "buyer_name"];
        assert_eq!(closest("ammount", &keys), Some("amount"));
        assert_eq!(closest("orderid", &keys), Some("order_id"));
        assert_eq!(closest("good", &keys), Some("goods"));
        assert_eq!(closest("zzz", &keys), None);
        assert_eq!(closest("vbnak", &["card", "vbank"]), Some("vbank"));
        assert!(unknown_message("key", "zzz", &keys).contains("`goods`"));
    }
}
