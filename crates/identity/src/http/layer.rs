//! The middleware every request passes through: it resolves the session cookie, puts a
//! [`web::Visitor`], the [`CurrentSession`] and the [`ClientIp`] in the request's extensions,
//! refuses form posts whose anti-forgery token is missing or wrong, and stores a new anonymous
//! session (setting its cookie) only when the response is a page or a handler needed it.
//!
//! Only form bodies (`application/x-www-form-urlencoded`, `multipart/form-data`) are checked:
//! browsers send those cross-site without asking, whereas JSON and bearer-token APIs cannot be
//! posted by a foreign page without CORS and pass through untouched.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::task::{Context, Poll};

use axum::body::{Body, Bytes};
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, HeaderValue, Method, Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tower::{Layer, Service};

use super::IdentityState;
use crate::secret::equal;
use crate::{BoxFuture, SESSION_COOKIE, SessionAccount};

/// The client's IP address as the middleware determined it (peer address, or the last
/// `X-Forwarded-For` entry when configured to trust it), for rate limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientIp(pub String);

/// The tower layer that wraps a router in the identity middleware; see [`super::layer`].
#[derive(Clone)]
pub struct IdentityLayer {
    pub(super) state: IdentityState,
}

impl<S> Layer<S> for IdentityLayer {
    type Service = IdentityService<S>;

    fn layer(&self, inner: S) -> IdentityService<S> {
        IdentityService { inner, state: self.state.clone() }
    }
}

/// The service [`IdentityLayer`] makes.
#[derive(Clone)]
pub struct IdentityService<S> {
    inner: S,
    state: IdentityState,
}

impl<S> Service<Request<Body>> for IdentityService<S>
where
    S: Service<Request<Body>, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = BoxFuture<'static, Result<Response, Infallible>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<Body>) -> Self::Future {
        // The clone that was made ready is the one to call; keep a fresh clone for next time.
        let clone = self.inner.clone();
        let inner = std::mem::replace(&mut self.inner, clone);
        let state = self.state.clone();
        Box::pin(async move { Ok(handle(state, inner, request).await) })
    }
}

/// The value of cookie `name` in the request's `Cookie` headers.
pub(crate) fn read_cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

fn client_ip(request: &Request<Body>, trust_forwarded_for: bool) -> String {
    if trust_forwarded_for
        && let Some(last) = request
            .headers()
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .rfind(|s| !s.is_empty())
    {
        return last.to_string();
    }
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip().to_string())
        .unwrap_or_else(|| "unknown".to_string())
}

/// Whether a request's body is a browser form, which must carry the anti-forgery token.
fn is_form(headers: &HeaderMap) -> bool {
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let essence = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    essence == "application/x-www-form-urlencoded" || essence == "multipart/form-data"
}

/// The anti-forgery token in a buffered form body, if any.
async fn form_token(headers: &HeaderMap, body: &Bytes) -> Option<String> {
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    if content_type.to_ascii_lowercase().starts_with("multipart/form-data") {
        let boundary = multer::parse_boundary(content_type).ok()?;
        let stream = futures_util::stream::once(std::future::ready(Ok::<Bytes, Infallible>(body.clone())));
        let mut multipart = multer::Multipart::new(stream, boundary);
        while let Ok(Some(field)) = multipart.next_field().await {
            if field.name() == Some(web::CSRF_FIELD) {
                return field.text().await.ok();
            }
        }
        None
    } else {
        form_urlencoded::parse(body).find(|(k, _)| k == web::CSRF_FIELD).map(|(_, v)| v.into_owned())
    }
}

