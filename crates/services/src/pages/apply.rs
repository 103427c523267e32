//! The question pages' handlers: show a page with the saved answer, take its form and go on to
//! the next page or check your answers (POST-redirect-GET). Only the application's citizen may
//! open it; a page not in the definition, or not asked for these answers, gets a plain message;
//! a page further on than the first unanswered one sends the citizen to that one.

use std::collections::HashMap;

use axum::Extension;
use axum::extract::{Form, Path, Query, State};
use axum::http::{StatusCode, Uri};
use axum::response::Response;

use super::questions::{self, AddressStep};
use super::{Here, PagesState, citizen, error_page, here, message, render, see_other};
use crate::answers::{self, FieldError, FormInput};
use crate::definition::QuestionKind;
use crate::engine::{Application, ApplicationState};
use crate::error::ServiceError;
use crate::flow::{self, Next};

/// Where `next` is.
pub(crate) fn next_path(here: &Here, app: &str, next: &Next) -> String {
    match next {
        Next::Page(page) => here.app_path(app, page),
        Next::CheckAnswers => here.app_path(app, "check-answers"),
    }
}

/// Why a page cannot be shown for this application, as a plain message; None when it can.
fn not_asked(
    state: &PagesState,
    here: &Here,
    visitor: &web::Visitor,
    app: &Application,
    page: &str,
) -> Option<Response> {
    let d = &app.definition.definition;
    let today = state.engine.today();
    let continue_link = next_path(here, &app.id, &state.engine.next(app));
    let link = Some((continue_link.as_str(), "Continue your application"));
    if d.question(page).is_none() {
        let text = format!("There is no page called “{page}” in {}.", d.name);
        return Some(message(state, here, visitor, StatusCode::NOT_FOUND, "Page not found", &[text.as_str()], link));
    }
    if !flow::visible(d, &app.answers, today).iter().any(|q| q.id == page) {
        return Some(message(
            state,
            here,
            visitor,
            StatusCode::NOT_FOUND,
            "This question is not asked",
            &["Your earlier answers mean we do not need to ask this question."],
            link,
        ));
    }
    if !flow::reachable(d, &app.answers, today).iter().any(|q| q.id == page) {
        return Some(see_other(&continue_link));
    }
    None
}

/// The back link of a page: the page before it, or the service's start page.
fn back_link(state: &PagesState, here: &Here, app: &Application, page: &str) -> String {
    let d = &app.definition.definition;
    match flow::previous(d, &app.answers, page, state.engine.today()) {
        Some(previous) => here.app_path(&app.id, &previous),
        None => format!("{}/services/{}", here.prefix(), app.definition.slug),
    }
}

/// Renders a question page.
#[allow(clippy::too_many_arguments)]
async fn show(
    state: &PagesState,
    here: &Here,
    visitor: &web::Visitor,
    app: &Application,
    page: &str,
    input: &FormInput,
    errors: web::FormErrors,
    step: Option<AddressStep>,
) -> Response {
    let Some(q) = app.definition.definition.question(page) else { return state.web.not_found(Some(&here.council)) };
    let action = here.app_path(&app.id, page);
    let view = questions::view(q, &action, visitor.csrf_input(), input, &errors, step.as_ref());
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let layout = state
        .web
        .layout(Some(&here.council), &q.label)
        .signed_in(visitor.signed_in())
        .with_back_link(&back_link(state, here, app, page))
        .with_errors(errors);
    render(state, here, status, layout, questions::QUESTION, view)
}

/// The address step for a postcode: its addresses, or the postcode step with the reason.
async fn address_step(
    state: &PagesState,
    here: &Here,
    id: &str,
    postcode: &str,
    errors: &mut web::FormErrors,
) -> Result<AddressStep, ServiceError> {
    let field = format!("{id}-postcode");
    if postcode.trim().is_empty() {
        errors.add(&field, "Enter a postcode");
        return Ok(AddressStep::Postcode(String::new()));
    }
    let Some(normal) = answers::normalise_postcode(postcode) else {
        errors.add(&field, "Enter a real postcode, like ZX1 1AA");
        return Ok(AddressStep::Postcode(postcode.to_string()));
    };
    let found = state.engine.addresses(here.id, &normal).await?;
    if found.is_empty() {
        errors.add(&field, &format!("We could not find any addresses in {normal}. Check the postcode and try again"));
        return Ok(AddressStep::Postcode(normal));
    }
    Ok(AddressStep::Choose(normal, found))
}

