//! Open311's two wire formats from one ordered value: JSON (bare arrays at the top, as the spec
//! shows) and XML (a root element named for the list, one child per item).

use serde_json::{Map, Value};

/// A response value whose fields keep the spec's order.
#[derive(Debug, Clone, PartialEq)]
pub enum Wire {
    /// Text.
    Text(String),
    /// A number (written as JSON number, XML text).
    Number(f64),
    /// An integer id.
    Int(i64),
    /// true / false.
    Bool(bool),
    /// No value: JSON null, an empty XML element.
    Null,
    /// Fields in order.
    Fields(Vec<(&'static str, Wire)>),
    /// A list whose XML items are named by the tag.
    List(&'static str, Vec<Wire>),
}

impl Wire {
    /// Text, or null when absent.
    pub fn opt(text: Option<String>) -> Wire {
        text.map(Wire::Text).unwrap_or(Wire::Null)
    }

    /// As JSON.
    pub fn json(&self) -> Value {
        match self {
            Wire::Text(s) => Value::String(s.clone()),
            Wire::Number(n) => serde_json::Number::from_f64(*n).map(Value::Number).unwrap_or(Value::Null),
            Wire::Int(i) => Value::from(*i),
            Wire::Bool(b) => Value::Bool(*b),
            Wire::Null => Value::Null,
            Wire::Fields(fields) => {
                let mut map = Map::new();
                for (k, v) in fields {
                    map.insert((*k).to_string(), v.json());
                }
                Value::Object(map)
            }
            Wire::List(_, items) => Value::Array(items.iter().map(Wire::json).collect()),
        }
    }

    /// As an XML document whose root element is `root`.
    pub fn xml(&self, root: &str) -> String {
        let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>");
        element(&mut out, root, self);
        out
    }
}

fn element(out: &mut String, tag: &str, value: &Wire) {
    out.push('<');
    out.push_str(tag);
    out.push('>');
    match value {
        Wire::Text(s) => out.push_str(&escape(s)),
        Wire::Number(n) => out.push_str(&n.to_string()),
        Wire::Int(i) => out.push_str(&i.to_string()),
        Wire::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Wire::Null => {}
        Wire::Fields(fields) => {
            for (k, v) in fields {
                element(out, k, v);
            }
        }
        Wire::List(item, items) => {
            for v in items {
                element(out, item, v);
            }
        }
    }
    out.push_str("</");
    out.push_str(tag);
    out.push('>');
}

/// Escapes text for XML element content (quotes need no escaping there).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c if (c as u32) < 0x20 && c != '\n' && c != '\r' && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_is_a_bare_json_array_and_an_xml_root_of_items_with_text_escaped() {
        let v = Wire::List(
            "service",
            vec![Wire::Fields(vec![("service_code", Wire::Text("a<b&c".into())), ("metadata", Wire::Bool(true))])],
        );
        assert_eq!(v.json(), serde_json::json!([{"service_code": "a<b&c", "metadata": true}]));
        assert_eq!(
            v.xml("services"),
            "<?xml version=\"1.0\" encoding=\"utf-8\"?><services><service><service_code>a&lt;b&amp;c</service_code>\
             <metadata>true</metadata></service></services>"
        );
    }
}
