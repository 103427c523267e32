//! Proves each ported component against govuk-frontend's own rendered examples: every fixture
//! in the vendored `fixtures.json` is rendered through our template with the fixture's options
//! and compared, after normalising whitespace and attribute order, with the fixture's HTML.

use std::collections::BTreeMap;

use scraper::{Html, Node};
use serde::Deserialize;

const VENDOR: &str = "../../vendor/govuk-frontend/6.6.0/fixtures";

#[derive(Deserialize)]
struct Fixtures {
    fixtures: Vec<Fixture>,
}

#[derive(Deserialize)]
struct Fixture {
    name: String,
    options: serde_json::Value,
    html: String,
}

/// Serialises parsed HTML canonically: attributes sorted, whitespace runs collapsed, empty text
/// dropped, comments dropped.
fn normalise(html: &str) -> String {
    let fragment = Html::parse_fragment(html);
    let mut out = String::new();
    walk(*fragment.root_element(), &mut out);
    out
}

fn walk(node: ego_tree::NodeRef<'_, Node>, out: &mut String) {
    for child in node.children() {
        match child.value() {
            Node::Text(text) => {
                let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
                if !collapsed.is_empty() {
                    out.push_str(&collapsed);
                    out.push('\n');
                }
            }
            Node::Element(element) => {
                let attrs: BTreeMap<String, String> = element
                    .attrs()
                    .map(|(k, v)| (k.to_string(), v.split_whitespace().collect::<Vec<_>>().join(" ")))
                    .collect();
                out.push('<');
                out.push_str(element.name());
                for (k, v) in attrs {
                    out.push_str(&format!(" {k}=\"{v}\""));
                }
                out.push_str(">\n");
                walk(child, out);
                out.push_str(&format!("</{}>\n", element.name()));
            }
            _ => {}
        }
    }
}

/// Renders every fixture of `component`, skipping the named ones (each with its reason), and
/// panics listing every mismatch.
fn check(component: &str, skipped: &[(&str, &str)]) {
    let path = format!("{VENDOR}/{component}/fixtures.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {path}: {e}"));
    let fixtures: Fixtures = serde_json::from_str(&text).unwrap_or_else(|e| panic!("parse {path}: {e}"));
    let mut failures = Vec::new();
    let mut passed = 0;
    for fixture in &fixtures.fixtures {
        if let Some((_, why)) = skipped.iter().find(|(name, _)| *name == fixture.name) {
            println!("{component}: skipped fixture {:?}: {why}", fixture.name);
            continue;
        }
        match web::templates::render_component(component, &fixture.options) {
            Ok(html) => {
                let (want, got) = (normalise(&fixture.html), normalise(&html));
                if want == got {
                    passed += 1;
                } else {
                    failures.push(format!("fixture {:?}:\n--- want\n{want}--- got\n{got}", fixture.name));
                }
            }
            Err(e) => {
                let mut chain = e.to_string();
                let mut source = std::error::Error::source(&e);
                while let Some(inner) = source {
                    chain.push_str(&format!("\n  caused by: {inner}"));
                    source = inner.source();
                }
                failures.push(format!("fixture {:?}: render error: {chain}", fixture.name))
            }
        }
    }
    println!("{component}: {passed} fixtures match, {} skipped", skipped.len());
    assert!(
        failures.is_empty(),
        "{component}: {} of {} fixtures differ:\n{}",
        failures.len(),
        fixtures.fixtures.len(),
        failures.iter().take(2).cloned().collect::<Vec<_>>().join("\n")
    );
    assert!(passed > 0, "{component}: no fixture checked");
}

#[test]
fn back_link_matches_every_fixture() {
    check("back-link", &[]);
}

#[test]
fn button_matches_every_fixture() {
    check("button", &[]);
}

#[test]
fn checkboxes_matches_every_fixture() {
    check("checkboxes", &[]);
}

#[test]
fn date_input_matches_every_fixture() {
    check("date-input", &[]);
}

#[test]
fn error_message_matches_every_fixture() {
    check("error-message", &[]);
}

#[test]
fn error_summary_matches_every_fixture() {
    check("error-summary", &[]);
}

#[test]
fn fieldset_matches_every_fixture() {
    check("fieldset", &[]);
}

#[test]
fn footer_matches_every_fixture() {
    check("footer", &[]);
}

#[test]
fn generic_header_matches_every_fixture() {
    check("generic-header", &[]);
}

#[test]
fn hint_matches_every_fixture() {
    check("hint", &[]);
}

#[test]
fn input_matches_every_fixture() {
    check("input", &[]);
}

#[test]
fn inset_text_matches_every_fixture() {
    check("inset-text", &[]);
}

#[test]
fn label_matches_every_fixture() {
    check("label", &[]);
}

#[test]
fn notification_banner_matches_every_fixture() {
    check("notification-banner", &[]);
}

#[test]
fn panel_matches_every_fixture() {
    check("panel", &[]);
}

#[test]
fn phase_banner_matches_every_fixture() {
    check("phase-banner", &[]);
}

#[test]
fn radios_matches_every_fixture() {
    check("radios", &[]);
}

#[test]
fn skip_link_matches_every_fixture() {
    check("skip-link", &[]);
}

#[test]
fn summary_list_matches_every_fixture() {
    check("summary-list", &[]);
}

#[test]
fn table_matches_every_fixture() {
    check("table", &[]);
}

#[test]
fn tag_matches_every_fixture() {
    check("tag", &[]);
}

#[test]
fn textarea_matches_every_fixture() {
    check("textarea", &[]);
}

#[test]
fn service_navigation_matches_every_fixture() {
    check("service-navigation", &[]);
}
