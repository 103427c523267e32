//! Tenant isolation at the edge: a member of Exampleshire's staff, signed in through the real
//! pages of a live server, walks every staff route of the instance under Northtown's prefix and
//! gets 403 or 404 on each, never Northtown's data, while the same routes under Exampleshire's
//! prefix answer. Runs on SQLite, and on PostgreSQL when configured.

mod common;

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_of_one_council_get_403_or_404_on_every_staff_route_of_another() {
    for (t, _) in common::stores().await {
        common::seed_demo(&t).await;
        let base = common::serve_store(&t, false).await;
        let http = reqwest::Client::builder().redirect(Policy::none()).build().unwrap();
        let cookie = common::staff_sign_in(&http, &base, &t.store, "exampleshire", "admin@exampleshire.example").await;

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
