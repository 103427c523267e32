//! The web router over real HTTP on 127.0.0.1: pages, branding, assets, errors and forms.

use web::{Contact, Council, FormErrors, Layout, Page, ServiceLink, SignedIn, WebState};

fn councils() -> Vec<Council> {
    vec![
        Council::new("exampleshire", "Exampleshire County Council", "#00703c")
            .unwrap()
            .with_contact(Contact {
                email: "webmaster@exampleshire.example".into(),
                phone: None,
                address: vec!["County Hall".into()],
            })
            .with_services(vec![ServiceLink {
                title: "Report a <problem>".into(),
                path: "/report".into(),
                description: "Potholes, fly-tipping and street lights.".into(),
            }]),
        Council::new("northtown", "Northtown Borough Council", "#f9d71c").unwrap(),
    ]
}

async fn serve() -> String {
    let state = WebState::new("Guildhall", councils()).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, web::router(state)).await.unwrap() });
    url
}

async fn get(url: &str) -> (u16, String, reqwest::header::HeaderMap) {
    let response = reqwest::get(url).await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, response.text().await.unwrap(), headers)
}

#[tokio::test]
async fn a_council_start_page_carries_its_name_stylesheet_and_footer_links() {
    let url = serve().await;
    let (status, html, _) = get(&format!("{url}/exampleshire/")).await;
    assert_eq!(status, 200);
    assert!(html.contains(r#"<html lang="en" class="govuk-template">"#));
    assert!(html.contains("govuk-generic-header"));
    assert!(html.contains("Exampleshire County Council"));
    assert!(html.contains(r#"href="/exampleshire/brand.css""#));
    for link in
        ["/exampleshire/accessibility", "/exampleshire/cookies", "/exampleshire/privacy", "/exampleshire/sign-in"]
    {
        assert!(html.contains(&format!(r#"href="{link}""#)), "no link to {link}");
    }
    assert!(!html.contains("govuk-footer__crown"), "a council page must not show the crown");
    assert!(html.contains("govuk-frontend-supported"));
}

#[tokio::test]
async fn a_council_start_page_lists_its_services_and_only_its_own() {
    let url = serve().await;
    let (_, html, _) = get(&format!("{url}/exampleshire/")).await;
    assert!(html.contains(r#"href="/exampleshire/report""#), "{html}");
    assert!(html.contains("Report a &lt;problem&gt;"), "a service's title is escaped");
    assert!(html.contains("Potholes, fly-tipping and street lights."));
    let (_, html, _) = get(&format!("{url}/northtown/")).await;
    assert!(!html.contains("council-services"), "Northtown offers no services");
}

#[tokio::test]
async fn the_static_pages_are_filled_from_the_council() {
    let url = serve().await;
    for (path, text) in [
        ("accessibility", "Accessibility statement for Exampleshire County Council online services"),
        ("cookies", "only use cookies that are essential"),
        ("privacy", "Exampleshire County Council is the data controller"),
    ] {
        let (status, html, _) = get(&format!("{url}/exampleshire/{path}")).await;
        assert_eq!(status, 200, "{path}");
        assert!(html.contains(text), "{path} lacks {text:?}");
        assert!(html.contains("webmaster@exampleshire.example"), "{path} lacks the contact");
    }
}

#[tokio::test]
async fn brand_css_overrides_govuk_custom_properties_and_darkens_a_pale_colour() {
    let url = serve().await;
    let (status, css, headers) = get(&format!("{url}/exampleshire/brand.css")).await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "text/css; charset=utf-8");
    assert!(css.contains("--govuk-brand-colour: #00703c;"));
    let (_, css, _) = get(&format!("{url}/northtown/brand.css")).await;
    assert!(!css.contains("--govuk-brand-colour: #f9d71c;"), "pale yellow must be darkened: {css}");
    assert!(css.contains("requested #f9d71c"));
}

#[tokio::test]
async fn assets_are_served_with_types_and_long_cache_lifetimes() {
    let url = serve().await;
    for (path, content_type) in [
        ("govuk-frontend.min.css", "text/css; charset=utf-8"),
        ("govuk-frontend.min.js", "text/javascript; charset=utf-8"),
        ("guildhall/init.mjs", "text/javascript; charset=utf-8"),
        ("fonts/bold-b542beb274-v2.woff2", "font/woff2"),
        ("images/favicon.svg", "image/svg+xml"),
        ("manifest.json", "application/manifest+json"),
    ] {
        let (status, _, headers) = get(&format!("{url}/assets/{path}")).await;
        assert_eq!(status, 200, "{path}");
        assert_eq!(headers["content-type"], content_type, "{path}");
        assert_eq!(headers["cache-control"], "public, max-age=31536000, immutable", "{path}");
    }
    let (_, css, _) = get(&format!("{url}/assets/govuk-frontend.min.css")).await;
    assert!(!css.contains("GDS Transport"), "the GOV.UK typeface must not be used by councils");
    assert!(css.contains("--govuk-brand-colour"));
    let (status, _, _) = get(&format!("{url}/assets/nothing.css")).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn unknown_pages_get_the_branded_404_page() {
    let url = serve().await;
    let (status, html, _) = get(&format!("{url}/exampleshire/no-such-page")).await;
    assert_eq!(status, 404);
    assert!(html.contains("Page not found") && html.contains("Exampleshire County Council"));
    let (status, html, _) = get(&format!("{url}/no-such-council/")).await;
    assert_eq!(status, 404);
    assert!(html.contains("Page not found") && html.contains("Guildhall"));
}

#[tokio::test]
async fn the_site_root_lists_the_councils() {
    let url = serve().await;
    let (status, html, _) = get(&format!("{url}/")).await;
    assert_eq!(status, 200);
    assert!(html.contains(r#"href="/northtown/""#));
}

#[tokio::test]
async fn an_invalid_form_shows_the_error_summary_and_inline_errors_and_keeps_answers() {
    let url = serve().await;
    let client = reqwest::Client::new();
    let response = client
        .post(format!("{url}/exampleshire/example-form"))
        .form(&[("name", "Ada <Lovelace>"), ("email", "not-an-email"), ("topic", "bins")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 422);
    let html = response.text().await.unwrap();
    assert!(html.contains("<title>Error: Contact the council"));
    assert!(html.contains("govuk-error-summary"));
    assert!(html.contains(r##"href="#email""##));
    assert!(html.contains(r#"id="email-error""#));
    assert!(html.contains("Enter an email address in the correct format"));
    assert!(html.contains(r##"href="#dob-day""##));
    assert!(html.contains("Ada &lt;Lovelace&gt;"), "answers are kept, escaped");
    assert!(!html.contains(r##"href="#name""##));
}

#[tokio::test]
async fn a_valid_form_shows_the_confirmation_panel() {
    let url = serve().await;
    let client = reqwest::Client::new();
    let response = client
        .post(format!("{url}/exampleshire/example-form"))
        .form(&[
            ("name", "Ada Lovelace"),
            ("email", "ada@example.com"),
            ("dob-day", "10"),
            ("dob-month", "12"),
            ("dob-year", "1985"),
            ("topic", "bins"),
            ("message", "My bin was not collected."),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let html = response.text().await.unwrap();
    assert!(html.contains("govuk-panel--confirmation") && html.contains("Message sent"));
}

#[test]
fn a_page_shows_who_is_signed_in_and_a_sign_out_link() {
    let council = councils().remove(0);
    let mut errors = FormErrors::new();
    errors.add("email", "Enter your email address");
    let layout = Layout::new("Guildhall", Some(council), "Your account")
        .signed_in(Some(SignedIn { name: "Ada <Lovelace>".into() }))
        .with_errors(errors)
        .with_phase("Beta");
    let content = web::render_fragment(
        "account",
        r#"{% from "govuk/components/tag/macro.jinja" import govukTag %}<h1 class="govuk-heading-l">Hi {{ name }}</h1>{{ govukTag({"text": "Active"}) }}"#,
        serde_json::json!({ "name": "<b>" }),
    )
    .unwrap();
    let html = web::render(&Page { layout, content }).unwrap().0;
    assert!(html.contains("Signed in as Ada &lt;Lovelace&gt;"));
    assert!(html.contains(r#"href="/exampleshire/sign-out""#));
    assert!(html.contains("Hi &lt;b&gt;") && html.contains("govuk-tag"));
    assert!(html.contains("<title>Error: Your account – Exampleshire County Council</title>"));
    assert!(html.contains("govuk-phase-banner"));
}
