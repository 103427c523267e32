//! The small rule language that says when a body takes a report: structured conditions over the
//! citizen's answers and the areas at the point, written as JSON in the body's data, e.g.
//! `{"attribute": {"code": "speed_limit", "op": "le", "value": 30}}` or
//! `{"all": [{"in_area_type": "CPC"}, {"not": {"attribute": {"code": "road", "op": "eq", "value": "A"}}}]}`.
//! Evaluation is pure; nothing here touches the store.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A report's answers to extra questions: code → the values given (one, or several for a
/// multi-value list). Every answer is kept as the text the citizen or client sent.
pub type Answers = BTreeMap<String, Vec<String>>;

/// A comparison of one answer with a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    /// Equal (numbers compared as numbers, otherwise as text).
    Eq,
    /// Not equal.
    Ne,
    /// Less than (numbers).
    Lt,
    /// Less than or equal (numbers).
    Le,
    /// Greater than (numbers).
    Gt,
    /// Greater than or equal (numbers).
    Ge,
    /// One of a list of values.
    In,
    /// Answered at all.
    Present,
}

/// A test of one answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttributeTest {
    /// The question's code.
    pub code: String,
    /// How to compare.
    pub op: Op,
    /// The value compared with (a list for `in`; ignored for `present`).
    #[serde(default)]
    pub value: Value,
}

/// A condition: the whole language.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    /// Every one holds.
    All(Vec<Condition>),
    /// At least one holds.
    Any(Vec<Condition>),
    /// It does not hold.
    Not(Box<Condition>),
    /// An answer compares as stated. An unanswered question fails every test but `ne`.
    Attribute(AttributeTest),
    /// The point lies in an area of this type code (`CPC`, `DIS`, …).
    InAreaType(String),
    /// The point lies in the area with this key (GSS code).
    InArea(String),
}

/// What a condition is evaluated against.
pub struct Facts<'a> {
    /// The answers given.
    pub answers: &'a Answers,
    /// The areas at the point as (key, type code).
    pub areas: &'a [(String, String)],
}

impl Condition {
    /// Whether the condition holds for these facts.
    pub fn holds(&self, facts: &Facts<'_>) -> bool {
        match self {
            Condition::All(all) => all.iter().all(|c| c.holds(facts)),
            Condition::Any(any) => any.iter().any(|c| c.holds(facts)),
            Condition::Not(inner) => !inner.holds(facts),
            Condition::InAreaType(t) => facts.areas.iter().any(|(_, kind)| kind == t),
            Condition::InArea(k) => facts.areas.iter().any(|(key, _)| key == k),
            Condition::Attribute(test) => test.holds(facts.answers.get(&test.code).map(Vec::as_slice).unwrap_or(&[])),
        }
    }

    /// Every question code the condition tests (to check it against the category's questions).
    pub fn attribute_codes(&self) -> Vec<&str> {
        match self {
            Condition::All(c) | Condition::Any(c) => c.iter().flat_map(Condition::attribute_codes).collect(),
            Condition::Not(inner) => inner.attribute_codes(),
            Condition::Attribute(test) => vec![test.code.as_str()],
            Condition::InAreaType(_) | Condition::InArea(_) => Vec::new(),
        }
    }
}

impl AttributeTest {
    fn holds(&self, answers: &[String]) -> bool {
        match self.op {
            Op::Present => !answers.is_empty(),
            Op::Ne => !answers.iter().any(|a| equal(a, &self.value)),
            Op::Eq => answers.iter().any(|a| equal(a, &self.value)),
            Op::In => match &self.value {
                Value::Array(list) => answers.iter().any(|a| list.iter().any(|v| equal(a, v))),
                other => answers.iter().any(|a| equal(a, other)),
            },
            Op::Lt | Op::Le | Op::Gt | Op::Ge => {
                let Some(limit) = number(&self.value) else { return false };
                answers.iter().filter_map(|a| a.trim().parse::<f64>().ok()).any(|n| match self.op {
                    Op::Lt => n < limit,
                    Op::Le => n <= limit,
                    Op::Gt => n > limit,
                    _ => n >= limit,
                })
            }
        }
    }
}

fn number(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn equal(answer: &str, value: &Value) -> bool {
    match (answer.trim().parse::<f64>().ok(), number(value)) {
        (Some(a), Some(b)) => a == b,
        _ => match value {
            Value::String(s) => s == answer,
            Value::Bool(b) => answer == if *b { "true" } else { "false" },
            _ => false,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn answers(pairs: &[(&str, &str)]) -> Answers {
        pairs.iter().map(|(k, v)| (k.to_string(), vec![v.to_string()])).collect()
    }

    fn parse(v: Value) -> Condition {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn a_speed_limit_rule_holds_at_30_and_fails_at_40_and_when_unanswered() {
        let rule = parse(json!({"attribute": {"code": "speed_limit", "op": "le", "value": 30}}));
        let areas = [];
        let holds = |a: &Answers| rule.holds(&Facts { answers: a, areas: &areas });
        assert!(holds(&answers(&[("speed_limit", "30")])));
        assert!(!holds(&answers(&[("speed_limit", "40")])));
        assert!(!holds(&answers(&[])));
        assert!(!holds(&answers(&[("speed_limit", "fast")])));
    }

    #[test]
    fn all_any_not_and_area_tests_combine() {
        let rule = parse(json!({"all": [
            {"in_area_type": "CPC"},
            {"not": {"attribute": {"code": "road", "op": "in", "value": ["A", "B"]}}},
            {"any": [{"in_area": "E04000001"}, {"attribute": {"code": "x", "op": "present"}}]}
        ]}));
        let parish = [("E04000001".to_string(), "CPC".to_string())];
        let a = answers(&[("road", "C")]);
        assert!(rule.holds(&Facts { answers: &a, areas: &parish }));
        let a_road = answers(&[("road", "A")]);
        assert!(!rule.holds(&Facts { answers: &a_road, areas: &parish }));
        assert!(!rule.holds(&Facts { answers: &a, areas: &[] }));
        assert_eq!(rule.attribute_codes(), ["road", "x"]);
    }
}
