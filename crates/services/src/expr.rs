//! The small expression language of service definitions: conditions (`show_if`, `skip_if`),
//! validation, register-check and eligibility rules, fee amounts and output fields.
//!
//! It is parsed by hand into a tree and evaluated over JSON values; nothing in a definition is
//! ever run as code. Grammar, loosest first:
//! `or` → `and` → `not` → comparison (`== != < <= > >= in`) → `+ -` → `*` → postfix
//! (`.name`, `["name"]`) → literal, list, path root, `(expr)` or a call of a known function.
//! Evaluation lives in `eval.rs`; this file only reads text.

use std::fmt;

use serde_json::Value;

/// A parsed expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A literal: string, number, `true`, `false` or `null`.
    Literal(Value),
    /// A list literal, for `in`.
    List(Vec<Expr>),
    /// A path from a root: `answers.address.uprn`, `record["tax-status"]`.
    Path(Path),
    /// `not e`.
    Not(Box<Expr>),
    /// A binary operation.
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    /// A call of one of the built-in functions.
    Call(Function, Vec<Expr>),
}

/// A path: a root name and the fields below it, with where it starts in the text.
#[derive(Debug, Clone, PartialEq)]
pub struct Path {
    /// `answers`, `record`, `checks`, `case`, `value` or `today`.
    pub root: String,
    /// The fields below the root, in order.
    pub fields: Vec<String>,
    /// Character offset of the path in the expression text, for error positions.
    pub offset: usize,
}

/// Binary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    /// Logical or (short-circuit).
    Or,
    /// Logical and (short-circuit).
    And,
    /// Equal.
    Eq,
    /// Not equal.
    Ne,
    /// Less than.
    Lt,
    /// Less than or equal.
    Le,
    /// Greater than.
    Gt,
    /// Greater than or equal.
    Ge,
    /// Membership of a list (or substring of a string).
    In,
    /// Addition.
    Add,
    /// Subtraction.
    Sub,
    /// Multiplication.
    Mul,
}

/// The built-in functions; an unknown name is a parse error, so definitions cannot call anything else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Function {
    /// `len(x)`: characters of a string, items of a list, 0 for null.
    Len,
    /// `lower(s)`.
    Lower,
    /// `upper(s)`.
    Upper,
    /// `contains(list_or_string, x)`.
    Contains,
    /// `min(a, b)`.
    Min,
    /// `max(a, b)`.
    Max,
    /// `days_from_today(date)`: whole days from today to an ISO date (negative if past).
    DaysFromToday,
    /// `present(x)`: true unless null, empty string or empty list.
    Present,
}

impl Function {
    fn parse(name: &str) -> Option<(Function, usize)> {
        Some(match name {
            "len" => (Function::Len, 1),
            "lower" => (Function::Lower, 1),
            "upper" => (Function::Upper, 1),
            "contains" => (Function::Contains, 2),
            "min" => (Function::Min, 2),
            "max" => (Function::Max, 2),
            "days_from_today" => (Function::DaysFromToday, 1),
            "present" => (Function::Present, 1),
            _ => return None,
        })
    }
}

/// Why an expression did not parse, and at which character of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExprError {
    /// Character offset into the expression text.
    pub offset: usize,
    /// What is wrong, in plain words.
    pub message: String,
}

impl fmt::Display for ExprError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at character {})", self.message, self.offset + 1)
    }
}

/// The roots a path may start from.
pub const ROOTS: &[&str] = &["answers", "record", "checks", "case", "value", "today"];

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Ident(String),
    Str(String),
    Num(f64),
    Op(&'static str),
}

