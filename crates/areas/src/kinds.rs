//! MapIt's area type codes and UK country letters, with their display names. Type codes are
//! open-ended (any 2-5 upper-case letters); these are the ones MapIt UK uses.

/// The MapIt UK area types: code and the `type_name` MapIt shows.
pub const AREA_TYPES: &[(&str, &str)] = &[
    ("CTY", "County council"),
    ("CED", "County council electoral division"),
    ("DIS", "District council"),
    ("DIW", "District council ward"),
    ("UTA", "Unitary Authority"),
    ("UTE", "Unitary Authority electoral division"),
    ("UTW", "Unitary Authority ward"),
    ("MTD", "Metropolitan district"),
    ("MTW", "Metropolitan district ward"),
    ("LBO", "London borough"),
    ("LBW", "London borough ward"),
    ("GLA", "Greater London Authority"),
    ("LAC", "London Assembly constituency"),
    ("COI", "Isles of Scilly"),
    ("COP", "Isles of Scilly parish"),
    ("CPC", "Civil parish/community"),
    ("CPW", "Civil parish/community ward"),
    ("WMC", "UK Parliament constituency"),
    ("SPC", "Scottish Parliament constituency"),
    ("SPE", "Scottish Parliament region"),
    ("WAC", "Welsh Parliament constituency"),
    ("WAE", "Welsh Parliament region"),
    ("NIE", "Northern Ireland Assembly constituency"),
    ("LGD", "NI council"),
    ("LGE", "NI council electoral area"),
    ("LGW", "NI council ward"),
    ("EUR", "European region"),
    ("CTR", "Country"),
];

/// Whether a type code is well-formed: 2-5 upper-case ASCII letters (MapIt's codes are three).
pub fn is_type_code(code: &str) -> bool {
    (2..=5).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_uppercase())
}

/// The display name of a type code; unknown codes show as themselves.
pub fn type_name(code: &str) -> &str {
    AREA_TYPES.iter().find(|(c, _)| *c == code).map(|(_, n)| *n).unwrap_or(code)
}

/// MapIt's country letter for a GSS code (E, S, W, N), or empty for areas spanning countries.
pub fn country_of(gss: &str) -> &'static str {
    match gss.as_bytes().first() {
        Some(b'E') => "E",
        Some(b'S') => "S",
        Some(b'W') => "W",
        Some(b'N') => "N",
        _ => "",
    }
}

/// The name of a country letter, as MapIt shows it.
pub fn country_name(letter: &str) -> &'static str {
    match letter {
        "E" => "England",
        "S" => "Scotland",
        "W" => "Wales",
        "N" => "Northern Ireland",
        _ => "-",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_types_have_names_and_unknown_ones_show_their_code() {
        assert_eq!(type_name("UTA"), "Unitary Authority");
        assert_eq!(type_name("XYZ"), "XYZ");
        assert!(is_type_code("CPC"));
        assert!(!is_type_code("cpc"));
        assert!(!is_type_code("C"));
    }

    #[test]
    fn countries_come_from_the_first_letter_of_the_gss_code() {
        assert_eq!(country_of("S12000033"), "S");
        assert_eq!(country_name(country_of("E05008942")), "England");
        assert_eq!(country_of("K02000001"), "");
    }
}
