//! The staff notification pages on a real port, on SQLite and PostgreSQL: the council's staff see
//! each service's recent notifications with their statuses and the email as sent (personalisation
//! escaped); another council's staff, citizens and anonymous visitors get 404.

use axum::Extension;
use notifications::pages::{PagesState, router};
use notifications::{KeyType, Notify, SendRequest, TemplateType, auth};
use serde_json::json;
use store::{CouncilSlug, Councils};

fn staff_of(slug: &str) -> web::Visitor {
    let mut visitor = web::Visitor::anonymous("token");
    visitor.staff = Some(web::VisitorStaff {
        id: "s1".into(),
        name: "Sam Clerk".into(),
        council_id: 1,
        council_slug: slug.into(),
        roles: vec!["caseworker".into()],
    });
    visitor
}

async fn serve(notify: &Notify, visitor: web::Visitor) -> String {
    let councils = vec![
        web::Council::new("exampleshire", "Exampleshire", "#1d70b8").expect("council"),
        web::Council::new("otherborough", "Otherborough", "#00703c").expect("council"),
    ];
    let web = web::WebState::new("Guildhall", councils).expect("web");
    let app = router(PagesState::new(notify.clone(), web)).layer(Extension(visitor));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    base
}

async fn get(url: &str) -> (u16, String) {
    let res = reqwest::get(url).await.expect("get");
    (res.status().as_u16(), res.text().await.expect("text"))
}

#[tokio::test]
async fn council_staff_see_recent_notifications_and_the_email_as_sent_and_nobody_else_does() {
    for t in store::testing::all().await {
        Notify::migrate(&t.store).await.expect("migrate");
        let councils = Councils::new(t.store.clone());
        let council =
            councils.create(&CouncilSlug::parse("exampleshire").expect("slug"), "Exampleshire").await.expect("c");
        let other =
            councils.create(&CouncilSlug::parse("otherborough").expect("slug"), "Otherborough").await.expect("c");
        let notify = Notify::new(t.store.clone());
        let service = notify.create_service(council.id, "Bins and recycling").await.expect("service");
        notify.create_service(council.id, "Parking").await.expect("service");
        let key = notify.create_key(service, KeyType::Live, "k").await.expect("key");
        let template = notify
            .create_template(service, TemplateType::Email, "Bill", Some("Your ((day)) collection"), "Dear ((name))")
            .await
            .expect("template");
        let (svc, secret) = auth::split_api_key(&key).expect("key");
        let caller = notify
            .authenticate(Some(&format!("Bearer {}", auth::create_token(svc, secret, auth::now_seconds()))))
            .await
            .expect("auth");
        let request = SendRequest::from_json(
            TemplateType::Email,
            &json!({"email_address": "resident@example.org", "template_id": template.to_string(),
                    "personalisation": {"name": "<script>alert(1)</script>", "day": "Monday"}}),
        )
        .expect("request");
        let sent = notify.send(&caller, request).await.expect("send");
        let other_service = notify.create_service(other.id, "Other").await.expect("service");
        let other_key = notify.create_key(other_service, KeyType::Live, "k").await.expect("key");
        let (osvc, osecret) = auth::split_api_key(&other_key).expect("key");
        let other_caller = notify
            .authenticate(Some(&format!("Bearer {}", auth::create_token(osvc, osecret, auth::now_seconds()))))
            .await
            .expect("auth");
        let other_template =
            notify.create_template(other_service, TemplateType::Sms, "t", None, "Hi").await.expect("template");
        let theirs = notify
            .send(
                &other_caller,
                SendRequest::from_json(
                    TemplateType::Sms,
                    &json!({"phone_number": "07700900123", "template_id": other_template.to_string()}),
                )
                .expect("request"),
            )
            .await
            .expect("send");

        let base = serve(&notify, staff_of("exampleshire")).await;
        let (status, html) = get(&format!("{base}/exampleshire/staff/notifications")).await;
        assert_eq!(status, 200, "{:?}: {html}", t.backend());
        assert!(html.contains("Bins and recycling") && html.contains("Parking"), "{html}");
        assert!(html.contains("resident@example.org") && html.contains("created"), "{html}");
        assert!(html.contains(&format!("/exampleshire/staff/notifications/{}", sent.id)));
        assert!(!html.contains("447700900123"), "another council's notifications are not listed");

        let (status, html) = get(&format!("{base}/exampleshire/staff/notifications/{}", sent.id)).await;
        assert_eq!(status, 200, "{html}");
        assert!(
            html.contains(&format!("/exampleshire/staff/notifications/{}/email", sent.id)) && html.contains("<iframe")
        );
        let (status, email) = get(&format!("{base}/exampleshire/staff/notifications/{}/email", sent.id)).await;
        assert_eq!(status, 200);
        assert!(email.contains("Your Monday collection"), "{email}");
        assert!(email.contains("&lt;script&gt;") && !email.contains("<script>"), "{email}");
        let (status, _) = get(&format!("{base}/exampleshire/staff/notifications/{}", theirs.id)).await;
        assert_eq!(status, 404, "another council's notification through this council's URL");
        let (status, _) = get(&format!("{base}/exampleshire/staff/notifications/not-a-uuid")).await;
        assert_eq!(status, 404);
        let (status, _) = get(&format!("{base}/otherborough/staff/notifications")).await;
        assert_eq!(status, 404, "staff of one council do not see another's page");

        let anonymous = serve(&notify, web::Visitor::anonymous("token")).await;
        assert_eq!(get(&format!("{anonymous}/exampleshire/staff/notifications")).await.0, 404);
        let mut citizen = web::Visitor::anonymous("token");
        citizen.citizen =
            Some(web::VisitorCitizen { id: "c1".into(), name: "Ada".into(), email: "ada@example.org".into() });
        let citizen = serve(&notify, citizen).await;
        assert_eq!(get(&format!("{citizen}/exampleshire/staff/notifications/{}/email", sent.id)).await.0, 404);
        t.cleanup().await;
    }
}
