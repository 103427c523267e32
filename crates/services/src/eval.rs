//! Evaluating parsed expressions over an application's answers, the records its checks read,
//! the case and today's date. Evaluation never panics and never runs anything outside the tree:
//! a type mismatch is an [`EvalError`] the engine treats as a failed rule.

use serde_json::{Map, Value};
use time::Date;

use crate::expr::{BinaryOp, Expr, Function, number};

/// What a path can see.
#[derive(Debug, Clone)]
pub struct Scope<'a> {
    /// The answers so far, by question id.
    pub answers: &'a Map<String, Value>,
    /// The record a register check is judging (only inside that check's rule).
    pub record: Option<&'a Value>,
    /// The fields of each register check's record, by check id.
    pub checks: &'a Map<String, Value>,
    /// The case: `reference`, `fee_pence`.
    pub case: Option<&'a Value>,
    /// The answer being validated (only inside a question's validation rules).
    pub value: Option<&'a Value>,
    /// Today, for date rules.
    pub today: Date,
}

/// Why an expression could not be evaluated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct EvalError(pub String);

fn err<T>(s: impl Into<String>) -> Result<T, EvalError> {
    Err(EvalError(s.into()))
}

/// Truth as conditions read it: null and false are false, empty strings and lists are false.
pub fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64() != Some(0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

/// Evaluates to a boolean, treating an evaluation error as false (a rule that cannot be judged does not hold).
pub fn holds(e: &Expr, scope: &Scope<'_>) -> bool {
    eval(e, scope).map(|v| truthy(&v)).unwrap_or(false)
}

/// Evaluates an expression.
pub fn eval(e: &Expr, scope: &Scope<'_>) -> Result<Value, EvalError> {
    match e {
        Expr::Literal(v) => Ok(v.clone()),
        Expr::List(items) => Ok(Value::Array(items.iter().map(|i| eval(i, scope)).collect::<Result<_, _>>()?)),
        Expr::Path(p) => {
            let mut current = match p.root.as_str() {
                "answers" => Value::Object(scope.answers.clone()),
                "checks" => Value::Object(scope.checks.clone()),
                "record" => scope.record.cloned().unwrap_or(Value::Null),
                "case" => scope.case.cloned().unwrap_or(Value::Null),
                "value" => scope.value.cloned().unwrap_or(Value::Null),
                "today" => Value::String(scope.today.to_string()),
                other => return err(format!("unknown root {other}")),
            };
            for f in &p.fields {
                current = current.get(f).cloned().unwrap_or(Value::Null);
            }
            Ok(current)
        }
        Expr::Not(inner) => Ok(Value::Bool(!truthy(&eval(inner, scope)?))),
        Expr::Binary(BinaryOp::And, a, b) => Ok(Value::Bool(truthy(&eval(a, scope)?) && truthy(&eval(b, scope)?))),
        Expr::Binary(BinaryOp::Or, a, b) => Ok(Value::Bool(truthy(&eval(a, scope)?) || truthy(&eval(b, scope)?))),
        Expr::Binary(op, a, b) => binary(*op, &eval(a, scope)?, &eval(b, scope)?),
        Expr::Call(f, args) => {
            let args = args.iter().map(|a| eval(a, scope)).collect::<Result<Vec<_>, _>>()?;
            call(*f, &args, scope.today)
        }
    }
}

fn as_number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Number(_), Value::String(_)) | (Value::String(_), Value::Number(_)) => {
            as_number(a).is_some() && as_number(a) == as_number(b)
        }
        _ => a == b,
    }
}