async fn handle<S>(state: IdentityState, mut inner: S, request: Request<Body>) -> Response
where
    S: Service<Request<Body>, Response = Response, Error = Infallible> + Send,
    S::Future: Send,
{
    let identity = &state.identity;
    let ip = client_ip(&request, identity.config().trust_forwarded_for);
    let found = match read_cookie(request.headers(), SESSION_COOKIE) {
        Some(raw) => match identity.load_session(&raw).await {
            Ok(found) => found,
            Err(error) => return state.error_page(request.uri().path(), &error),
        },
        None => None,
    };
    let session = found.unwrap_or_else(|| identity.unstored_session());
    let visitor = match state.visitor(&session).await {
        Ok(visitor) => visitor,
        Err(error) => return state.error_page(request.uri().path(), &error),
    };

    let (mut parts, body) = request.into_parts();
    let unsafe_method = !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE);
    let body = if unsafe_method && is_form(&parts.headers) {
        let bytes = match axum::body::to_bytes(body, identity.config().max_form_bytes).await {
            Ok(bytes) => bytes,
            Err(_) => return (StatusCode::PAYLOAD_TOO_LARGE, "The form is too large.").into_response(),
        };
        let token = form_token(&parts.headers, &bytes).await;
        let ok = session.is_stored() && token.is_some_and(|t| equal(&t, &session.csrf_token));
        if !ok {
            return state.forbidden_page(parts.uri.path(), &visitor, FORGED_FORM);
        }
        Body::from(bytes)
    } else {
        body
    };
    parts.extensions.insert(visitor);
    parts.extensions.insert(session.clone());
    parts.extensions.insert(ClientIp(ip));
    parts.extensions.insert(state.clone());
    let path = parts.uri.path().to_string();

    let mut response = match inner.call(Request::from_parts(parts, body)).await {
        Ok(response) => response,
        Err(never) => match never {},
    };

    // A new anonymous session is kept only if the response is a page (whose forms need the
    // token) or a handler already stored it; never over a cookie the handler set itself.
    let sets_own_cookie = response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .any(|v| v.to_str().is_ok_and(|v| v.starts_with(&format!("{SESSION_COOKIE}="))));
    let is_page = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if session.raw_id.is_some() && !sets_own_cookie && matches!(session.account, SessionAccount::Anonymous) {
        let was_stored = session.is_stored();
        if was_stored || is_page {
            if !was_stored && let Err(error) = identity.store_session(&session).await {
                return state.error_page(&path, &error);
            }
            if let Some(raw) = session.raw_id.as_deref()
                && let Ok(value) = HeaderValue::from_str(&identity.session_cookie(raw))
            {
                response.headers_mut().append(header::SET_COOKIE, value);
            }
        }
    }
    response
}

/// What the 403 page says when a form's token is missing or wrong.
const FORGED_FORM: &str = "This form could not be accepted because it was not sent from a page of this \
service, or your session ended. Go back, reload the page and try again.";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_read_by_name_from_every_header() {
        let mut headers = HeaderMap::new();
        headers.append(header::COOKIE, HeaderValue::from_static("a=1; guildhall_session=xyz"));
        headers.append(header::COOKIE, HeaderValue::from_static("b=2"));
        assert_eq!(read_cookie(&headers, SESSION_COOKIE).as_deref(), Some("xyz"));
        assert_eq!(read_cookie(&headers, "b").as_deref(), Some("2"));
        assert_eq!(read_cookie(&headers, "c"), None);
    }

    #[test]
    fn only_browser_form_bodies_are_forms() {
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/x-www-form-urlencoded"));
        assert!(is_form(&headers));
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("Multipart/Form-Data; boundary=x"));
        assert!(is_form(&headers));
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        assert!(!is_form(&headers));
    }

    #[tokio::test]
    async fn the_token_is_found_in_urlencoded_and_multipart_bodies() {
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/x-www-form-urlencoded"));
        let body = Bytes::from_static(b"a=1&csrf_token=abc%2Bd&b=2");
        assert_eq!(form_token(&headers, &body).await.as_deref(), Some("abc+d"));
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("multipart/form-data; boundary=XyZ"));
        let body = Bytes::from_static(
            b"--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--XyZ\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\ntok\r\n--XyZ--\r\n",
        );
        assert_eq!(form_token(&headers, &body).await.as_deref(), Some("tok"));
    }
}
