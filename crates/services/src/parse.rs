//! Reading a definition's YAML into [`ServiceDefinition`], collecting EVERY problem with its line
//! and column rather than stopping at the first: unknown keys, missing keys, wrong types, bad
//! expressions and references to questions or checks that do not exist (or come later).

use std::collections::HashSet;

use saphyr::{LoadableYamlNode, MarkedYaml, Scalar, YamlData};

use crate::definition::*;
use crate::expr;

type Node<'a> = MarkedYaml<'a>;

/// Reads and checks a definition: the definition, or every error found, each with its line.
pub fn check(text: &str) -> Result<ServiceDefinition, Vec<DefinitionError>> {
    let docs = match MarkedYaml::load_from_str(text) {
        Ok(docs) => docs,
        Err(e) => {
            return Err(vec![DefinitionError {
                line: e.marker().line(),
                column: e.marker().col() + 1,
                message: format!("not valid YAML: {}", e.info()),
            }]);
        }
    };
    let mut r = Reader { errors: Vec::new() };
    let Some(root) = docs.first() else {
        return Err(vec![DefinitionError { line: 1, column: 1, message: "the file is empty".into() }]);
    };
    if docs.len() > 1 {
        r.error(&docs[1], "only one YAML document is allowed");
    }
    let definition = r.definition(root);
    match definition {
        Some(d) if r.errors.is_empty() => {
            r.references(&d);
            if r.errors.is_empty() {
                return Ok(d);
            }
            r.errors.sort_by_key(|e| (e.line, e.column));
            Err(r.errors)
        }
        _ => {
            r.errors.sort_by_key(|e| (e.line, e.column));
            Err(r.errors)
        }
    }
}

struct Reader {
    errors: Vec<DefinitionError>,
}

/// A mapping's entries, with the keys it allows already checked.
struct Fields<'n, 'a> {
    node: &'n Node<'a>,
    entries: Vec<(String, &'n Node<'a>)>,
}

impl<'n, 'a> Fields<'n, 'a> {
    fn get(&self, key: &str) -> Option<&'n Node<'a>> {
        self.entries.iter().find(|(k, _)| k == key).map(|(_, v)| *v)
    }
}

fn position(node: &Node<'_>) -> (usize, usize) {
    (node.span.start.line().max(1), node.span.start.col() + 1)
}

fn kind_of(node: &Node<'_>) -> &'static str {
    match &node.data {
        YamlData::Value(Scalar::String(_)) | YamlData::Representation(..) => "text",
        YamlData::Value(Scalar::Integer(_)) | YamlData::Value(Scalar::FloatingPoint(_)) => "a number",
        YamlData::Value(Scalar::Boolean(_)) => "true/false",
        YamlData::Value(Scalar::Null) => "nothing",
        YamlData::Sequence(_) => "a list",
        YamlData::Mapping(_) => "a mapping",
        _ => "an unreadable value",
    }
}

/// Whether a scalar was written in quotes: its span then starts at the quote, one character
/// before the text, and is longer than the text.
fn is_quoted(node: &Node<'_>, source: &str) -> bool {
    let span = node.span.end.index().saturating_sub(node.span.start.index());
    span > source.chars().count()
}

/// Page ids that would clash with the pages every application has (`/applications/{id}/…`).
const RESERVED_PAGE_IDS: &[&str] = &["check-answers", "paid", "confirmation", "continue"];

fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        && s.as_bytes()[0].is_ascii_lowercase()
}

impl Reader {
    fn error(&mut self, node: &Node<'_>, message: impl Into<String>) {
        let (line, column) = position(node);
        self.errors.push(DefinitionError { line, column, message: message.into() });
    }

