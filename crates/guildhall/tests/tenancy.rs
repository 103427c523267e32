//! Tenant isolation at the edge: a member of Exampleshire's staff, signed in through the real
//! pages of a live server, walks every staff route of the instance under Northtown's prefix and
//! gets 403 or 404 on each, never Northtown's data, while the same routes under Exampleshire's
//! prefix answer. Runs on SQLite, and on PostgreSQL when configured.

mod common;

use common::{csrf_token, location, session_cookie};
use reqwest::redirect::Policy;

/// Every staff route the instance serves, with `{council}` for the prefix (identity's staff
/// home, the notifications staff pages, the payments settlement page and its CSV). A new staff
/// route belongs in this list.
const STAFF_ROUTES: [&str; 12] = [
    "/{council}/staff",
    "/{council}/staff/notifications",
    "/{council}/staff/notifications/00000000-0000-4000-8000-000000000000",
    "/{council}/staff/notifications/00000000-0000-4000-8000-000000000000/email",
    "/{council}/staff/payments/settlement?day=2026-11-23",
    "/{council}/staff/payments/settlement.csv?day=2026-11-23",
    "/{council}/staff/reports",
    "/{council}/staff/reports.csv?body=exampleshire-county",
    "/{council}/staff/reports.geojson",
    "/{council}/staff/reports/00000000-0000-4000-8000-000000000000",
    "/{council}/staff/cases",
    "/{council}/staff/cases/00000000",
];

/// Signs in at `/{council}/staff/sign-in` with the code from the sandbox mailbox; returns the
/// session cookie, checking that signing in replaced the anonymous session.
async fn staff_sign_in(http: &reqwest::Client, base: &str, store: &store::Store, council: &str, email: &str) -> String {
    let page = http.get(format!("{base}/{council}/staff/sign-in")).send().await.unwrap();
    let anonymous = session_cookie(&page).expect("the sign-in page starts a session");
    let csrf = csrf_token(&page.text().await.unwrap());
    let sent = http
        .post(format!("{base}/{council}/staff/sign-in"))
        .header("cookie", &anonymous)
        .form(&[("csrf_token", csrf.as_str()), ("email", email)])
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), 303, "{}", sent.text().await.unwrap());
    let code_url = format!("{base}{}", location(&sent));
    let identity = identity::Identity::new(store.clone(), identity::IdentityConfig::new(base));
    let mail = identity.sandbox().list(10).await.unwrap();
    let body = &mail.iter().find(|m| m.to == email).expect("a code was emailed").body_text;
    let code: String = body
        .split(|c: char| !c.is_ascii_digit())
        .find(|w| w.len() == 6)
        .expect("a 6-digit code in the email")
        .to_string();
    let entered = http
        .post(&code_url)
        .header("cookie", &anonymous)
        .form(&[("csrf_token", csrf.as_str()), ("code", code.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(entered.status(), 303, "{}", entered.text().await.unwrap());
    let signed_in = session_cookie(&entered).expect("signing in sets a new session");
    assert_ne!(signed_in, anonymous, "a new session id on sign-in");
    signed_in
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_of_one_council_get_403_or_404_on_every_staff_route_of_another() {
    for (t, _) in common::stores().await {
        guildhall::startup::open_store(&t.url).await.unwrap().close().await;
        guildhall::demo::seed(&t.store).await.unwrap();
        let settings =
            guildhall::configuration::Settings { database_url: t.url.clone(), port: 0, ..Default::default() };
        let app = guildhall::startup::Application::build_with_store(settings, t.store.clone()).await.unwrap();
        let base = format!("http://localhost:{}", app.port());
        tokio::spawn(app.run_until_stopped());
        let http = reqwest::Client::builder().redirect(Policy::none()).build().unwrap();
        let cookie = staff_sign_in(&http, &base, &t.store, "exampleshire", "admin@exampleshire.example").await;

        // The staff home page links every staff page of the council, and each link works.
        let home = http.get(format!("{base}/exampleshire/staff")).header("cookie", &cookie).send().await.unwrap();
        let home = home.text().await.unwrap();
        let links: Vec<&str> = home
            .split(r#"href=""#)
            .skip(1)
            .filter_map(|rest| rest.split('"').next())
            .filter(|href| href.starts_with("/exampleshire/staff/"))
            .collect();
        for wanted in ["/exampleshire/staff/cases", "/exampleshire/staff/reports", "/exampleshire/staff/notifications"]
        {
            assert!(links.contains(&wanted), "the staff home page lacks {wanted}: {links:?}");
        }
        for link in links.iter().filter(|l| !l.contains("sign-out")) {
            let answer = http.get(format!("{base}{link}")).header("cookie", &cookie).send().await.unwrap();
            assert_eq!(answer.status(), 200, "{link}, linked from the staff home page");
        }

        for route in STAFF_ROUTES {
            let own = route.replace("{council}", "exampleshire");
            let answer = http.get(format!("{base}{own}")).header("cookie", &cookie).send().await.unwrap();
            if !own.contains("00000000") {
                assert_eq!(answer.status(), 200, "{own} refused its own staff");
            }
            let other = route.replace("{council}", "northtown");
            let answer = http.get(format!("{base}{other}")).header("cookie", &cookie).send().await.unwrap();
            let status = answer.status().as_u16();
            let body = answer.text().await.unwrap();
            assert!(status == 403 || status == 404, "{other} answered {status} to Exampleshire's staff");
            assert!(!body.contains("Nia Northtown"), "{other} showed Northtown's staff");
        }
        t.cleanup().await;
    }
}
