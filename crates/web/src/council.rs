//! Councils as the web brick sees them (slug, name, contact, brand colour) and the per-council
//! stylesheet that brands govuk-frontend by overriding its CSS custom properties.
//!
//! A brand colour is checked for contrast before use (WCAG 2.2, success criteria 1.4.3 and
//! 1.4.11). The header shows white text on the brand colour and links are drawn in it on the
//! page background, so the colour must reach 4.5:1 against white and against the template
//! background `#f4f8fb`. A colour that falls short is darkened — each RGB channel scaled
//! towards black in 2% steps, keeping its hue — until it passes; [`BrandColour::adjusted`] says
//! whether that happened, so an administrator can be told.

use serde::{Deserialize, Serialize};

use crate::WebError;

/// WCAG AA minimum contrast for normal-size text.
pub const TEXT_CONTRAST: f64 = 4.5;
/// WCAG AA minimum contrast for user-interface components and graphics.
pub const UI_CONTRAST: f64 = 3.0;

/// govuk-frontend 6's `--govuk-template-background-colour`: the page background around the
/// main content, behind the footer's links.
const TEMPLATE_BACKGROUND: Rgb = Rgb(0xf4, 0xf8, 0xfb);
const WHITE: Rgb = Rgb(0xff, 0xff, 0xff);

/// An sRGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    /// Parses `#rrggbb` or `#rgb`, so that a council's colour can come from a form or a file.
    pub fn parse(text: &str) -> Result<Rgb, WebError> {
        let bad = || WebError::InvalidColour(text.to_string());
        let hex = text.trim().strip_prefix('#').ok_or_else(bad)?;
        let digits: Vec<u8> =
            hex.chars().map(|c| c.to_digit(16).map(|d| d as u8)).collect::<Option<Vec<u8>>>().ok_or_else(bad)?;
        match digits.as_slice() {
            [r, g, b] => Ok(Rgb(r * 17, g * 17, b * 17)),
            [r1, r2, g1, g2, b1, b2] => Ok(Rgb(r1 * 16 + r2, g1 * 16 + g2, b1 * 16 + b2)),
            _ => Err(bad()),
        }
    }

    /// `#rrggbb`, as CSS wants it.
    pub fn hex(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }

    /// Relative luminance as WCAG 2 defines it.
    pub fn luminance(self) -> f64 {
        fn channel(c: u8) -> f64 {
            let c = f64::from(c) / 255.0;
            if c <= 0.04045 { c / 12.92 } else { ((c + 0.055) / 1.055).powf(2.4) }
        }
        0.2126 * channel(self.0) + 0.7152 * channel(self.1) + 0.0722 * channel(self.2)
    }

    /// WCAG contrast ratio between two colours (1 to 21).
    pub fn contrast(self, other: Rgb) -> f64 {
        let (a, b) = (self.luminance(), other.luminance());
        let (light, dark) = if a > b { (a, b) } else { (b, a) };
        (light + 0.05) / (dark + 0.05)
    }

    /// The colour with each channel scaled by `factor` (0 to 1), towards black.
    fn scaled(self, factor: f64) -> Rgb {
        let s = |c: u8| (f64::from(c) * factor).round().clamp(0.0, 255.0) as u8;
        Rgb(s(self.0), s(self.1), s(self.2))
    }

    /// The least darkened version of this colour that reaches `ratio` against every colour in
    /// `against` (black always does, so this ends).
    fn darkened_until(self, ratio: f64, against: &[Rgb]) -> Rgb {
        let mut factor = 1.0;
        loop {
            let candidate = self.scaled(factor);
            if factor <= 0.0 || against.iter().all(|bg| candidate.contrast(*bg) >= ratio) {
                return candidate;
            }
            factor -= 0.02;
        }
    }
}

/// A council's brand colour after the contrast check.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct BrandColour {
    /// The colour the council asked for.
    pub requested: Rgb,
    /// The colour used: `requested`, or a darker shade of it when that failed the check.
    pub used: Rgb,
    /// A darker shade still, for links under the pointer.
    pub hover: Rgb,
}

impl BrandColour {
    /// Checks `requested` against white text and the page background, darkening it if needed.
    pub fn new(requested: Rgb) -> BrandColour {
        let used = requested.darkened_until(TEXT_CONTRAST, &[WHITE, TEMPLATE_BACKGROUND]);
        // The hover shade must stand apart from the link colour but stay a shade of it.
        let hover = used.scaled(0.6);
        BrandColour { requested, used, hover }
    }

    /// Parses and checks a `#rrggbb` colour.
    pub fn parse(text: &str) -> Result<BrandColour, WebError> {
        Ok(BrandColour::new(Rgb::parse(text)?))
    }

    /// Whether the requested colour failed the contrast check and was darkened.
    pub fn adjusted(&self) -> bool {
        self.requested != self.used
    }

    /// Contrast of the colour in use against white (header text).
    pub fn contrast_with_white(&self) -> f64 {
        self.used.contrast(WHITE)
    }
}

/// How people reach a council about the website, shown on its accessibility, cookies and
/// privacy pages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    /// Email address for enquiries about the website and data protection.
    pub email: String,
    /// Telephone number, if the council gives one.
    pub phone: Option<String>,
    /// Postal address, one line per element.
    pub address: Vec<String>,
}