fn lex(text: &str) -> Result<Vec<(Token, usize)>, ExprError> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if c.is_ascii_alphabetic() || c == '_' {
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            out.push((Token::Ident(chars[start..i].iter().collect()), start));
        } else if c.is_ascii_digit() {
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                i += 1;
            }
            let s: String = chars[start..i].iter().collect();
            let n = s.parse::<f64>().map_err(|_| ExprError { offset: start, message: format!("bad number {s:?}") })?;
            out.push((Token::Num(n), start));
        } else if c == '"' || c == '\'' {
            i += 1;
            let mut s = String::new();
            loop {
                match chars.get(i) {
                    None => return Err(ExprError { offset: start, message: "a string is not closed".into() }),
                    Some(&q) if q == c => break,
                    Some('\\') if chars.get(i + 1).is_some() => {
                        s.push(chars[i + 1]);
                        i += 2;
                    }
                    Some(&other) => {
                        s.push(other);
                        i += 1;
                    }
                }
            }
            i += 1;
            out.push((Token::Str(s), start));
        } else {
            let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
            let op = match two.as_str() {
                "==" => Some("=="),
                "!=" => Some("!="),
                "<=" => Some("<="),
                ">=" => Some(">="),
                _ => None,
            };
            if let Some(op) = op {
                i += 2;
                out.push((Token::Op(op), start));
                continue;
            }
            let op = match c {
                '<' => "<",
                '>' => ">",
                '(' => "(",
                ')' => ")",
                '[' => "[",
                ']' => "]",
                '.' => ".",
                ',' => ",",
                '+' => "+",
                '-' => "-",
                '*' => "*",
                '=' => return Err(ExprError { offset: start, message: "use == to compare, not =".into() }),
                other => return Err(ExprError { offset: start, message: format!("unexpected character {other:?}") }),
            };
            i += 1;
            out.push((Token::Op(op), start));
        }
    }
    Ok(out)
}

struct Parser {
    tokens: Vec<(Token, usize)>,
    pos: usize,
    end: usize,
}

/// Parses an expression, or says where and why it does not parse.
pub fn parse(text: &str) -> Result<Expr, ExprError> {
    let tokens = lex(text)?;
    let mut p = Parser { tokens, pos: 0, end: text.chars().count() };
    if p.tokens.is_empty() {
        return Err(ExprError { offset: 0, message: "the expression is empty".into() });
    }
    let e = p.or()?;
    if p.pos < p.tokens.len() {
        return Err(p.error("expected the end of the expression"));
    }
    Ok(e)
}

impl Parser {
    fn offset(&self) -> usize {
        self.tokens.get(self.pos).map(|t| t.1).unwrap_or(self.end)
    }

    fn error(&self, message: &str) -> ExprError {
        let found = match self.tokens.get(self.pos) {
            Some((Token::Ident(s), _)) => format!(", found {s:?}"),
            Some((Token::Op(s), _)) => format!(", found {s:?}"),
            Some((Token::Str(s), _)) => format!(", found the string {s:?}"),
            Some((Token::Num(n), _)) => format!(", found {n}"),
            None => ", found the end".into(),
        };
        ExprError { offset: self.offset(), message: format!("{message}{found}") }
    }

    fn peek_op(&self, op: &str) -> bool {
        matches!(self.tokens.get(self.pos), Some((Token::Op(o), _)) if *o == op)
    }

    fn peek_word(&self, word: &str) -> bool {
        matches!(self.tokens.get(self.pos), Some((Token::Ident(w), _)) if w == word)
    }