    fn mapping<'n, 'a>(
        &mut self,
        node: &'n Node<'a>,
        what: &str,
        required: &[&str],
        optional: &[&str],
    ) -> Option<Fields<'n, 'a>> {
        let YamlData::Mapping(map) = &node.data else {
            self.error(node, format!("{what} must be a mapping, not {}", kind_of(node)));
            return None;
        };
        let mut entries = Vec::new();
        for (k, v) in map.iter() {
            let Some(key) = scalar_text(k) else {
                self.error(k, format!("keys in {what} must be words"));
                continue;
            };
            if !required.contains(&key.as_str()) && !optional.contains(&key.as_str()) {
                let mut known: Vec<&str> = required.iter().chain(optional).copied().collect();
                known.sort();
                self.error(k, format!("unknown key {key:?} in {what}; known keys: {}", known.join(", ")));
                continue;
            }
            entries.push((key, v));
        }
        for r in required {
            if !entries.iter().any(|(k, _)| k == r) {
                self.error(node, format!("{what} needs {r:?}"));
            }
        }
        Some(Fields { node, entries })
    }

    fn string(&mut self, f: &Fields<'_, '_>, key: &str, what: &str) -> Option<String> {
        let node = f.get(key)?;
        match &node.data {
            YamlData::Value(Scalar::String(s)) if !s.trim().is_empty() => Some(s.to_string()),
            YamlData::Value(Scalar::String(_)) => {
                self.error(node, format!("{key} in {what} must not be empty"));
                None
            }
            _ => {
                self.error(node, format!("{key} in {what} must be text, not {}", kind_of(node)));
                None
            }
        }
    }

    fn slug(&mut self, f: &Fields<'_, '_>, key: &str, what: &str) -> Option<String> {
        let s = self.string(f, key, what)?;
        if is_slug(&s) {
            Some(s)
        } else {
            self.error(
                f.get(key).unwrap_or(f.node),
                format!("{key} in {what} must be lower-case letters, digits, - and _, starting with a letter: {s:?}"),
            );
            None
        }
    }

    fn number(&mut self, f: &Fields<'_, '_>, key: &str, what: &str) -> Option<f64> {
        let node = f.get(key)?;
        match &node.data {
            YamlData::Value(Scalar::Integer(i)) => Some(*i as f64),
            YamlData::Value(Scalar::FloatingPoint(x)) => Some(x.into_inner()),
            _ => {
                self.error(node, format!("{key} in {what} must be a number, not {}", kind_of(node)));
                None
            }
        }
    }

    fn boolean(&mut self, f: &Fields<'_, '_>, key: &str, what: &str) -> Option<bool> {
        let node = f.get(key)?;
        match &node.data {
            YamlData::Value(Scalar::Boolean(b)) => Some(*b),
            _ => {
                self.error(node, format!("{key} in {what} must be true or false, not {}", kind_of(node)));
                None
            }
        }
    }

    fn list<'n, 'a>(&mut self, f: &Fields<'n, 'a>, key: &str, what: &str) -> Vec<&'n Node<'a>> {
        let Some(node) = f.get(key) else { return Vec::new() };
        match &node.data {
            YamlData::Sequence(items) => items.iter().collect(),
            _ => {
                self.error(node, format!("{key} in {what} must be a list, not {}", kind_of(node)));
                Vec::new()
            }
        }
    }

    fn strings(&mut self, f: &Fields<'_, '_>, key: &str, what: &str) -> Vec<String> {
        let mut out = Vec::new();
        for item in self.list(f, key, what) {
            match &item.data {
                YamlData::Value(Scalar::String(s)) => out.push(s.to_string()),
                _ => self.error(item, format!("each of {key} in {what} must be text, not {}", kind_of(item))),
            }
        }
        out
    }

    fn expression(&mut self, f: &Fields<'_, '_>, key: &str, what: &str) -> Option<Expression> {
        let node = f.get(key)?;
        let source = match &node.data {
            YamlData::Value(Scalar::String(s)) => s.to_string(),
            YamlData::Value(Scalar::Integer(i)) => i.to_string(),
            YamlData::Value(Scalar::FloatingPoint(x)) => x.to_string(),
            YamlData::Value(Scalar::Boolean(b)) => b.to_string(),
            _ => {
                self.error(node, format!("{key} in {what} must be an expression, not {}", kind_of(node)));
                return None;
            }
        };
        let (line, column) = position(node);
        match expr::parse(&source) {
            Ok(expr) => Some(Expression { source, expr, line }),
            Err(e) => {
                let quote = usize::from(is_quoted(node, &source));
                self.errors.push(DefinitionError {
                    line,
                    column: column + quote + e.offset,
                    message: format!("bad expression in {key} of {what}: {}", e.message),
                });
                None
            }
        }
    }

