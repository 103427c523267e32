//! The handlers of the sign-in, account, sign-out, staff and sandbox mailbox pages. They parse
//! the form, call the brick and map its errors to pages; the rules live in the brick.

use std::collections::HashMap;

use axum::Extension;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::json;

use super::templates;
use super::{ClientIp, IdentityState, RequireCitizen, RequireStaff};
use crate::{CodeAudience, CurrentSession, EmailAddress, IdentityError, Pending, PendingCode, SessionAccount, StaffId};

/// A redirect (303, so a form post becomes a GET) that also sets a cookie, if any.
pub(super) fn see_other(to: &str, set_cookie: Option<&str>) -> Response {
    let mut response = Redirect::to(to).into_response();
    if let Some(value) = set_cookie.and_then(|c| HeaderValue::from_str(c).ok()) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

/// `return_to` only ever points within this site: a path, never `//host` or a scheme.
pub(super) fn safe_return_to(return_to: Option<&str>) -> Option<String> {
    return_to
        .map(str::trim)
        .filter(|r| r.starts_with('/') && !r.starts_with("//") && !r.contains('\\') && !r.contains("://"))
        .map(str::to_string)
}

#[derive(Deserialize)]
pub(super) struct ReturnTo {
    return_to: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct SignInForm {
    #[serde(default)]
    email: String,
    return_to: Option<String>,
}

#[allow(clippy::too_many_arguments)]
fn sign_in_page(
    state: &IdentityState,
    council: &web::Council,
    visitor: &web::Visitor,
    staff: bool,
    email: &str,
    return_to: Option<&str>,
    errors: web::FormErrors,
    status: StatusCode,
) -> Response {
    let prefix = format!("/{}", council.slug);
    let (title, heading, intro, action) = if staff {
        (
            "Staff sign in",
            format!("Sign in as {} staff", council.name),
            "Enter your work email address. If you have a staff account, we will email you a code.".to_string(),
            format!("{prefix}/staff/sign-in"),
        )
    } else {
        (
            "Sign in",
            "Sign in to your account".to_string(),
            "Enter your email address and we will email you a code. If you do not have an account yet, \
             this creates one. One account works for every council's services here."
                .to_string(),
            format!("{prefix}/sign-in"),
        )
    };
    let passkey = (!staff && state.identity.passkeys_available()).then(|| {
        json!({
            "options": format!("{prefix}/passkeys/sign-in/options"), "finish": format!("{prefix}/passkeys/sign-in"),
            "csrf_token": visitor.csrf_token,
        })
    });
    let external = state.identity.config().external_sign_in.as_ref().filter(|_| !staff).map(|link| {
        let after = return_to.map_or_else(|| format!("{prefix}/account"), str::to_string);
        json!({
            "label": link.label,
            "href": format!("{prefix}/{}?return_to={}", link.path.trim_start_matches('/'), urlencoding::encode(&after)),
        })
    });
    let context = json!({
        "heading": heading, "intro": intro, "action": action, "csrf": visitor.csrf_input(),
        "return_to": return_to, "email": email, "errors": errors.by_field(), "passkey": passkey,
        "external": external,
    });
    state.page(status, Some(council), title, visitor, errors, templates::SIGN_IN, context)
}

pub(super) async fn sign_in(
    State(state): State<IdentityState>,
    Path(slug): Path<String>,
    Extension(visitor): Extension<web::Visitor>,
    Query(query): Query<ReturnTo>,
) -> Response {
    let Some(council) = state.web.council(&slug) else { return state.web.not_found(None) };
    let return_to = safe_return_to(query.return_to.as_deref());
    sign_in_page(&state, &council, &visitor, false, "", return_to.as_deref(), web::FormErrors::new(), StatusCode::OK)
}

pub(super) async fn staff_sign_in(
    State(state): State<IdentityState>,
    Path(slug): Path<String>,
    Extension(visitor): Extension<web::Visitor>,
) -> Response {
    let Some(council) = state.web.council(&slug) else { return state.web.not_found(None) };
    sign_in_page(&state, &council, &visitor, true, "", None, web::FormErrors::new(), StatusCode::OK)
}

pub(super) async fn sign_in_post(
    State(state): State<IdentityState>,
    Path(slug): Path<String>,
    Extension(visitor): Extension<web::Visitor>,
    Extension(session): Extension<CurrentSession>,
    Extension(ip): Extension<ClientIp>,
    Form(form): Form<SignInForm>,
) -> Response {
    start_code_sign_in(state, slug, visitor, session, ip, form, false).await
}

pub(super) async fn staff_sign_in_post(
    State(state): State<IdentityState>,
    Path(slug): Path<String>,
    Extension(visitor): Extension<web::Visitor>,
    Extension(session): Extension<CurrentSession>,
    Extension(ip): Extension<ClientIp>,
    Form(form): Form<SignInForm>,
) -> Response {
    start_code_sign_in(state, slug, visitor, session, ip, form, true).await
}

async fn start_code_sign_in(
    state: IdentityState,
    slug: String,
    visitor: web::Visitor,
    session: CurrentSession,
    ip: ClientIp,
    form: SignInForm,
    staff: bool,
) -> Response {
    let Some(council) = state.web.council(&slug) else { return state.web.not_found(None) };
    let path = format!("/{slug}/sign-in");
    let return_to = safe_return_to(form.return_to.as_deref());
    let email = match EmailAddress::parse(&form.email) {
        Ok(email) => email,
        Err(_) => {
            let mut errors = web::FormErrors::new();
            let message = if form.email.trim().is_empty() {
                "Enter your email address"
            } else {
                "Enter an email address in the correct format, like name@example.com"
            };
            errors.add("email", message);
            return sign_in_page(
                &state,
                &council,
                &visitor,
                staff,
                form.email.trim(),
                return_to.as_deref(),
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            );
        }
    };
    let audience = if staff {
        let councils = store::Councils::new(state.identity.store().clone());
        match state.web.council_and_id(&councils, &slug).await {
            Ok((_, id)) => CodeAudience::Staff(id),
            Err(page) => return page,
        }
    } else {
        CodeAudience::Citizen
    };
    let request = match state.identity.request_code(audience, &email, &ip.0).await {
        Ok(request) => request,
        Err(error) => return state.identity_error(&path, &visitor, &error),
    };
    let pending = Pending {
        code: Some(PendingCode {
            code_id: request.code_id,
            email: email.as_str().to_string(),
            staff_council: staff.then(|| slug.clone()),
        }),
        return_to,
        ..Pending::default()
    };
    match state.identity.save_pending(&session, &pending).await {
        Ok(_) => see_other(&format!("/{slug}/sign-in/code"), None),
        Err(error) => state.error_page(&path, &error),
    }
}

fn code_page(
    state: &IdentityState,
    council: &web::Council,
    visitor: &web::Visitor,
    pending: &PendingCode,
    code: &str,
    errors: web::FormErrors,
    status: StatusCode,
) -> Response {
    let prefix = format!("/{}", council.slug);
    let again =
        if pending.staff_council.is_some() { format!("{prefix}/staff/sign-in") } else { format!("{prefix}/sign-in") };
    let context = json!({
        "email": pending.email, "action": format!("{prefix}/sign-in/code"), "csrf": visitor.csrf_input(),
        "code": code, "errors": errors.by_field(), "again": again,
    });
    state.page(status, Some(council), "Check your email", visitor, errors, templates::CODE, context)
}

pub(super) async fn code(
    State(state): State<IdentityState>,
    Path(slug): Path<String>,
    Extension(visitor): Extension<web::Visitor>,
    Extension(session): Extension<CurrentSession>,
) -> Response {
    let Some(council) = state.web.council(&slug) else { return state.web.not_found(None) };
    match &session.pending.code {
        Some(pending) => code_page(&state, &council, &visitor, pending, "", web::FormErrors::new(), StatusCode::OK),
        None => see_other(&format!("/{slug}/sign-in"), None),
    }
}

#[derive(Deserialize)]
pub(super) struct CodeForm {
    #[serde(default)]
    code: String,
}

pub(super) async fn code_post(
    State(state): State<IdentityState>,
    Path(slug): Path<String>,
    Extension(visitor): Extension<web::Visitor>,
    Extension(session): Extension<CurrentSession>,
    Extension(ip): Extension<ClientIp>,
    Form(form): Form<CodeForm>,
) -> Response {
    let Some(council) = state.web.council(&slug) else { return state.web.not_found(None) };
    let path = format!("/{slug}/sign-in/code");
    let Some(pending) = session.pending.code.clone() else { return see_other(&format!("/{slug}/sign-in"), None) };
    let code = form.code.trim();
    let refuse = |message: &str| {
        let mut errors = web::FormErrors::new();
        errors.add("code", message);
        code_page(&state, &council, &visitor, &pending, code, errors, StatusCode::UNPROCESSABLE_ENTITY)
    };
    if code.is_empty() {
        return refuse("Enter the code from the email");
    }
    let email = match state.identity.verify_code(&pending.code_id, code, &ip.0).await {
        Ok(email) => email,
        Err(IdentityError::WrongCode) => return refuse("The code is not correct. Check the email and try again"),
        Err(IdentityError::CodeNotUsable) => {
            return refuse("The code has expired or has already been used. Send a new code");
        }
        Err(error) => return state.identity_error(&path, &visitor, &error),
    };
    // Keep the address as the person typed it (the code row keeps only the lower-case key).
    let email = EmailAddress::parse(&pending.email).ok().filter(|typed| typed.key() == email.key()).unwrap_or(email);
    let (account, next) = match &pending.staff_council {
        Some(staff_slug) => {
            let Ok(council_slug) = store::CouncilSlug::parse(staff_slug) else { return state.web.not_found(None) };
            let db_council = match store::Councils::new(state.identity.store().clone()).by_slug(&council_slug).await {
                Ok(c) => c,
                Err(e) => return state.error_page(&path, &IdentityError::Store(e)),
            };
            match state.identity.staff_by_email(db_council.id, email.as_str()).await {
                Ok(Some(staff)) => (SessionAccount::Staff(staff.id), format!("/{staff_slug}/staff")),
                Ok(None) => return refuse("The code is not correct. Check the email and try again"),
                Err(error) => return state.error_page(&path, &error),
            }
        }
        None => match state.identity.citizen_for_verified_email(&email).await {
            Ok((citizen, _)) => {
                let after = session.pending.return_to.clone().unwrap_or_else(|| format!("/{slug}/account"));
                let next = if citizen.name.is_empty() {
                    format!("/{slug}/account/name?return_to={}", urlencoding::encode(&after))
                } else {
                    after
                };
                (SessionAccount::Citizen(citizen.id), next)
            }
            Err(error) => return state.error_page(&path, &error),
        },
    };
    match state.identity.start_session(account, Some(&session)).await {
        Ok(new) => see_other(&next, Some(&new.set_cookie)),
        Err(error) => state.error_page(&path, &error),
    }
}

pub(super) async fn name(
    State(state): State<IdentityState>,
    Path(slug): Path<String>,
    citizen: RequireCitizen,
    Query(query): Query<ReturnTo>,
) -> Response {
    let Some(council) = state.web.council(&slug) else { return state.web.not_found(None) };
    let current = match state.identity.citizen(&crate::CitizenId(citizen.citizen.id.clone())).await {
        Ok(c) => c.map(|c| c.name).unwrap_or_default(),
        Err(error) => return state.error_page(&format!("/{slug}/account/name"), &error),
    };
    name_page(&state, &council, &citizen.visitor, &current, query.return_to.as_deref(), web::FormErrors::new())
}

fn name_page(
    state: &IdentityState,
    council: &web::Council,
    visitor: &web::Visitor,
    name: &str,
    return_to: Option<&str>,
    errors: web::FormErrors,
) -> Response {
    let mut action = format!("/{}/account/name", council.slug);
    if let Some(return_to) = safe_return_to(return_to) {
        action = format!("{action}?return_to={}", urlencoding::encode(&return_to));
    }
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let context = json!({ "action": action, "csrf": visitor.csrf_input(), "name": name, "errors": errors.by_field() });
    state.page(status, Some(council), "What is your name?", visitor, errors, templates::NAME, context)
}

#[derive(Deserialize)]
pub(super) struct NameForm {
    #[serde(default)]
    name: String,
}

pub(super) async fn name_post(
    State(state): State<IdentityState>,
    Path(slug): Path<String>,
    citizen: RequireCitizen,
    Query(query): Query<ReturnTo>,
    Form(form): Form<NameForm>,
) -> Response {
    let Some(council) = state.web.council(&slug) else { return state.web.not_found(None) };
    let id = crate::CitizenId(citizen.citizen.id.clone());
    match state.identity.set_citizen_name(&id, &form.name).await {
        Ok(()) => {
            let next = safe_return_to(query.return_to.as_deref()).unwrap_or_else(|| format!("/{slug}/account"));
            see_other(&next, None)
        }
        Err(IdentityError::InvalidName) => {
            let mut errors = web::FormErrors::new();
            let message =
                if form.name.trim().is_empty() { "Enter your name" } else { "Name must be 200 characters or fewer" };
            errors.add("name", message);
            name_page(&state, &council, &citizen.visitor, form.name.trim(), query.return_to.as_deref(), errors)
        }
        Err(error) => state.error_page(&format!("/{slug}/account/name"), &error),
    }
}

pub(super) async fn account(
    State(state): State<IdentityState>,
    Path(slug): Path<String>,
    citizen: RequireCitizen,
) -> Response {
    let Some(council) = state.web.council(&slug) else { return state.web.not_found(None) };
    let id = crate::CitizenId(citizen.citizen.id.clone());
    let (name, passkeys) = match (state.identity.citizen(&id).await, state.identity.passkeys_of(&id).await) {
        (Ok(c), Ok(passkeys)) => (c.map(|c| c.name).unwrap_or_default(), passkeys),
        (Err(error), _) | (_, Err(error)) => return state.error_page(&format!("/{slug}/account"), &error),
    };
    let passkey = state.identity.passkeys_available().then(|| {
        json!({
            "options": format!("/{slug}/passkeys/registration/options"),
            "finish": format!("/{slug}/passkeys/registration"), "csrf_token": citizen.visitor.csrf_token,
        })
    });
    let context = json!({
        "prefix": format!("/{slug}"), "csrf": citizen.visitor.csrf_input(), "name": name,
        "email": citizen.citizen.email, "passkeys": passkeys, "passkey": passkey,
    });
    state.page(
        StatusCode::OK,
        Some(&council),
        "Your account",
        &citizen.visitor,
        web::FormErrors::new(),
        templates::ACCOUNT,
        context,
    )
}

pub(super) async fn sign_out_everywhere(
    State(state): State<IdentityState>,
    Path(slug): Path<String>,
    Extension(session): Extension<CurrentSession>,
    _citizen: RequireCitizen,
) -> Response {
    match state.identity.sign_out_everywhere(&session.account).await {
        Ok(_) => see_other(&format!("/{slug}/"), Some(&state.identity.clear_session_cookie())),
        Err(error) => state.error_page(&format!("/{slug}/account"), &error),
    }
}

pub(super) async fn sign_out(
    State(state): State<IdentityState>,
    Path(slug): Path<String>,
    Extension(visitor): Extension<web::Visitor>,
) -> Response {
    let Some(council) = state.web.council(&slug) else { return state.web.not_found(None) };
    let context = json!({
        "prefix": format!("/{slug}"), "csrf": visitor.csrf_input(), "signed_in": visitor.signed_in().is_some(),
    });
    state.page(
        StatusCode::OK,
        Some(&council),
        "Sign out",
        &visitor,
        web::FormErrors::new(),
        templates::SIGN_OUT,
        context,
    )
}

pub(super) async fn sign_out_post(
    State(state): State<IdentityState>,
    Path(slug): Path<String>,
    Extension(session): Extension<CurrentSession>,
) -> Response {
    match state.identity.delete_session(&session.id_hash).await {
        Ok(()) => see_other(&format!("/{slug}/"), Some(&state.identity.clear_session_cookie())),
        Err(error) => state.error_page(&format!("/{slug}/sign-out"), &error),
    }
}

pub(super) async fn staff_home(
    State(state): State<IdentityState>,
    Path(slug): Path<String>,
    staff: RequireStaff,
) -> Response {
    let Some(council) = state.web.council(&slug) else { return state.web.not_found(None) };
    // The visitor was resolved from the session this request; read the account again so a
    // role removed a moment ago is not shown.
    let roles = match state.identity.staff(&StaffId(staff.staff.id.clone())).await {
        Ok(Some(s)) => s.roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", "),
        Ok(None) => return see_other(&format!("/{slug}/staff/sign-in"), None),
        Err(error) => return state.error_page(&format!("/{slug}/staff"), &error),
    };
    let context = json!({
        "name": staff.staff.name, "council": council.name, "roles": roles,
        "slug": council.slug, "links": council.staff_pages,
    });
    state.page(
        StatusCode::OK,
        Some(&council),
        "Staff home",
        &staff.visitor,
        web::FormErrors::new(),
        templates::STAFF_HOME,
        context,
    )
}

pub(super) async fn dev_emails(
    State(state): State<IdentityState>,
    Extension(visitor): Extension<web::Visitor>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let limit = query.get("limit").and_then(|l| l.parse::<i64>().ok()).unwrap_or(50).clamp(1, 500);
    match state.identity.sandbox().list(limit).await {
        Ok(emails) => state.page(
            StatusCode::OK,
            None,
            "Sandbox mailbox",
            &visitor,
            web::FormErrors::new(),
            templates::DEV_EMAILS,
            json!({ "emails": emails }),
        ),
        Err(error) => state.error_page("/dev/emails", &error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn return_to_stays_on_this_site() {
        assert_eq!(safe_return_to(Some("/exampleshire/permits?x=1")).as_deref(), Some("/exampleshire/permits?x=1"));
        for bad in ["//evil.example", "https://evil.example/", "evil", "/\\evil.example", ""] {
            assert_eq!(safe_return_to(Some(bad)), None, "{bad}");
        }
    }
}
