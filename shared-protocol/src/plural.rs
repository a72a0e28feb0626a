//! Which form of a counted text a language uses for a count: the "one" form (`code_retry_one`:
//! "1 attempt left") or the "other" (`code_retry`: "2 attempts left"). CLDR's cardinal rules,
//! reduced to the one/other choice for the languages co-browse ships or is likely to be given;
//! a language not listed uses English's rule.

/// Whether `lang` (a BCP 47 tag: `fr`, `pt-BR`) says `n` with its "one" form.
pub fn is_one(lang: &str, n: u64) -> bool {
    let primary = lang
        .split(['-', '_'])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    match primary.as_str() {
        // 0 and 1 are singular.
        "fr" | "pt" | "hi" | "bn" | "fa" | "gu" | "kn" | "mr" | "zu" | "am" | "hy" | "ff"
        | "kab" => n <= 1,
        // No singular form.
        "ja" | "zh" | "ko" | "th" | "vi" | "id" | "ms" | "my" | "lo" | "km" | "yo" => false,
        _ => n == 1,
    }
}

#[cfg(test)]
mod tests {
    use super::is_one;

    #[test]
    fn english_french_and_japanese_count_differently() {
        assert!(is_one("en", 1) && !is_one("en", 0) && !is_one("en", 2));
        assert!(is_one("fr", 0) && is_one("fr-CA", 1) && !is_one("fr", 2));
        assert!(is_one("pt_BR", 1) && !is_one("pt", 3));
        assert!(!is_one("ja", 1));
        assert!(
            is_one("xx", 1) && !is_one("", 5),
            "English's rule otherwise"
        );
    }
}