    fn definition(&mut self, root: &Node<'_>) -> Option<ServiceDefinition> {
        let f = self.mapping(
            root,
            "the definition",
            &["version", "id", "name", "owner", "start", "pages", "decision"],
            &["lgsl", "sign_in", "checks", "eligibility", "fee", "notifications", "outputs", "confirmation"],
        )?;
        let version = self.number(&f, "version", "the definition");
        if let (Some(v), Some(node)) = (version, f.get("version"))
            && v != 1.0
        {
            self.error(node, format!("version {v} is not known: this engine reads version 1"));
        }
        let id = self.slug(&f, "id", "the definition");
        let name = self.string(&f, "name", "the definition");
        let owner = self.slug(&f, "owner", "the definition");
        let lgsl = self.number(&f, "lgsl", "the definition").map(|n| n as u32);
        let sign_in = self.boolean(&f, "sign_in", "the definition").unwrap_or(false);
        let start = f.get("start").and_then(|n| self.paragraphs(n, "start")).unwrap_or_default();
        let pages: Vec<Question> =
            self.list(&f, "pages", "the definition").iter().filter_map(|n| self.question(n)).collect();
        if f.get("pages").is_some() && pages.is_empty() && self.errors.is_empty() {
            self.error(f.get("pages").unwrap_or(root), "a service needs at least one page");
        }
        let checks = self.list(&f, "checks", "the definition").iter().filter_map(|n| self.check_step(n)).collect();
        let eligibility = self
            .list(&f, "eligibility", "the definition")
            .iter()
            .filter_map(|n| self.rule(n, "an eligibility rule", "rule", "reason"))
            .collect();
        let fee = f.get("fee").and_then(|n| self.fee(n));
        let notifications =
            self.list(&f, "notifications", "the definition").iter().filter_map(|n| self.notification(n)).collect();
        let decision = f.get("decision").and_then(|n| self.decision(n));
        let outputs = self.list(&f, "outputs", "the definition").iter().filter_map(|n| self.output(n)).collect();
        let confirmation = f.get("confirmation").and_then(|n| self.confirmation(n)).unwrap_or_default();
        Some(ServiceDefinition {
            version: version? as u32,
            id: id?,
            name: name?,
            owner: owner?,
            lgsl,
            start,
            sign_in,
            pages,
            checks,
            eligibility,
            fee,
            notifications,
            decision: decision?,
            outputs,
            confirmation,
        })
    }

    fn confirmation(&mut self, node: &Node<'_>) -> Option<Confirmation> {
        let f = self.mapping(node, "the confirmation", &[], &["title", "text"])?;
        let default = Confirmation::default();
        let title = self.string(&f, "title", "the confirmation").unwrap_or(default.title);
        let text = f.get("text").and_then(|n| self.paragraphs(n, "text in the confirmation")).unwrap_or_default();
        Some(Confirmation { title, text })
    }

    fn paragraphs(&mut self, node: &Node<'_>, what: &str) -> Option<Vec<String>> {
        match &node.data {
            YamlData::Value(Scalar::String(s)) => {
                Some(s.split("\n\n").map(|p| p.trim().to_string()).filter(|p| !p.is_empty()).collect())
            }
            _ => {
                self.error(node, format!("{what} must be text, not {}", kind_of(node)));
                None
            }
        }
    }

