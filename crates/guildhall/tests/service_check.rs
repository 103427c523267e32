//! `guildhall service check FILE` through the real binary: the shipped definitions under
//! `services/` pass, and a definition with several mistakes is refused with the line of each.

mod common;

use common::{guildhall, stderr, stdout};

fn repository_file(path: &str) -> String {
    format!("{}/../../{path}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn every_shipped_service_definition_passes_the_check() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/unused.sqlite", dir.path().display());
    let shipped: Vec<_> = std::fs::read_dir(repository_file("services"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    assert!(shipped.len() >= 2, "services/ should ship at least two definitions: {shipped:?}");
    for file in shipped {
        let out = guildhall(&url, &["service", "check", file.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(0), "{}: {}", file.display(), stderr(&out));
        assert!(stdout(&out).contains("is a valid service definition"), "{}", stdout(&out));
    }
}

#[test]
fn a_definition_with_errors_is_refused_naming_the_line_of_each() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/unused.sqlite", dir.path().display());
    let shipped = std::fs::read_to_string(repository_file("services/bulky-waste.yaml")).unwrap();
    // Two mistakes on lines we know: an unknown key on the `name:` line, and a page whose
    // question kind does not exist.
    let name_line = shipped.lines().position(|l| l.starts_with("name:")).unwrap() + 1;
    let kind_line = shipped.lines().position(|l| l.trim() == "kind: checkboxes").unwrap() + 1;
    let broken: String = shipped
        .lines()
        .enumerate()
        .map(|(i, l)| match i + 1 {
            n if n == name_line => format!("nmae: {}\n", l.trim_start_matches("name:").trim()),
            n if n == kind_line => l.replace("checkboxes", "tickboxes") + "\n",
            _ => format!("{l}\n"),
        })
        .collect();
    let file = dir.path().join("broken.yaml");
    std::fs::write(&file, broken).unwrap();
    let out = guildhall(&url, &["service", "check", file.to_str().unwrap()]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    let at = |line: usize| format!("{}:{line}:", file.display());
    assert!(err.contains(&at(name_line)), "stderr should name line {name_line} (nmae): {err}");
    assert!(err.contains(&at(kind_line)), "stderr should name line {kind_line} (tickboxes): {err}");

    let missing = guildhall(&url, &["service", "check", "/nonexistent/definition.yaml"]);
    assert_eq!(missing.status.code(), Some(2), "{}", stderr(&missing));
    assert!(stderr(&missing).contains("cannot read"), "{}", stderr(&missing));
}