fn binary(op: BinaryOp, a: &Value, b: &Value) -> Result<Value, EvalError> {
    let ordering = || match (a, b) {
        (Value::String(x), Value::String(y)) => Ok(x.cmp(y)),
        _ => match (as_number(a), as_number(b)) {
            (Some(x), Some(y)) => x.partial_cmp(&y).ok_or_else(|| EvalError("cannot compare".into())),
            _ => err(format!("cannot compare {a} with {b}")),
        },
    };
    let arithmetic = |f: fn(f64, f64) -> f64| match (as_number(a), as_number(b)) {
        (Some(x), Some(y)) => Ok(number(f(x, y))),
        _ => err(format!("{a} and {b} are not both numbers")),
    };
    Ok(match op {
        BinaryOp::Eq => Value::Bool(equal(a, b)),
        BinaryOp::Ne => Value::Bool(!equal(a, b)),
        BinaryOp::Lt => Value::Bool(ordering()?.is_lt()),
        BinaryOp::Le => Value::Bool(ordering()?.is_le()),
        BinaryOp::Gt => Value::Bool(ordering()?.is_gt()),
        BinaryOp::Ge => Value::Bool(ordering()?.is_ge()),
        BinaryOp::In => Value::Bool(contains(b, a)?),
        BinaryOp::Add => arithmetic(|x, y| x + y)?,
        BinaryOp::Sub => arithmetic(|x, y| x - y)?,
        BinaryOp::Mul => arithmetic(|x, y| x * y)?,
        BinaryOp::And | BinaryOp::Or => unreachable_logic()?,
    })
}

fn unreachable_logic() -> Result<Value, EvalError> {
    err("logical operators are evaluated lazily")
}

fn contains(haystack: &Value, needle: &Value) -> Result<bool, EvalError> {
    match haystack {
        Value::Array(items) => Ok(items.iter().any(|i| equal(i, needle))),
        Value::String(s) => match needle {
            Value::String(n) => Ok(s.contains(n.as_str())),
            _ => err("a string can only contain a string"),
        },
        Value::Null => Ok(false),
        other => err(format!("{other} is not a list or a string")),
    }
}

fn call(f: Function, args: &[Value], today: Date) -> Result<Value, EvalError> {
    let a = &args[0];
    Ok(match f {
        Function::Len => Value::from(match a {
            Value::Null => 0,
            Value::String(s) => s.chars().count(),
            Value::Array(items) => items.len(),
            Value::Object(o) => o.len(),
            other => return err(format!("len of {other}")),
        }),
        Function::Lower => Value::String(a.as_str().unwrap_or_default().to_lowercase()),
        Function::Upper => Value::String(a.as_str().unwrap_or_default().to_uppercase()),
        Function::Contains => Value::Bool(contains(a, &args[1])?),
        Function::Present => Value::Bool(truthy(a) || matches!(a, Value::Bool(false) | Value::Number(_))),
        Function::Min | Function::Max => match (as_number(a), as_number(&args[1])) {
            (Some(x), Some(y)) => number(if f == Function::Min { x.min(y) } else { x.max(y) }),
            _ => return err("min and max take numbers"),
        },
        Function::DaysFromToday => {
            let date = a.as_str().and_then(parse_date).ok_or_else(|| EvalError(format!("{a} is not a date")))?;
            Value::from((date - today).whole_days())
        }
    })
}

/// Parses `YYYY-MM-DD`.
pub fn parse_date(s: &str) -> Option<Date> {
    Date::parse(s, time::macros::format_description!("[year]-[month]-[day]")).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::parse;
    use serde_json::json;

    fn run(text: &str, answers: Value) -> Value {
        let answers = answers.as_object().unwrap().clone();
        let checks = json!({"vehicle": {"tax-status": "Taxed"}}).as_object().unwrap().clone();
        let scope = Scope {
            answers: &answers,
            record: None,
            checks: &checks,
            case: None,
            value: None,
            today: time::macros::date!(2026 - 11 - 23),
        };
        eval(&parse(text).unwrap(), &scope).unwrap()
    }

    #[test]
    fn conditions_read_answers_and_check_records() {
        assert_eq!(
            run(r#"answers.a == "yes" and checks.vehicle["tax-status"] == "Taxed""#, json!({"a": "yes"})),
            json!(true)
        );
        assert_eq!(run(r#"answers.missing == "yes""#, json!({})), json!(false));
        assert_eq!(run(r#""sofa" in answers.items"#, json!({"items": ["sofa", "fridge"]})), json!(true));
        assert_eq!(run("not present(answers.items)", json!({"items": []})), json!(true));
    }

    #[test]
    fn arithmetic_and_functions_give_fees() {
        assert_eq!(run("2500 + max(0, len(answers.items) - 3) * 800", json!({"items": [1, 2, 3, 4, 5]})), json!(4100));
        assert_eq!(run("days_from_today(answers.d)", json!({"d": "2026-11-30"})), json!(7));
        assert_eq!(run("answers.n >= 3", json!({"n": "4"})), json!(true));
    }
}
