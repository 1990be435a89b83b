//! "Did you mean": the closest known name to a mistyped one, when it is close enough to be a
//! typo rather than another name.

/// The candidate nearest to `typed` (case-insensitive edit distance, a swap of two neighbours
/// counting as one edit), if at most a third of its
/// length away, so that `conection` finds `connection` and `prod` does not find `dev`.
pub fn closest<'a>(typed: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let typed = typed.to_lowercase();
    let limit = (typed.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|c| (strsim::osa_distance(&typed, &c.to_lowercase()), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// ` did you mean `NAME`?` when one is close, else nothing: for the end of an error message.
pub fn did_you_mean<'a>(typed: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    closest(typed, candidates)
        .map(|c| format!(" did you mean `{c}`?"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_near_misses_only() {
        let kinds = ["Connection", "Environment", "Default"];
        assert_eq!(closest("Conection", kinds), Some("Connection"));
        assert_eq!(closest("enviroment", kinds), Some("Environment"));
        assert_eq!(closest("Runner", kinds), None);
        assert_eq!(closest("prod", ["dev", "staging"]), None);
        assert_eq!(closest("stagin", ["dev", "staging"]), Some("staging"));
        assert_eq!(did_you_mean("awz", ["aws", "gcp"]), " did you mean `aws`?");
        assert_eq!(closest("prdo", ["prod", "dev"]), Some("prod"));
    }
}
