//! Template rendering as Notify does it: `((placeholder))` substitution matched without regard to
//! case, spaces, hyphens or underscores; `((flag??text))` conditionals; the list of missing
//! personalisation; SMS fragment counting (GSM-7 or Unicode); and email bodies in Notify's
//! Markdown-like format turned into HTML and plain text.

use serde_json::{Map, Value};

/// The kind of message a template makes; Notify calls it the template (or notification) type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TemplateType {
    /// An email: subject and Markdown-like body.
    Email,
    /// A text message: plain body, counted in fragments.
    Sms,
    /// A letter: subject (the heading) and body, posted to an address.
    Letter,
}

impl TemplateType {
    /// The name Notify uses on the wire (`email`, `sms`, `letter`).
    pub fn as_str(self) -> &'static str {
        match self {
            TemplateType::Email => "email",
            TemplateType::Sms => "sms",
            TemplateType::Letter => "letter",
        }
    }

    /// Parses Notify's name for a type.
    pub fn parse(s: &str) -> Option<TemplateType> {
        match s {
            "email" => Some(TemplateType::Email),
            "sms" => Some(TemplateType::Sms),
            "letter" => Some(TemplateType::Letter),
            _ => None,
        }
    }
}

/// Notify's key normalisation for personalisation: lower case, without spaces, `_` or `-`, so
/// `((First name))` is filled by `first_name` or `FIRST-NAME`.
pub fn normalise_key(key: &str) -> String {
    key.chars().filter(|c| !matches!(c, ' ' | '_' | '-')).flat_map(char::to_lowercase).collect()
}

/// One `((…))` found in a template, in order of appearance.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Placeholder {
    /// Byte range of the whole `((…))` in the source.
    start: usize,
    end: usize,
    /// The name as written (before any `??`).
    name: String,
    /// For a conditional `((name??text))`, the text shown when the flag is true.
    conditional: Option<String>,
}

fn placeholders(source: &str) -> Vec<Placeholder> {
    let mut found = Vec::new();
    let bytes = source.as_bytes();
    let mut i = 0;
    while i + 1 < bytes.len() {
        if bytes[i] == b'(' && bytes[i + 1] == b'(' {
            // The innermost `((`: skip extra opening brackets, as Notify's pattern does.
            let mut open = i;
            while open + 2 < bytes.len() && bytes[open + 2] == b'(' {
                open += 1;
            }
            let inner_start = open + 2;
            let rest = &source[inner_start..];
            match rest.find(['(', ')']) {
                Some(pos) if rest[pos..].starts_with("))") && pos > 0 => {
                    let inner = &rest[..pos];
                    let (name, conditional) = match inner.split_once("??") {
                        Some((n, text)) => (n.to_string(), Some(text.to_string())),
                        None => (inner.to_string(), None),
                    };
                    let end = inner_start + pos + 2;
                    found.push(Placeholder { start: open, end, name, conditional });
                    i = end;
                    continue;
                }
                _ => {}
            }
            i = open + 2;
        } else {
            i += 1;
        }
    }
    found
}

/// Personalisation with Notify's insensitive key matching.
#[derive(Debug, Clone, Default)]
pub struct Personalisation {
    values: Vec<(String, Value)>,
}

impl Personalisation {
    /// Wraps a JSON object of personalisation values.
    pub fn new(map: &Map<String, Value>) -> Personalisation {
        Personalisation { values: map.iter().map(|(k, v)| (normalise_key(k), v.clone())).collect() }
    }

    /// The value for a placeholder name, if given and not null.
    pub fn get(&self, name: &str) -> Option<&Value> {
        let key = normalise_key(name);
        self.values.iter().find(|(k, v)| *k == key && !v.is_null()).map(|(_, v)| v)
    }
}

/// Placeholder names (as first written) that have no value, in template order, without repeats.
pub fn missing_personalisation(sources: &[&str], values: &Personalisation) -> Vec<String> {
    let mut missing: Vec<String> = Vec::new();
    for source in sources {
        for p in placeholders(source) {
            if values.get(&p.name).is_none() && !missing.iter().any(|m| normalise_key(m) == normalise_key(&p.name)) {
                missing.push(p.name.trim().to_string());
            }
        }
    }
    missing
}