/// `GET /{council}/applications/{id}/{page}` (`?postcode=` for an address's second step).
pub(crate) async fn question(
    State(state): State<PagesState>,
    Extension(visitor): Extension<web::Visitor>,
    Path((slug, id, page)): Path<(String, String, String)>,
    Query(query): Query<HashMap<String, String>>,
    uri: Uri,
) -> Response {
    let here = match here(&state, &slug).await {
        Ok(h) => h,
        Err(r) => return r,
    };
    let back = uri.path_and_query().map(|p| p.as_str()).unwrap_or(uri.path()).to_string();
    let citizen = match citizen(&visitor, &here, &back) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let app = match state.engine.application(here.id, &id, &citizen.id).await {
        Ok(app) => app,
        Err(e) => return error_page(&state, &here, e),
    };
    if app.state == ApplicationState::Submitted {
        return see_other(&here.app_path(&id, "confirmation"));
    }
    if let Some(response) = not_asked(&state, &here, &visitor, &app, &page) {
        return response;
    }
    let Some(q) = app.definition.definition.question(&page) else { return state.web.not_found(Some(&here.council)) };
    let saved = app.answers.get(&page).map(|v| answers::form_values(q, v)).unwrap_or_default();
    let mut errors = web::FormErrors::new();
    let step = if q.kind == QuestionKind::Address {
        let saved_postcode = saved.get(&format!("{page}-postcode")).and_then(|v| v.first()).cloned();
        let changing = query.get("change").is_some_and(|c| c == "postcode");
        let step = match (query.get("postcode"), saved_postcode) {
            (None, saved) if changing => Ok(AddressStep::Postcode(saved.unwrap_or_default())),
            (Some(posted), _) => address_step(&state, &here, &page, posted, &mut errors).await,
            (None, Some(saved)) => address_step(&state, &here, &page, &saved, &mut errors).await,
            (None, None) => Ok(AddressStep::Postcode(String::new())),
        };
        match step {
            Ok(step) => Some(step),
            Err(e) => return error_page(&state, &here, e),
        }
    } else {
        None
    };
    show(&state, &here, &visitor, &app, &page, &saved, errors, step).await
}

/// `POST /{council}/applications/{id}/{page}`.
pub(crate) async fn answer(
    State(state): State<PagesState>,
    Extension(visitor): Extension<web::Visitor>,
    Path((slug, id, page)): Path<(String, String, String)>,
    uri: Uri,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let here = match here(&state, &slug).await {
        Ok(h) => h,
        Err(r) => return r,
    };
    let citizen = match citizen(&visitor, &here, uri.path()) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let mut input = FormInput::new();
    for (k, v) in fields.into_iter().filter(|(k, _)| k != web::CSRF_FIELD) {
        input.entry(k).or_default().push(v);
    }
    let error = match state.engine.answer(here.id, &id, &citizen.id, &page, &input).await {
        Ok(next) => return see_other(&next_path(&here, &id, &next)),
        Err(e) => e,
    };
    let app = match state.engine.application(here.id, &id, &citizen.id).await {
        Ok(app) => app,
        Err(e) => return error_page(&state, &here, e),
    };
    match error {
        ServiceError::Answer(FieldError { field, message }) => {
            let mut errors = web::FormErrors::new();
            errors.add(&field, &message);
            let step = match app.definition.definition.question(&page).map(|q| q.kind) {
                Some(QuestionKind::Address) => {
                    let posted = input.get(&format!("{page}-postcode")).and_then(|v| v.first()).cloned();
                    let posted = posted.unwrap_or_default();
                    if field.ends_with("-postcode") {
                        Some(AddressStep::Postcode(posted))
                    } else {
                        let mut ignored = web::FormErrors::new();
                        match address_step(&state, &here, &page, &posted, &mut ignored).await {
                            Ok(AddressStep::Choose(pc, list)) => Some(AddressStep::Choose(pc, list)),
                            Ok(_) => {
                                let mut errors = web::FormErrors::new();
                                errors.add(
                                    &format!("{page}-postcode"),
                                    "Enter the postcode again and choose your address",
                                );
                                let step = Some(AddressStep::Postcode(posted));
                                return show(&state, &here, &visitor, &app, &page, &input, errors, step).await;
                            }
                            Err(e) => return error_page(&state, &here, e),
                        }
                    }
                }
                _ => None,
            };
            show(&state, &here, &visitor, &app, &page, &input, errors, step).await
        }
        ServiceError::AlreadySubmitted => see_other(&format!("{}?sent=again", here.app_path(&id, "confirmation"))),
        ServiceError::PageNotInFlow(_) => match not_asked(&state, &here, &visitor, &app, &page) {
            Some(response) => response,
            None => see_other(&next_path(&here, &id, &state.engine.next(&app))),
        },
        other => error_page(&state, &here, other),
    }
}