    fn question(&mut self, node: &Node<'_>) -> Option<Question> {
        let what = "a page";
        let f = self.mapping(
            node,
            what,
            &["id", "kind", "question"],
            &["hint", "required", "options", "min", "max", "validate", "show_if", "skip_if"],
        )?;
        let id = self.slug(&f, "id", what);
        let kind_word = self.string(&f, "kind", what);
        let kind = kind_word.as_deref().and_then(|w| {
            let k = QuestionKind::parse(w);
            if k.is_none() {
                let words: Vec<&str> = QuestionKind::WORDS.iter().map(|(w, _)| *w).collect();
                self.error(
                    f.get("kind").unwrap_or(node),
                    format!("unknown kind {w:?}; use one of {}", words.join(", ")),
                );
            }
            k
        });
        let label = self.string(&f, "question", what);
        let hint = self.string(&f, "hint", what);
        let required = self.boolean(&f, "required", what).unwrap_or(true);
        let mut options = Vec::new();
        for item in self.list(&f, "options", what) {
            let Some(o) = self.mapping(item, "an option", &["value", "label"], &[]) else { continue };
            if let (Some(value), Some(label)) =
                (self.string(&o, "value", "an option"), self.string(&o, "label", "an option"))
            {
                if options.iter().any(|c: &Choice| c.value == value) {
                    self.error(item, format!("the option {value:?} is listed twice"));
                }
                options.push(Choice { value, label });
            }
        }
        if let Some(k) = kind {
            if k.has_options() && options.is_empty() {
                self.error(node, format!("a {} question needs options", kind_word.clone().unwrap_or_default()));
            }
            if !k.has_options() && f.get("options").is_some() {
                self.error(f.get("options").unwrap_or(node), "only radios and checkboxes questions have options");
            }
        }
        let min = self.number(&f, "min", what);
        let max = self.number(&f, "max", what);
        let validate = self
            .list(&f, "validate", what)
            .iter()
            .filter_map(|n| self.rule(n, "a validation rule", "rule", "message"))
            .collect();
        let show_if = self.expression(&f, "show_if", what);
        let skip_if = self.expression(&f, "skip_if", what);
        Some(Question {
            line: position(node).0,
            id: id?,
            kind: kind?,
            label: label?,
            hint,
            required,
            options,
            min,
            max,
            validate,
            show_if,
            skip_if,
        })
    }

    fn rule(&mut self, node: &Node<'_>, what: &str, rule: &str, reason: &str) -> Option<Rule> {
        let f = self.mapping(node, what, &[rule, reason], &[])?;
        let r = self.expression(&f, rule, what);
        let text = self.string(&f, reason, what);
        Some(Rule { rule: r?, reason: text? })
    }

    fn owner(&mut self, f: &Fields<'_, '_>, what: &str) -> RegisterOwner {
        match self.string(f, "owner", what).as_deref() {
            None | Some("national") => RegisterOwner::National,
            Some("council") => RegisterOwner::Council,
            Some(other) => {
                self.error(
                    f.get("owner").unwrap_or(f.node),
                    format!("owner must be national or council, not {other:?}"),
                );
                RegisterOwner::National
            }
        }
    }

    fn check_step(&mut self, node: &Node<'_>) -> Option<RegisterCheck> {
        let what = "a register check";
        let f = self.mapping(
            node,
            what,
            &["id", "register", "key", "fields", "reason"],
            &["owner", "by", "consent", "rule"],
        )?;
        let id = self.slug(&f, "id", what);
        let register = self.slug(&f, "register", what);
        let owner = self.owner(&f, what);
        let key = self.expression(&f, "key", what);
        let fields = self.strings(&f, "fields", what);
        if f.get("fields").is_some() && fields.is_empty() {
            self.error(f.get("fields").unwrap_or(node), "a register check reads at least one field");
        }
        let by = self.string(&f, "by", what);
        let consent = self.string(&f, "consent", what);
        let rule = self.expression(&f, "rule", what);
        let reason = self.string(&f, "reason", what);
        Some(RegisterCheck {
            line: position(node).0,
            id: id?,
            register: register?,
            owner,
            key: key?,
            by,
            fields,
            consent,
            rule,
            reason: reason?,
        })
    }

