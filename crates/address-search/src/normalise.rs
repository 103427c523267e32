//! Text normalisation shared by indexing and querying: case folding, diacritic folding (so that
//! "reykjavik" finds "Reykjavík" and "thorunnartun" finds "Þórunnartún"), tokenising, and
//! postcode normalisation. Both sides go through exactly these functions, so a term written on
//! one node is the term looked up on any other.

/// Folds one lower-cased character to ASCII where a sensible transliteration exists.
fn fold_char(c: char, out: &mut String) {
    let s = match c {
        'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' | 'ā' | 'ă' | 'ą' => "a",
        'æ' => "ae",
        'ç' | 'ć' | 'č' => "c",
        'ð' | 'ď' | 'đ' => "d",
        'é' | 'è' | 'ê' | 'ë' | 'ē' | 'ė' | 'ę' | 'ě' => "e",
        'í' | 'ì' | 'î' | 'ï' | 'ī' | 'į' => "i",
        'ł' | 'ľ' | 'ĺ' => "l",
        'ñ' | 'ń' | 'ň' => "n",
        'ó' | 'ò' | 'ô' | 'ö' | 'õ' | 'ø' | 'ō' | 'ő' => "o",
        'œ' => "oe",
        'ř' | 'ŕ' => "r",
        'ś' | 'š' | 'ş' => "s",
        'ß' => "ss",
        'ť' | 'ţ' => "t",
        'þ' => "th",
        'ú' | 'ù' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' => "u",
        'ŵ' => "w",
        'ý' | 'ÿ' | 'ŷ' => "y",
        'ź' | 'ż' | 'ž' => "z",
        _ => {
            out.push(c);
            return;
        }
    };
    out.push_str(s);
}

/// Splits text into normalised tokens: lower case, diacritics folded, apostrophes dropped inside
/// words ("St John's" → `st`, `johns`), every other non-alphanumeric character a separator.
pub fn tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for c in text.chars() {
        if c == '\'' || c == '’' {
            continue;
        }
        if c.is_alphanumeric() {
            for l in c.to_lowercase() {
                fold_char(l, &mut current);
            }
        } else if !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// Whether a token starts with a digit: such tokens are numbers (house numbers, "12a", postcode
/// parts) and only ever match numbers exactly, never by edit distance.
pub fn is_numeric(token: &str) -> bool {
    token.as_bytes().first().is_some_and(u8::is_ascii_digit)
}

/// A house number and its suffix as one term: 12 and "A" → `12a`.
pub fn number_term(number: u32, suffix: &str) -> String {
    let mut s = number.to_string();
    for t in tokens(suffix) {
        s.push_str(&t);
    }
    s
}

/// Common abbreviations in address queries and what they stand for.
pub fn expansions(token: &str) -> &'static [&'static str] {
    match token {
        "st" => &["street", "saint"],
        "rd" => &["road"],
        "ave" | "av" => &["avenue"],
        "ln" => &["lane"],
        "dr" => &["drive"],
        "cres" => &["crescent"],
        "cl" => &["close"],
        "ct" => &["court"],
        "pl" => &["place"],
        "sq" => &["square"],
        "gdns" => &["gardens"],
        "tce" | "terr" => &["terrace"],
        "gr" => &["grove"],
        "pk" => &["park"],
        "mt" => &["mount"],
        "hse" => &["house"],
        "nth" => &["north"],
        "sth" => &["south"],
        _ => &[],
    }
}

/// A postcode, normalised: upper case, single space before the inward part when it has one
/// (GB `SW1A 2AA`); codes without an inward part (Iceland's `101`) are kept as one word.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Postcode(String);

/// Why some text is not a postcode.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a postcode: expected letters and digits such as \"SW1A 2AA\" or \"101\"")]
pub struct PostcodeError(pub String);

impl Postcode {
    /// Parses a postcode leniently: case and spacing do not matter; anything but 2 to 10 letters
    /// and digits (with at least one digit) is refused.
    pub fn parse(text: &str) -> Result<Postcode, PostcodeError> {
        let compact: String = text.chars().filter(|c| !c.is_whitespace()).flat_map(char::to_uppercase).collect();
        if compact.len() < 2
            || compact.len() > 10
            || !compact.chars().all(|c| c.is_ascii_alphanumeric())
            || !compact.chars().any(|c| c.is_ascii_digit())
        {
            return Err(PostcodeError(text.to_string()));
        }
        let b = compact.as_bytes();
        // A GB postcode: outward (2-4) then inward (digit, letter, letter).
        let gb = b.len() >= 5
            && b[0].is_ascii_alphabetic()
            && b[b.len() - 3].is_ascii_digit()
            && b[b.len() - 2].is_ascii_alphabetic()
            && b[b.len() - 1].is_ascii_alphabetic();
        if gb {
            let (out, inward) = compact.split_at(compact.len() - 3);
            Ok(Postcode(format!("{out} {inward}")))
        } else {
            Ok(Postcode(compact))
        }
    }

    /// The normalised text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The search terms a postcode contributes: its parts and the whole without spaces.
    pub fn terms(&self) -> Vec<String> {
        let mut out = tokens(&self.0);
        if out.len() > 1 {
            out.push(out.concat());
        }
        out
    }
}

impl std::fmt::Display for Postcode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn icelandic_letters_fold_to_what_people_type() {
        assert_eq!(tokens("Þórunnartún 2, Reykjavík"), ["thorunnartun", "2", "reykjavik"]);
        assert_eq!(tokens("Hafnarfjörður Æsufell"), ["hafnarfjordur", "aesufell"]);
        assert_eq!(tokens("St John's Road"), ["st", "johns", "road"]);
    }

    #[test]
    fn postcodes_normalise_whatever_the_spacing_and_case() {
        assert_eq!(Postcode::parse("sw1a2aa").unwrap().as_str(), "SW1A 2AA");
        assert_eq!(Postcode::parse(" EX4  4QJ ").unwrap().as_str(), "EX4 4QJ");
        assert_eq!(Postcode::parse("101").unwrap().as_str(), "101");
        assert_eq!(Postcode::parse("SW1A 2AA").unwrap().terms(), ["sw1a", "2aa", "sw1a2aa"]);
        assert!(Postcode::parse("not a postcode!").is_err());
        assert!(Postcode::parse("abc").is_err());
    }

    #[test]
    fn house_numbers_and_suffixes_become_one_term() {
        assert_eq!(number_term(12, "A"), "12a");
        assert_eq!(number_term(7, ""), "7");
    }
}
