//! Definitions: the shipped files check clean and validate against the published JSON Schema;
//! a broken definition is rejected with the line (and column) of every error.

use saphyr::{LoadableYamlNode, Scalar, Yaml};
use serde_json::Value;

fn repo_file(path: &str) -> String {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(path);
    std::fs::read_to_string(&root).unwrap_or_else(|e| panic!("read {}: {e}", root.display()))
}

const SHIPPED: &[&str] = &["services/parking-permit.yaml", "services/bulky-waste.yaml"];

/// YAML to JSON, for validating with the JSON Schema.
fn to_json(y: &Yaml<'_>) -> Value {
    match y {
        Yaml::Value(Scalar::String(s)) => Value::String(s.to_string()),
        Yaml::Value(Scalar::Integer(i)) => Value::from(*i),
        Yaml::Value(Scalar::FloatingPoint(f)) => Value::from(f.into_inner()),
        Yaml::Value(Scalar::Boolean(b)) => Value::Bool(*b),
        Yaml::Value(Scalar::Null) => Value::Null,
        Yaml::Sequence(items) => Value::Array(items.iter().map(to_json).collect()),
        Yaml::Mapping(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let key = match to_json(k) {
                        Value::String(s) => s,
                        other => other.to_string(),
                    };
                    (key, to_json(v))
                })
                .collect(),
        ),
        other => panic!("unexpected YAML node {other:?}"),
    }
}

fn schema() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(&repo_file("schemas/service-definition.schema.json")).unwrap();
    jsonschema::validator_for(&schema).expect("the schema compiles")
}

#[test]
fn every_shipped_definition_checks_clean() {
    for path in SHIPPED {
        let d = services::check(&repo_file(path)).unwrap_or_else(|errors| {
            panic!("{path}: {}", errors.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n"))
        });
        assert!(!d.pages.is_empty());
    }
    let parking = services::check(&repo_file("services/parking-permit.yaml")).unwrap();
    assert_eq!(parking.checks.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(), ["zone", "vehicle", "keeper"]);
    assert!(parking.checks[1].consent.is_some() && parking.checks[2].consent.is_some());
    assert!(parking.decision.auto_approve);
}

#[test]
fn every_shipped_definition_validates_against_the_published_schema() {
    let validator = schema();
    for path in SHIPPED {
        let docs = Yaml::load_from_str(&repo_file(path)).unwrap();
        let instance = to_json(&docs[0]);
        let errors: Vec<String> =
            validator.iter_errors(&instance).map(|e| format!("{e} at {}", e.instance_path)).collect();
        assert!(errors.is_empty(), "{path}: {errors:?}");
    }
}

#[test]
fn the_schema_refuses_what_the_checker_refuses() {
    let validator = schema();
    let docs = Yaml::load_from_str(&repo_file("services/bulky-waste.yaml")).unwrap();
    let mut instance = to_json(&docs[0]);
    instance["pages"][0]["colour"] = Value::String("red".into());
    assert!(!validator.is_valid(&instance), "an unknown key must fail the schema");
    let mut instance = to_json(&docs[0]);
    instance["pages"][1]["kind"] = Value::String("slider".into());
    assert!(!validator.is_valid(&instance), "an unknown kind must fail the schema");
}

const BROKEN: &str = r#"version: 1
id: broken
name: A broken service
owner: exampleshire
start: Hello
colour: blue
pages:
  - id: age
    kind: number
    question: How old are you?
    min: ten
  - id: pet
    kind: radios
    question: Do you have a pet?
  - id: name
    kind: slider
    question: Name?
  - id: later
    kind: text
    question: Later?
    show_if: 'answers.nothing == "x"'
  - id: cond
    kind: text
    question: Cond?
    skip_if: answers.age = 3
checks:
  - id: vehicle
    register: vehicle
    key: answers.reg
    fields: [make]
    rule: 'record.colour == "red"'
    reason: No
decision:
  auto_approve: yes please
"#;

#[test]
fn a_definition_with_errors_is_rejected_with_the_line_of_every_error() {
    let errors = services::check(BROKEN).expect_err("broken");
    let found: Vec<(usize, &str)> = errors.iter().map(|e| (e.line, e.message.as_str())).collect();
    let expect = |line: usize, words: &str| {
        assert!(
            found.iter().any(|(l, m)| *l == line && m.contains(words)),
            "expected an error on line {line} containing {words:?}; got {found:#?}"
        );
    };
    expect(6, "unknown key \"colour\"");
    expect(11, "min in a page must be a number");
    expect(12, "a radios question needs options");
    expect(16, "unknown kind \"slider\"");
    expect(25, "use == to compare");
    expect(34, "auto_approve in the decision must be true or false");
    // Column of the bad expression: `skip_if: answers.age = 3` — the `=` is column 26.
    let bad = errors.iter().find(|e| e.line == 25).unwrap();
    assert_eq!(bad.column, 26, "{bad}");
}

#[test]
fn references_to_missing_or_later_questions_and_unread_fields_are_named_by_line() {
    let text = BROKEN
        .replace("colour: blue\n", "\n")
        .replace("min: ten", "min: 10")
        .replace(
            "    question: Do you have a pet?\n",
            "    question: Do you have a pet?\n    options: [{value: y, label: Yes}]\n",
        )
        .replace("kind: slider", "kind: text")
        .replace("answers.age = 3", "answers.later == 3")
        .replace("auto_approve: yes please", "auto_approve: true");
    let errors = services::check(&text).expect_err("still broken");
    let messages: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
    let has = |line: usize, words: &str| {
        assert!(
            errors.iter().any(|e| e.line == line && e.message.contains(words)),
            "line {line} {words:?}: {messages:#?}"
        )
    };
    has(22, "answers.nothing");
    has(30, "answers.reg in a check's key refers to no question");
    has(32, "record.colour is not among the fields");
    assert_eq!(errors.len(), 3, "{messages:#?}");
}

#[test]
fn yaml_that_does_not_parse_names_its_line() {
    let errors = services::check("version: 1\nid: x\npages: [a, b\nname: y\n").expect_err("bad YAML");
    assert_eq!(errors.len(), 1);
    assert!(errors[0].line >= 3, "{:?}", errors[0]);
    assert!(errors[0].message.starts_with("not valid YAML"));
}

#[test]
fn a_fee_cannot_depend_on_register_checks_because_it_is_paid_before_they_run() {
    let text = repo_file("services/parking-permit.yaml")
        .replace("    - pence: 5000", "    - pence: 'len(checks.zone.name) * 100'");
    let errors = services::check(&text).expect_err("fee over checks");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].message.contains("checks cannot be used in a fee amount"), "{}", errors[0]);
}

#[test]
fn a_page_cannot_take_the_address_of_the_engines_own_pages() {
    let text = repo_file("services/parking-permit.yaml").replace("  - id: registration\n", "  - id: confirmation\n");
    let errors = services::check(&text).expect_err("reserved page id");
    let messages: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
    assert!(
        messages.iter().any(|m| m.contains("\"confirmation\" is the address of one of the engine's own pages")),
        "{messages:?}"
    );
    let docs = Yaml::load_from_str(&text).unwrap();
    assert!(!schema().is_valid(&to_json(&docs[0])), "the schema refuses it too");
}
