//! The page flow: which pages an application asks given its answers so far (`show_if`,
//! `skip_if`), which comes next, and which answers count (those on pages still shown).

use serde_json::{Map, Value};

use crate::definition::{Question, ServiceDefinition};
use crate::eval::{Scope, holds};

/// Where the citizen goes next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    /// A question page, by id.
    Page(String),
    /// Every shown page is answered: check your answers.
    CheckAnswers,
}

fn shown(q: &Question, answers: &Map<String, Value>, today: time::Date) -> bool {
    let empty = Map::new();
    let scope = Scope { answers, record: None, checks: &empty, case: None, value: None, today };
    let show = q.show_if.as_ref().is_none_or(|e| holds(&e.expr, &scope));
    let skip = q.skip_if.as_ref().is_some_and(|e| holds(&e.expr, &scope));
    show && !skip
}

/// The pages shown for these answers, in order. A condition only sees answers of pages before
/// it that are themselves shown, so hiding a page also hides what depended on it.
pub fn visible<'d>(d: &'d ServiceDefinition, answers: &Map<String, Value>, today: time::Date) -> Vec<&'d Question> {
    let mut seen = Map::new();
    let mut out = Vec::new();
    for q in &d.pages {
        if shown(q, &seen, today) {
            if let Some(v) = answers.get(&q.id) {
                seen.insert(q.id.clone(), v.clone());
            }
            out.push(q);
        }
    }
    out
}

/// The pages a citizen may answer now: shown pages up to and including the first unanswered
/// one (earlier ones can be changed; later ones cannot be jumped to by editing the address).
pub fn reachable<'d>(d: &'d ServiceDefinition, answers: &Map<String, Value>, today: time::Date) -> Vec<&'d Question> {
    let mut out = Vec::new();
    for q in visible(d, answers, today) {
        let unanswered = !answers.contains_key(&q.id);
        out.push(q);
        if unanswered {
            break;
        }
    }
    out
}

/// The answers that count: those of shown pages only.
pub fn effective(d: &ServiceDefinition, answers: &Map<String, Value>, today: time::Date) -> Map<String, Value> {
    visible(d, answers, today)
        .into_iter()
        .filter_map(|q| answers.get(&q.id).map(|v| (q.id.clone(), v.clone())))
        .collect()
}

/// The first shown page without an answer, or check your answers.
pub fn next(d: &ServiceDefinition, answers: &Map<String, Value>, today: time::Date) -> Next {
    visible(d, answers, today)
        .into_iter()
        .find(|q| !answers.contains_key(&q.id))
        .map(|q| Next::Page(q.id.clone()))
        .unwrap_or(Next::CheckAnswers)
}

/// The shown page before `page`, for the back link.
pub fn previous(d: &ServiceDefinition, answers: &Map<String, Value>, page: &str, today: time::Date) -> Option<String> {
    let pages = visible(d, answers, today);
    let i = pages.iter().position(|q| q.id == page)?;
    i.checked_sub(1).map(|j| pages[j].id.clone())
}