/// Whether a conditional flag's value shows its text (Notify treats "no", "false", "0" and empty as false).
fn truthy(value: &Value) -> bool {
    match value {
        Value::Bool(b) => *b,
        Value::Null => false,
        Value::String(s) => !matches!(s.trim().to_lowercase().as_str(), "" | "no" | "false" | "0" | "off"),
        Value::Number(n) => n.as_f64() != Some(0.0),
        Value::Array(a) => !a.is_empty(),
        Value::Object(_) => true,
    }
}

/// How a value is written into text: strings as they are, numbers as written, lists as bullet lines.
fn value_text(value: &Value, bullets: bool) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(|v| value_text(v, false)).collect();
            if bullets {
                // A blank line before keeps the list its own block when the placeholder ends a paragraph.
                format!("\n\n{}\n\n", items.iter().map(|i| format!("* {i}")).collect::<Vec<_>>().join("\n"))
            } else {
                items.join(", ")
            }
        }
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Replaces every placeholder that has a value; placeholders without one are left as written.
/// `bullets` renders list values as Markdown bullets (email and letter bodies).
pub fn substitute(source: &str, values: &Personalisation, bullets: bool) -> String {
    let mut out = String::with_capacity(source.len());
    let mut last = 0;
    for p in placeholders(source) {
        out.push_str(&source[last..p.start]);
        match (values.get(&p.name), &p.conditional) {
            (Some(v), Some(text)) => {
                if truthy(v) {
                    out.push_str(text);
                }
            }
            (Some(v), None) => out.push_str(&value_text(v, bullets)),
            (None, _) => out.push_str(&source[p.start..p.end]),
        }
        last = p.end;
    }
    out.push_str(&source[last..]);
    if bullets { out.trim().to_string() } else { out }
}

/// The GSM 03.38 basic character set; each counts as one septet.
const GSM_BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
/// The GSM 03.38 extension table; each costs an escape plus the character (two septets).
const GSM_EXTENDED: &str = "^{}\\[~]|€";

/// How many characters and fragments a text message takes, the way networks bill it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SmsCount {
    /// Characters as the network counts them (GSM-7 septets, or UTF-16 units when Unicode).
    pub characters: usize,
    /// Whether the message needs Unicode (UCS-2) encoding.
    pub unicode: bool,
    /// The number of fragments: GSM-7 160 in one or 153 each when split; Unicode 70 or 67 each.
    pub fragments: usize,
}

/// Counts an SMS body's characters and fragments.
pub fn sms_fragments(body: &str) -> SmsCount {
    let gsm = body.chars().all(|c| GSM_BASIC.contains(c) || GSM_EXTENDED.contains(c));
    let (characters, single, multi) = if gsm {
        (body.chars().map(|c| if GSM_EXTENDED.contains(c) { 2 } else { 1 }).sum(), 160, 153)
    } else {
        (body.encode_utf16().count(), 70, 67)
    };
    let fragments = if characters <= single { 1 } else { characters.div_ceil(multi) };
    SmsCount { characters, unicode: !gsm, fragments }
}

fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
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

/// Inline formatting of one escaped line: `[text](url)` links and bare `http(s)://` links.
fn inline_html(line: &str) -> String {
    let escaped = escape_html(line);
    let mut out = String::new();
    let mut rest = escaped.as_str();
    while !rest.is_empty() {
        if let Some(start) = rest.find('[')
            && let Some(mid) = rest[start..].find("](")
            && let Some(close) = rest[start + mid..].find(')')
        {
            let text = &rest[start + 1..start + mid];
            let url = &rest[start + mid + 2..start + mid + close];
            if url.starts_with("http://") || url.starts_with("https://") {
                out.push_str(&autolink(&rest[..start]));
                out.push_str(&format!("<a style=\"{LINK_STYLE}\" href=\"{url}\">{text}</a>"));
                rest = &rest[start + mid + close + 1..];
                continue;
            }
        }
        out.push_str(&autolink(rest));
        break;
    }
    out
}

