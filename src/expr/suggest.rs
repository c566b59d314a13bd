//! "Did you mean ...?" suggestions for misspelt names.

/// Levenshtein distance over `char`s (so `人数`/`人员` differ by 1, not 3).
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let subst = prev[j] + usize::from(ca != cb);
            cur[j + 1] = subst.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// The up to three candidates closest to `name`, nearest first, or `None`
/// when nothing is close enough to be a plausible typo (a third of the
/// name's length, at least one edit; a difference only in case always is).
pub(super) fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    let limit = (name.chars().count() / 3).max(1);
    let mut close: Vec<(usize, &str)> = candidates
        .into_iter()
        .filter(|c| *c != name)
        .filter_map(|c| {
            let d = if c.to_lowercase() == name.to_lowercase() {
                0
            } else {
                edit_distance(name, c)
            };
            (d <= limit).then_some((d, c))
        })
        .collect();
    close.sort();
    close.dedup();
    close.truncate(3);
    let names: Vec<String> = close.iter().map(|(_, c)| format!("`{c}`")).collect();
    match names.as_slice() {
        [] => None,
        [one] => Some(format!("did you mean {one}?")),
        [init @ .., last] => Some(format!("did you mean {} or {last}?", init.join(", "))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(edit_distance("staff", "staf"), 1);
        assert_eq!(edit_distance("人数", "人员"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn suggestions() {
        let names = ["staff", "hours", "rate", "stuff", "人数"];
        assert_eq!(
            did_you_mean("staf", names).unwrap(),
            "did you mean `staff`?"
        );
        assert_eq!(
            did_you_mean("stff", names).unwrap(),
            "did you mean `staff` or `stuff`?"
        );
        assert_eq!(did_you_mean("Rate", names).unwrap(), "did you mean `rate`?");
        assert_eq!(did_you_mean("人員", names).unwrap(), "did you mean `人数`?");
        assert_eq!(did_you_mean("zzzzzz", names), None);
    }
}