/// A council (tenant) as the web brick renders it. The lead fills it from the store's councils;
/// the brand colour and contact are the brick's own data.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Council {
    /// URL path prefix: pages live under `/{slug}/`.
    pub slug: String,
    /// The council's name, shown in the header as the service name and throughout the pages.
    pub name: String,
    /// The brand colour after the contrast check.
    pub brand_colour: BrandColour,
    /// Contact details for the static pages; `None` gives pages without them.
    pub contact: Option<Contact>,
    /// The services a citizen can use at this council, listed on its start page so that a
    /// citizen finds them without knowing their addresses. Other bricks own the pages; the
    /// lead fills this from what each brick offers the council.
    pub services: Vec<ServiceLink>,
    /// The staff pages other bricks serve for this council, listed on the staff home page so
    /// that staff reach the case queue or the reports without knowing their addresses.
    pub staff_pages: Vec<ServiceLink>,
}

/// One service on a council's start page (or one staff page on its staff home page).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceLink {
    /// The service's name as a citizen looks for it ("Report a problem").
    pub title: String,
    /// Its address under the council's prefix, starting with `/` (`/report`).
    pub path: String,
    /// One sentence saying what it is for.
    pub description: String,
}

impl Council {
    /// A council from its slug, name and `#rrggbb` brand colour (darkened if it fails the
    /// contrast check); the slug must be lower-case letters, digits and hyphens, as in the store.
    pub fn new(slug: &str, name: &str, brand_colour: &str) -> Result<Council, WebError> {
        let valid = !slug.is_empty()
            && slug.len() <= 63
            && slug.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !valid || slug == "assets" {
            return Err(WebError::InvalidSlug(slug.to_string()));
        }
        if name.trim().is_empty() {
            return Err(WebError::EmptyName(slug.to_string()));
        }
        Ok(Council {
            slug: slug.to_string(),
            name: name.trim().to_string(),
            brand_colour: BrandColour::parse(brand_colour)?,
            contact: None,
            services: Vec::new(),
            staff_pages: Vec::new(),
        })
    }

    /// The same council with contact details for its static pages.
    pub fn with_contact(mut self, contact: Contact) -> Council {
        self.contact = Some(contact);
        self
    }

    /// The council with these services on its start page.
    pub fn with_services(mut self, services: Vec<ServiceLink>) -> Council {
        self.services = services;
        self
    }

    /// The council with these staff pages on its staff home page.
    pub fn with_staff_pages(mut self, staff_pages: Vec<ServiceLink>) -> Council {
        self.staff_pages = staff_pages;
        self
    }

    /// The council's stylesheet: govuk-frontend's custom properties set to its brand colour.
    pub fn brand_css(&self) -> String {
        let BrandColour { used, hover, .. } = self.brand_colour;
        format!(
            "/* {name}: brand colour {used} (requested {requested}), {ratio:.2}:1 against white. */\n\
             :root {{\n  --govuk-brand-colour: {used};\n  --govuk-link-colour: {used};\n  \
             --govuk-link-hover-colour: {hover};\n}}\n\
             /* govuk-frontend's generic header is black; a council's is its brand colour. */\n\
             @media screen {{\n  .govuk-generic-header {{ background: {used}; }}\n}}\n",
            name = self.name.replace("*/", ""),
            used = used.hex(),
            requested = self.brand_colour.requested.hex(),
            ratio = self.brand_colour.contrast_with_white(),
            hover = hover.hex(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contrast_of_black_on_white_is_twenty_one() {
        assert!((Rgb(0, 0, 0).contrast(WHITE) - 21.0).abs() < 1e-9);
    }

    #[test]
    fn govuk_blue_passes_unchanged() {
        let colour = BrandColour::parse("#1d70b8").unwrap();
        assert!(!colour.adjusted());
        assert!(colour.contrast_with_white() >= TEXT_CONTRAST);
    }

    #[test]
    fn a_pale_colour_is_darkened_until_white_text_and_links_pass() {
        let colour = BrandColour::parse("#ffdd00").unwrap();
        assert!(colour.adjusted());
        assert!(colour.used.contrast(WHITE) >= TEXT_CONTRAST);
        assert!(colour.used.contrast(TEMPLATE_BACKGROUND) >= TEXT_CONTRAST);
        assert!(colour.hover.contrast(WHITE) >= TEXT_CONTRAST);
        // Still a shade of the requested colour: red and green stay in proportion, blue stays 0.
        assert_eq!(colour.used.2, 0);
        assert!(colour.used.0 > colour.used.1);
    }

    #[test]
    fn the_readme_example_of_a_darkened_colour_holds() {
        let colour = BrandColour::parse("#f9d71c").unwrap();
        assert_eq!(colour.used.hex(), "#81700f");
        assert_eq!(format!("{:.2}", colour.contrast_with_white()), "4.93");
    }

    #[test]
    fn brand_css_sets_the_custom_properties_and_the_header_background() {
        let css = Council::new("northtown", "Northtown", "#f9d71c").unwrap().brand_css();
        assert!(css.contains("--govuk-brand-colour: #81700f;"));
        assert!(css.contains("--govuk-link-colour: #81700f;"));
        assert!(css.contains(".govuk-generic-header { background: #81700f; }"));
    }

    #[test]
    fn short_hex_and_bad_colours_are_parsed_or_rejected() {
        assert_eq!(Rgb::parse("#fff").unwrap(), WHITE);
        assert!(matches!(Rgb::parse("red"), Err(WebError::InvalidColour(_))));
        assert!(matches!(Rgb::parse("#12345g"), Err(WebError::InvalidColour(_))));
    }

    #[test]
    fn a_council_slug_must_be_a_path_segment() {
        assert!(Council::new("Example Shire", "Exampleshire", "#1d70b8").is_err());
        assert!(Council::new("assets", "Assets", "#1d70b8").is_err());
        assert!(Council::new("exampleshire", "Exampleshire Council", "#1d70b8").is_ok());
    }
}