    fn fee(&mut self, node: &Node<'_>) -> Option<Fee> {
        let f = self.mapping(node, "the fee", &["description", "amounts"], &[])?;
        let description = self.string(&f, "description", "the fee");
        let mut amounts = Vec::new();
        for item in self.list(&f, "amounts", "the fee") {
            if let Some(a) = self.mapping(item, "a fee amount", &["pence"], &["when"]) {
                let when = self.expression(&a, "when", "a fee amount");
                if let Some(pence) = self.expression(&a, "pence", "a fee amount") {
                    amounts.push(FeeAmount { when, pence });
                }
            }
        }
        if amounts.is_empty() && f.get("amounts").is_some() {
            self.error(f.get("amounts").unwrap_or(node), "the fee needs at least one amount");
        }
        Some(Fee { description: description?, amounts })
    }

    fn moment(&mut self, f: &Fields<'_, '_>, what: &str) -> Option<Moment> {
        let word = self.string(f, "on", what)?;
        let m = Moment::parse(&word);
        if m.is_none() {
            self.error(
                f.get("on").unwrap_or(f.node),
                format!("unknown moment {word:?}; use submitted, queued, approved or refused"),
            );
        }
        m
    }

    fn notification(&mut self, node: &Node<'_>) -> Option<NotificationRule> {
        let what = "a notification";
        let f = self.mapping(node, what, &["on", "to", "template"], &[])?;
        let on = self.moment(&f, what);
        let to = match self.string(&f, "to", what).as_deref() {
            Some("citizen") => Some(Recipient::Citizen),
            Some("council") => Some(Recipient::Council),
            Some(other) => {
                self.error(f.get("to").unwrap_or(node), format!("to must be citizen or council, not {other:?}"));
                None
            }
            None => None,
        };
        let template = self.string(&f, "template", what);
        Some(NotificationRule { on: on?, to: to?, template: template? })
    }

    fn decision(&mut self, node: &Node<'_>) -> Option<Decision> {
        let f = self.mapping(node, "the decision", &["auto_approve"], &[])?;
        Some(Decision { auto_approve: self.boolean(&f, "auto_approve", "the decision")? })
    }

    fn output(&mut self, node: &Node<'_>) -> Option<Output> {
        let what = "an output";
        let f = self.mapping(node, what, &["on"], &["register", "owner", "key", "fields", "webhook"])?;
        let on = self.moment(&f, what);
        let action = match (f.get("register"), f.get("webhook")) {
            (Some(_), None) => {
                let register = self.slug(&f, "register", what);
                let owner = self.owner(&f, what);
                let key = self.expression(&f, "key", what);
                if f.get("key").is_none() {
                    self.error(node, "a register output needs \"key\"");
                }
                let mut fields = Vec::new();
                match f.get("fields") {
                    Some(fnode) => {
                        if let YamlData::Mapping(map) = &fnode.data {
                            for (k, v) in map.iter() {
                                let Some(name) = scalar_text(k) else {
                                    self.error(k, "output field names must be words");
                                    continue;
                                };
                                let inner = Fields { node: fnode, entries: vec![(name.clone(), v)] };
                                if let Some(e) = self.expression(&inner, &name, "the output fields") {
                                    fields.push((name, e));
                                }
                            }
                        } else {
                            self.error(fnode, format!("fields of an output must be a mapping, not {}", kind_of(fnode)));
                        }
                    }
                    None => self.error(node, "a register output needs \"fields\""),
                }
                Some(OutputAction::Register { register: register?, owner, key: key?, fields })
            }
            (None, Some(_)) => {
                let url = self.string(&f, "webhook", what)?;
                if !(url.starts_with("https://") || url.starts_with("http://")) {
                    self.error(
                        f.get("webhook").unwrap_or(node),
                        format!("a webhook must be an http(s) URL, not {url:?}"),
                    );
                }
                Some(OutputAction::Webhook { url })
            }
            _ => {
                self.error(node, "an output needs exactly one of \"register\" or \"webhook\"");
                None
            }
        };
        Some(Output { on: on?, action: action? })
    }