    fn expect_op(&mut self, op: &str) -> Result<(), ExprError> {
        if self.peek_op(op) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.error(&format!("expected {op:?}")))
        }
    }

    fn or(&mut self) -> Result<Expr, ExprError> {
        let mut left = self.and()?;
        while self.peek_word("or") {
            self.pos += 1;
            left = Expr::Binary(BinaryOp::Or, Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, ExprError> {
        let mut left = self.not()?;
        while self.peek_word("and") {
            self.pos += 1;
            left = Expr::Binary(BinaryOp::And, Box::new(left), Box::new(self.not()?));
        }
        Ok(left)
    }

    fn not(&mut self) -> Result<Expr, ExprError> {
        if self.peek_word("not") {
            self.pos += 1;
            return Ok(Expr::Not(Box::new(self.not()?)));
        }
        self.comparison()
    }

    fn comparison(&mut self) -> Result<Expr, ExprError> {
        let left = self.sum()?;
        let op = match self.tokens.get(self.pos) {
            Some((Token::Op("=="), _)) => BinaryOp::Eq,
            Some((Token::Op("!="), _)) => BinaryOp::Ne,
            Some((Token::Op("<"), _)) => BinaryOp::Lt,
            Some((Token::Op("<="), _)) => BinaryOp::Le,
            Some((Token::Op(">"), _)) => BinaryOp::Gt,
            Some((Token::Op(">="), _)) => BinaryOp::Ge,
            Some((Token::Ident(w), _)) if w == "in" => BinaryOp::In,
            _ => return Ok(left),
        };
        self.pos += 1;
        let right = self.sum()?;
        Ok(Expr::Binary(op, Box::new(left), Box::new(right)))
    }

    fn sum(&mut self) -> Result<Expr, ExprError> {
        let mut left = self.product()?;
        loop {
            let op = if self.peek_op("+") {
                BinaryOp::Add
            } else if self.peek_op("-") {
                BinaryOp::Sub
            } else {
                return Ok(left);
            };
            self.pos += 1;
            left = Expr::Binary(op, Box::new(left), Box::new(self.product()?));
        }
    }

    fn product(&mut self) -> Result<Expr, ExprError> {
        let mut left = self.postfix()?;
        while self.peek_op("*") {
            self.pos += 1;
            left = Expr::Binary(BinaryOp::Mul, Box::new(left), Box::new(self.postfix()?));
        }
        Ok(left)
    }

    fn postfix(&mut self) -> Result<Expr, ExprError> {
        let mut e = self.primary()?;
        loop {
            if self.peek_op(".") {
                self.pos += 1;
                let name = match self.tokens.get(self.pos) {
                    Some((Token::Ident(n), _)) => n.clone(),
                    _ => return Err(self.error("expected a field name after \".\"")),
                };
                self.pos += 1;
                e = self.extend(e, name)?;
            } else if self.peek_op("[") {
                self.pos += 1;
                let name = match self.tokens.get(self.pos) {
                    Some((Token::Str(n), _)) => n.clone(),
                    _ => return Err(self.error("expected a quoted field name inside [ ]")),
                };
                self.pos += 1;
                self.expect_op("]")?;
                e = self.extend(e, name)?;
            } else {
                return Ok(e);
            }
        }
    }

    fn extend(&self, e: Expr, name: String) -> Result<Expr, ExprError> {
        match e {
            Expr::Path(mut p) => {
                p.fields.push(name);
                Ok(Expr::Path(p))
            }
            _ => Err(ExprError { offset: self.offset(), message: "only a path can have fields".into() }),
        }
    }

    fn primary(&mut self) -> Result<Expr, ExprError> {
        let Some((token, at)) = self.tokens.get(self.pos).cloned() else {
            return Err(self.error("expected a value"));
        };
        self.pos += 1;
        match token {
            Token::Str(s) => Ok(Expr::Literal(Value::String(s))),
            Token::Num(n) => Ok(Expr::Literal(number(n))),
            Token::Op("-") => match self.tokens.get(self.pos) {
                Some((Token::Num(n), _)) => {
                    let n = *n;
                    self.pos += 1;
                    Ok(Expr::Literal(number(-n)))
                }
                _ => Err(self.error("expected a number after \"-\"")),
            },
            Token::Op("(") => {
                let e = self.or()?;
                self.expect_op(")")?;
                Ok(e)
            }
            Token::Op("[") => {
                let mut items = Vec::new();
                if !self.peek_op("]") {
                    loop {
                        items.push(self.or()?);
                        if self.peek_op(",") {
                            self.pos += 1;
                        } else {
                            break;
                        }
                    }
                }
                self.expect_op("]")?;
                Ok(Expr::List(items))
            }
            Token::Ident(word) => match word.as_str() {
                "true" => Ok(Expr::Literal(Value::Bool(true))),
                "false" => Ok(Expr::Literal(Value::Bool(false))),
                "null" => Ok(Expr::Literal(Value::Null)),
                _ if self.peek_op("(") => {
                    let (function, arity) = Function::parse(&word).ok_or_else(|| ExprError {
                        offset: at,
                        message: format!(
                            "unknown function {word:?}: use len, lower, upper, contains, min, max, days_from_today or present"
                        ),
                    })?;
                    self.pos += 1;
                    let mut args = Vec::new();
                    if !self.peek_op(")") {
                        loop {
                            args.push(self.or()?);
                            if self.peek_op(",") {
                                self.pos += 1;
                            } else {
                                break;
                            }
                        }
                    }
                    self.expect_op(")")?;
                    if args.len() != arity {
                        return Err(ExprError {
                            offset: at,
                            message: format!("{word} takes {arity} argument(s), not {}", args.len()),
                        });
                    }
                    Ok(Expr::Call(function, args))
                }
                _ if ROOTS.contains(&word.as_str()) => {
                    Ok(Expr::Path(Path { root: word, fields: Vec::new(), offset: at }))
                }
                _ => Err(ExprError {
                    offset: at,
                    message: format!(
                        "unknown name {word:?}: a path starts with answers, record, checks, case, value or today"
                    ),
                }),
            },
            Token::Op(op) => Err(ExprError { offset: at, message: format!("expected a value, found {op:?}") }),
        }
    }
}

/// A JSON number from an `f64`, whole numbers as integers so they compare and print cleanly.
pub fn number(n: f64) -> Value {
    if n.fract() == 0.0 && n.abs() < 9.0e15 {
        Value::from(n as i64)
    } else {
        serde_json::Number::from_f64(n).map(Value::Number).unwrap_or(Value::Null)
    }
}

impl Expr {
    /// Every path in the expression, for checking references against a definition.
    pub fn paths(&self) -> Vec<&Path> {
        let mut out = Vec::new();
        self.collect(&mut out);
        out
    }

    fn collect<'a>(&'a self, out: &mut Vec<&'a Path>) {
        match self {
            Expr::Literal(_) => {}
            Expr::Path(p) => out.push(p),
            Expr::List(items) | Expr::Call(_, items) => items.iter().for_each(|e| e.collect(out)),
            Expr::Not(e) => e.collect(out),
            Expr::Binary(_, a, b) => {
                a.collect(out);
                b.collect(out);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precedence_puts_comparison_under_and_under_or() {
        let e = parse(r#"answers.a == "x" or answers.b == 1 and not answers.c"#).unwrap();
        let Expr::Binary(BinaryOp::Or, _, right) = e else { panic!("or at the top") };
        assert!(matches!(*right, Expr::Binary(BinaryOp::And, _, _)));
    }

    #[test]
    fn bracket_fields_allow_hyphenated_register_field_names() {
        let e = parse(r#"checks.zone["parking-zone"]"#).unwrap();
        assert_eq!(e.paths()[0].fields, vec!["zone".to_string(), "parking-zone".to_string()]);
    }

    #[test]
    fn errors_say_where() {
        let err = parse(r#"answers.a = "x""#).unwrap_err();
        assert_eq!(err.offset, 10);
        let err = parse("answers.a == ").unwrap_err();
        assert_eq!(err.offset, 13);
        let err = parse("eval(answers.a)").unwrap_err();
        assert!(err.message.contains("unknown function"));
        let err = parse("os.system").unwrap_err();
        assert!(err.message.contains("unknown name"));
        assert!(parse("len(answers.a, 2)").unwrap_err().message.contains("takes 1"));
        assert!(parse("(answers.a").is_err());
        assert!(parse("'open").is_err());
    }
}
