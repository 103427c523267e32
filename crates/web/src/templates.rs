//! The template environment: the GOV.UK Design System components ported from govuk-frontend's
//! Nunjucks to minijinja, the page layout and the brick's pages, all compiled into the binary.
//!
//! The component templates under `templates/govuk/` are govuk-frontend's own `template.njk` files
//! with the few Nunjucks-only constructs rewritten (JavaScript comparisons, `.length`, loop-scoped
//! `set`), so their output matches the package's `fixtures.json` (proved in `tests/fixtures.rs`).
//! `govukAttributes`, a Nunjucks macro upstream, is a Rust function here ([`govuk_attributes`]).

use std::sync::OnceLock;

use minijinja::value::{Value, ValueKind};
use minijinja::{Environment, UndefinedBehavior};
use rust_embed::RustEmbed;

/// The brick's templates, embedded so the release binary needs no template files beside it.
#[derive(RustEmbed)]
#[folder = "templates/"]
struct Templates;

/// The shared environment, built once: templates are parsed on first use and then cached.
pub fn environment() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(build_environment)
}

fn build_environment() -> Environment<'static> {
    let mut env = Environment::new();
    // Nunjucks lets a template read `params.a.b.c` when `params.a` is missing; the ported
    // components rely on it throughout.
    env.set_undefined_behavior(UndefinedBehavior::Chainable);
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::Html);
    env.set_loader(|name| Ok(Templates::get(name).map(|file| String::from_utf8_lossy(&file.data).into_owned())));
    env.add_function("govukAttributes", govuk_attributes);
    // Nunjucks printed booleans the JavaScript way; the fixtures expect `true`, not `True`.
    env.set_formatter(|out, state, value| {
        if value.kind() == ValueKind::Bool {
            out.write_str(if value.is_true() { "true" } else { "false" }).map_err(minijinja::Error::from)
        } else if value.kind() == ValueKind::String && !value.is_safe() {
            // minijinja's escaping also turns `/` into `&#x2f;`; Nunjucks (and the fixtures) do not.
            out.write_str(&escape(value.as_str().unwrap_or_default())).map_err(minijinja::Error::from)
        } else {
            minijinja::escape_formatter(out, state, value)
        }
    });
    env.add_filter("string", |value: Value| js_string(&value));
    env.add_test("truthy", |value: Value| value.is_true());
    // A council's colour as `#rrggbb`, from the serialised `Rgb(r, g, b)`.
    env.add_filter("hex_colour", |value: Value| -> String {
        let channel = |i: usize| value.get_item_by_index(i).ok().and_then(|v| u8::try_from(v).ok()).unwrap_or(0);
        format!("#{:02x}{:02x}{:02x}", channel(0), channel(1), channel(2))
    });
    env
}

/// Renders component attributes the way govuk-frontend's `govukAttributes` macro does: a string
/// is output as given; a mapping gives ` name="value"` pairs, where a value may be
/// `{ value, optional }` so that optional empty values are left out and optional `true` values
/// become boolean attributes.
pub fn govuk_attributes(attributes: Value) -> Value {
    let mut html = String::new();
    match attributes.kind() {
        ValueKind::String => html.push_str(attributes.as_str().unwrap_or_default()),
        ValueKind::Map => {
            if let Ok(iter) = attributes.try_iter() {
                for name in iter {
                    let item = attributes.get_item(&name).unwrap_or(Value::UNDEFINED);
                    let (value, optional) = if item.kind() == ValueKind::Map && !item.is_safe() {
                        let value = item.get_attr("value").unwrap_or(Value::UNDEFINED);
                        let optional = item.get_attr("optional").map(|o| o.is_true() && o.kind() == ValueKind::Bool);
                        (value, optional.unwrap_or(false))
                    } else {
                        (item, false)
                    };
                    let name = escape(&js_string(&name));
                    let missing = value.is_undefined() || value.is_none();
                    let is_true = value.kind() == ValueKind::Bool && value.is_true();
                    let is_false = value.kind() == ValueKind::Bool && !value.is_true();
                    if optional && is_true {
                        html.push(' ');
                        html.push_str(&name);
                    } else if !optional || !(missing || is_false) {
                        let escaped = if missing {
                            String::new()
                        } else if value.is_safe() {
                            value.to_string()
                        } else {
                            escape(&js_string(&value))
                        };
                        html.push_str(&format!(" {name}=\"{escaped}\""));
                    }
                }
            }
        }
        _ => {}
    }
    Value::from_safe_string(html)
}

/// A value as JavaScript would turn it into a string, which is what the Nunjucks templates did.
fn js_string(value: &Value) -> String {
    match value.kind() {
        ValueKind::Seq => value
            .try_iter()
            .map(|items| items.map(|item| js_string(&item)).collect::<Vec<_>>().join(","))
            .unwrap_or_default(),
        ValueKind::Bool => if value.is_true() { "true" } else { "false" }.to_string(),
        ValueKind::Undefined => String::new(),
        _ => value.to_string(),
    }
}

/// Escapes text for HTML element content and double-quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The names of every component the brick ports, as govuk-frontend names their folders, with
/// the macro each one's `macro.jinja` defines.
pub const COMPONENTS: &[(&str, &str)] = &[
    ("back-link", "govukBackLink"),
    ("button", "govukButton"),
    ("checkboxes", "govukCheckboxes"),
    ("date-input", "govukDateInput"),
    ("error-message", "govukErrorMessage"),
    ("error-summary", "govukErrorSummary"),
    ("fieldset", "govukFieldset"),
    ("footer", "govukFooter"),
    ("generic-header", "govukGenericHeader"),
    ("hint", "govukHint"),
    ("input", "govukInput"),
    ("inset-text", "govukInsetText"),
    ("label", "govukLabel"),
    ("notification-banner", "govukNotificationBanner"),
    ("panel", "govukPanel"),
    ("phase-banner", "govukPhaseBanner"),
    ("radios", "govukRadios"),
    ("service-navigation", "govukServiceNavigation"),
    ("skip-link", "govukSkipLink"),
    ("summary-list", "govukSummaryList"),
    ("table", "govukTable"),
    ("tag", "govukTag"),
    ("textarea", "govukTextarea"),
];

/// Renders one component with the given options, as `{{ govukX(options) }}` would in a
/// template; used by the fixture tests and by Rust code that needs a single component.
pub fn render_component(component: &str, options: &serde_json::Value) -> Result<String, minijinja::Error> {
    let macro_name = COMPONENTS.iter().find(|(name, _)| *name == component).map(|(_, m)| *m).ok_or_else(|| {
        minijinja::Error::new(minijinja::ErrorKind::TemplateNotFound, format!("no ported component {component}"))
    })?;
    let source = format!(
        "{{% from \"govuk/components/{component}/macro.jinja\" import {macro_name} %}}{{{{ {macro_name}(params) }}}}"
    );
    environment().render_str(&source, minijinja::context! { params => Value::from(minijinja::value::Serde(options)) })
}