    /// Second pass: every path names something that exists where it is used.
    fn references(&mut self, d: &ServiceDefinition) {
        let mut seen = HashSet::new();
        let mut earlier: Vec<&str> = Vec::new();
        let all: Vec<&str> = d.pages.iter().map(|q| q.id.as_str()).collect();
        for q in &d.pages {
            if !seen.insert(q.id.as_str()) {
                self.at(q.line, format!("two pages have the id {:?}", q.id));
            }
            if RESERVED_PAGE_IDS.contains(&q.id.as_str()) {
                self.at(q.line, format!("the page id {:?} is the address of one of the engine's own pages", q.id));
            }
            for cond in [&q.show_if, &q.skip_if].into_iter().flatten() {
                self.paths(cond, &["answers"], &earlier, &[], "a page condition (only earlier answers)");
            }
            for r in &q.validate {
                self.paths(&r.rule, &["answers", "value", "today"], &earlier, &[], "a validation rule");
            }
            if let (Some(min), Some(max)) = (q.min, q.max)
                && min > max
            {
                self.at(q.line, format!("page {:?} has min greater than max", q.id));
            }
            earlier.push(q.id.as_str());
        }
        let mut checks: Vec<&str> = Vec::new();
        for c in &d.checks {
            if checks.contains(&c.id.as_str()) {
                self.at(c.line, format!("two checks have the id {:?}", c.id));
            }
            self.paths(&c.key, &["answers", "checks"], &all, &checks, "a check's key");
            if let Some(rule) = &c.rule {
                self.paths(rule, &["answers", "checks", "record", "today"], &all, &checks, "a check's rule");
                for p in rule.expr.paths().into_iter().filter(|p| p.root == "record") {
                    if let Some(field) = p.fields.first()
                        && !c.fields.contains(field)
                    {
                        self.at(rule.line, format!("record.{field} is not among the fields check {:?} reads", c.id));
                    }
                }
            }
            checks.push(c.id.as_str());
        }
        for r in &d.eligibility {
            self.paths(&r.rule, &["answers", "checks", "today"], &all, &checks, "an eligibility rule");
        }
        if let Some(fee) = &d.fee {
            for a in &fee.amounts {
                for e in a.when.iter().chain(std::iter::once(&a.pence)) {
                    // The fee is paid before submission runs the checks, so it can only use answers.
                    self.paths(e, &["answers", "today"], &all, &[], "a fee amount");
                }
            }
        }
        for o in &d.outputs {
            if let OutputAction::Register { key, fields, .. } = &o.action {
                for e in std::iter::once(key).chain(fields.iter().map(|(_, e)| e)) {
                    self.paths(e, &["answers", "checks", "case", "today"], &all, &checks, "an output");
                }
            }
        }
    }

    fn at(&mut self, line: usize, message: String) {
        self.errors.push(DefinitionError { line, column: 1, message });
    }

    fn paths(&mut self, e: &Expression, roots: &[&str], answers: &[&str], checks: &[&str], what: &str) {
        for p in e.expr.paths() {
            if !roots.contains(&p.root.as_str()) {
                self.at(e.line, format!("{} cannot be used in {what}; use {}", p.root, roots.join(", ")));
                continue;
            }
            let first = p.fields.first().map(String::as_str);
            match (p.root.as_str(), first) {
                ("answers", Some(q)) if !answers.contains(&q) => {
                    self.at(e.line, format!("answers.{q} in {what} refers to no question before it"))
                }
                ("checks", Some(c)) if !checks.contains(&c) => {
                    self.at(e.line, format!("checks.{c} in {what} refers to no earlier register check"))
                }
                ("answers" | "checks" | "record", None) => {
                    self.at(e.line, format!("{} in {what} needs a field, e.g. {}.name", p.root, p.root))
                }
                _ => {}
            }
        }
    }
}

fn scalar_text(node: &Node<'_>) -> Option<String> {
    match &node.data {
        YamlData::Value(Scalar::String(s)) => Some(s.to_string()),
        YamlData::Value(Scalar::Integer(i)) => Some(i.to_string()),
        YamlData::Value(Scalar::Boolean(b)) => Some(b.to_string()),
        _ => None,
    }
}