const LINK_STYLE: &str = "word-wrap: break-word; color: #1D70B8;";
const P_STYLE: &str = "Margin: 0 0 20px 0; font-size: 19px; line-height: 25px; color: #0B0C0C;";

fn autolink(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(pos) = rest.find("http://").into_iter().chain(rest.find("https://")).min() {
        out.push_str(&rest[..pos]);
        let end = rest[pos..].find(char::is_whitespace).map(|e| pos + e).unwrap_or(rest.len());
        let url = &rest[pos..end];
        out.push_str(&format!("<a style=\"{LINK_STYLE}\" href=\"{url}\">{url}</a>"));
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// Blocks of Notify's Markdown-like email format.
enum Block {
    Paragraph(Vec<String>),
    Heading(String),
    Bullets(Vec<String>),
    Numbered(Vec<String>),
    Inset(Vec<String>),
    Rule,
}

fn blocks(source: &str) -> Vec<Block> {
    let mut out = Vec::new();
    for chunk in source.replace("\r\n", "\n").split("\n\n") {
        let lines: Vec<&str> = chunk.lines().map(str::trim_end).filter(|l| !l.trim().is_empty()).collect();
        if lines.is_empty() {
            continue;
        }
        let mut para: Vec<String> = Vec::new();
        let mut i = 0;
        while i < lines.len() {
            let line = lines[i].trim_start();
            let bullet = |l: &str| {
                let l = l.trim_start();
                ["* ", "- ", "• "].iter().find_map(|p| l.strip_prefix(p)).map(str::to_string)
            };
            let numbered = |l: &str| {
                let l = l.trim_start();
                let digits = l.chars().take_while(char::is_ascii_digit).count();
                (digits > 0).then(|| l[digits..].strip_prefix(". ").map(str::to_string)).flatten()
            };
            if bullet(line).is_some() || numbered(line).is_some() {
                if !para.is_empty() {
                    out.push(Block::Paragraph(std::mem::take(&mut para)));
                }
                let is_bullets = bullet(line).is_some();
                let mut items = Vec::new();
                while i < lines.len() {
                    let item = if is_bullets { bullet(lines[i]) } else { numbered(lines[i]) };
                    match item {
                        Some(t) => items.push(t),
                        None => break,
                    }
                    i += 1;
                }
                out.push(if is_bullets { Block::Bullets(items) } else { Block::Numbered(items) });
                continue;
            }
            if let Some(h) = line.strip_prefix("# ") {
                if !para.is_empty() {
                    out.push(Block::Paragraph(std::mem::take(&mut para)));
                }
                out.push(Block::Heading(h.trim().to_string()));
            } else if line == "---" || line == "***" {
                if !para.is_empty() {
                    out.push(Block::Paragraph(std::mem::take(&mut para)));
                }
                out.push(Block::Rule);
            } else if let Some(inset) = line.strip_prefix('^') {
                if !para.is_empty() {
                    out.push(Block::Paragraph(std::mem::take(&mut para)));
                }
                let mut inset_lines = vec![inset.trim().to_string()];
                i += 1;
                while i < lines.len() {
                    inset_lines.push(lines[i].trim().to_string());
                    i += 1;
                }
                out.push(Block::Inset(inset_lines));
                continue;
            } else {
                para.push(line.to_string());
            }
            i += 1;
        }
        if !para.is_empty() {
            out.push(Block::Paragraph(para));
        }
    }
    out
}

/// An email body (already personalised) as HTML, styled inline the way Notify's emails are so it
/// reads well in real mail clients.
pub fn email_html(body: &str) -> String {
    let mut html = String::new();
    for block in blocks(body) {
        match block {
            Block::Paragraph(lines) => {
                let inner: Vec<String> = lines.iter().map(|l| inline_html(l)).collect();
                html.push_str(&format!("<p style=\"{P_STYLE}\">{}</p>", inner.join("<br />")));
            }
            Block::Heading(h) => html.push_str(&format!(
                "<h2 style=\"Margin: 0 0 20px 0; padding: 0; font-size: 27px; line-height: 35px; font-weight: bold; color: #0B0C0C;\">{}</h2>",
                inline_html(&h)
            )),
            Block::Bullets(items) | Block::Numbered(items) if items.is_empty() => {}
            Block::Bullets(items) => {
                html.push_str("<table role=\"presentation\" style=\"padding: 0 0 20px 0;\"><tr><td style=\"font-family: Helvetica, Arial, sans-serif;\"><ul style=\"Margin: 0 0 0 20px; padding: 0; list-style-type: disc;\">");
                for item in items {
                    html.push_str(&format!("<li style=\"Margin: 5px 0 5px; padding: 0 0 0 5px; font-size: 19px; line-height: 25px; color: #0B0C0C;\">{}</li>", inline_html(&item)));
                }
                html.push_str("</ul></td></tr></table>");
            }
            Block::Numbered(items) => {
                html.push_str("<table role=\"presentation\" style=\"padding: 0 0 20px 0;\"><tr><td style=\"font-family: Helvetica, Arial, sans-serif;\"><ol style=\"Margin: 0 0 0 20px; padding: 0; list-style-type: decimal;\">");
                for item in items {
                    html.push_str(&format!("<li style=\"Margin: 5px 0 5px; padding: 0 0 0 5px; font-size: 19px; line-height: 25px; color: #0B0C0C;\">{}</li>", inline_html(&item)));
                }
                html.push_str("</ol></td></tr></table>");
            }
            Block::Inset(lines) => {
                let inner: Vec<String> = lines.iter().map(|l| inline_html(l)).collect();
                html.push_str(&format!(
                    "<blockquote style=\"Margin: 0 0 20px 0; border-left: 10px solid #B1B4B6; padding: 15px 0 0.1px 15px; font-size: 19px; line-height: 25px;\"><p style=\"{P_STYLE}\">{}</p></blockquote>",
                    inner.join("<br />")
                ));
            }
            Block::Rule => html.push_str("<hr style=\"border: 0; height: 1px; background: #B1B4B6; Margin: 30px 0 30px 0;\">"),
        }
    }
    html
}

/// A whole HTML email around a rendered body: a table layout with inline styles, which real mail
/// clients (Outlook, Gmail, Apple Mail) render alike; used for sending and for preview pages.
pub fn email_document(subject: &str, body_html: &str) -> String {
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width\"><title>{title}</title></head>\
         <body style=\"font-family: Helvetica, Arial, sans-serif; font-size: 16px; margin: 0; color: #0B0C0C;\">\
         <table role=\"presentation\" width=\"100%\" style=\"border-collapse: collapse; min-width: 100%; width: 100% !important;\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\">\
         <tr><td width=\"100%\" height=\"53\" bgcolor=\"#0B0C0C\"></td></tr></table>\
         <table role=\"presentation\" class=\"content\" align=\"center\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\" style=\"border-collapse: collapse; max-width: 580px; width: 100% !important;\" width=\"100%\">\
         <tr><td width=\"10\" valign=\"middle\"><br /></td><td style=\"font-family: Helvetica, Arial, sans-serif; font-size: 19px; line-height: 1.315789474; max-width: 560px;\">\
         <br />{body_html}<br /></td><td width=\"10\" valign=\"middle\"><br /></td></tr></table></body></html>",
        title = escape_html(subject),
    )
}

/// An email body (already personalised) as the plain-text alternative part.
pub fn email_plain_text(body: &str) -> String {
    let mut parts = Vec::new();
    for block in blocks(body) {
        parts.push(match block {
            Block::Paragraph(lines) => lines.join("\n"),
            Block::Heading(h) => format!("{h}\n{}", "-".repeat(h.chars().count().max(3))),
            Block::Bullets(items) => items.iter().map(|i| format!("• {i}")).collect::<Vec<_>>().join("\n"),
            Block::Numbered(items) => {
                items.iter().enumerate().map(|(n, i)| format!("{}. {i}", n + 1)).collect::<Vec<_>>().join("\n")
            }
            Block::Inset(lines) => lines.join("\n"),
            Block::Rule => "=".repeat(64),
        });
    }
    parts.join("\n\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn values(v: Value) -> Personalisation {
        Personalisation::new(v.as_object().expect("object"))
    }

    #[test]
    fn placeholders_match_whatever_the_case_spaces_hyphens_or_underscores() {
        let p = values(json!({"first_name": "Ada", "REF-NUMBER": 42}));
        assert_eq!(substitute("Dear ((First Name)), ref ((ref number)).", &p, false), "Dear Ada, ref 42.");
    }

    #[test]
    fn conditionals_show_their_text_only_when_the_flag_is_true() {
        let body = "Hi((late?? – your payment is late)).";
        assert_eq!(substitute(body, &values(json!({"late": "yes"})), false), "Hi – your payment is late.");
        assert_eq!(substitute(body, &values(json!({"late": "no"})), false), "Hi.");
        assert_eq!(substitute(body, &values(json!({"late": false})), false), "Hi.");
    }

    #[test]
    fn missing_personalisation_is_listed_once_in_template_order() {
        let p = values(json!({"name": "Ada"}));
        let missing = missing_personalisation(&["((date)) for ((name))", "((Date)) ((place))"], &p);
        assert_eq!(missing, vec!["date", "place"]);
    }

    #[test]
    fn lists_become_bullets_in_emails_and_commas_in_texts() {
        let p = values(json!({"items": ["bins", "boxes"]}));
        assert_eq!(substitute("You need:((items))", &p, true), "You need:\n\n* bins\n* boxes");
        assert_eq!(substitute("You need: ((items))", &p, false), "You need: bins, boxes");
        assert!(email_html(&substitute("You need:((items))", &p, true)).contains("<li"));
    }

    #[test]
    fn gsm_texts_take_160_then_153_a_fragment_and_unicode_70_then_67() {
        assert_eq!(sms_fragments(&"a".repeat(160)).fragments, 1);
        assert_eq!(sms_fragments(&"a".repeat(161)).fragments, 2);
        assert_eq!(sms_fragments(&"a".repeat(306)).fragments, 2);
        assert_eq!(sms_fragments(&"a".repeat(307)).fragments, 3);
        assert_eq!(sms_fragments(&"[".repeat(80)).characters, 160);
        let unicode = format!("{}ŵ", "a".repeat(69));
        assert!(sms_fragments(&unicode).unicode);
        assert_eq!(sms_fragments(&unicode).fragments, 1);
        assert_eq!(sms_fragments(&format!("{unicode}b")).fragments, 2);
        assert_eq!(sms_fragments(&"ŵ".repeat(134)).fragments, 2);
        assert_eq!(sms_fragments(&"ŵ".repeat(135)).fragments, 3);
    }

    #[test]
    fn email_markdown_becomes_headings_lists_insets_rules_and_links_with_markup_escaped() {
        let html = email_html(
            "# Title\n\nLine one\nline two <b>\n\n* a\n* b\n\n1. x\n2. y\n\n^ note\n\n---\n\nSee https://example.org/x",
        );
        assert!(html.contains("<h2"), "{html}");
        assert!(html.contains("Line one<br />line two &lt;b&gt;"), "{html}");
        assert!(html.contains("<ul") && html.contains("<ol") && html.contains("<blockquote") && html.contains("<hr"));
        assert!(html.contains("href=\"https://example.org/x\""), "{html}");
        let document = email_document("Hi <there>", &html);
        assert!(document.starts_with("<!DOCTYPE html>") && document.contains("<title>Hi &lt;there&gt;</title>"));
        assert!(document.contains(&html));
        let text = email_plain_text("# Title\n\n* a\n* b");
        assert_eq!(text, "Title\n-----\n\n• a\n• b");
    }
}
