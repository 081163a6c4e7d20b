//! "Did you mean" suggestions for unknown keys.

/// The edit distance between `a` and `b` (Levenshtein, on chars).
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
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
        assert!(unknown_message("key", "zzz", &keys).contains("`goods`"));
    }
}
