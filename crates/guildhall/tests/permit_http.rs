//! The parking permit over real HTTP (no browser) against a live serve of the seeded demo, on
//! SQLite and PostgreSQL, when the keeper register disagrees: a resident applies for a vehicle
//! kept at another address, consents, pays on the hosted card pages, and the case is queued
//! with the keeper check's reason and no permit; sending again makes no second case; a
//! caseworker approves it and the permit is appended once, however often the decision is posted.

mod common;

use common::{csrf_token, location, session_cookie};
use registers::{Owner, RegisterName, Registers};

/// A cookie-carrying client that follows nothing by itself, so each step is checked.
struct Visitor {
    http: reqwest::Client,
    base: String,
    cookie: String,
}

impl Visitor {
    fn keep_cookie(&mut self, res: &reqwest::Response) {
        if let Some(c) = session_cookie(res) {
            self.cookie = c;
        }
    }

    async fn get(&mut self, path: &str) -> reqwest::Response {
        let url = if path.starts_with("http") { path.to_string() } else { format!("{}{path}", self.base) };
        let res = self.http.get(url).header("cookie", &self.cookie).send().await.unwrap();
        self.keep_cookie(&res);
        res
    }

    async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        let url = if path.starts_with("http") { path.to_string() } else { format!("{}{path}", self.base) };
        let res = self.http.post(url).header("cookie", &self.cookie).form(form).send().await.unwrap();
        self.keep_cookie(&res);
        res
    }

    /// GETs `path`, following redirects; returns the final path and page.
    async fn page(&mut self, path: &str) -> (String, String) {
        let mut at = path.to_string();
        for _ in 0..10 {
            let res = self.get(&at).await;
            if res.status().is_redirection() {
                at = location(&res);
                continue;
            }
            assert_eq!(res.status(), 200, "GET {at}");
            return (at, res.text().await.unwrap());
        }
        panic!("too many redirects from {path}");
    }

    /// Posts the form of the page at `path` (with its anti-forgery token); returns where it redirects.
    async fn submit(&mut self, path: &str, fields: &[(&str, &str)]) -> String {
        self.submit_to(path, None, fields).await
    }

    /// Posts to `action` (else the page's own path) with the anti-forgery token of the page at `path`.
    async fn submit_to(&mut self, path: &str, action: Option<&str>, fields: &[(&str, &str)]) -> String {
        let (at, html) = self.page(path).await;
        let csrf = csrf_token(&html);
        let mut form = vec![("csrf_token", csrf.as_str())];
        form.extend_from_slice(fields);
        let action = action.map(str::to_string).unwrap_or_else(|| at.split('?').next().unwrap().to_string());
        let res = self.post(&action, &form).await;
        let status = res.status();
        let to = location(&res);
        assert_eq!(status, 303, "POST {action}: {}", res.text().await.unwrap());
        to
    }

    /// Signs in with the emailed code at `sign_in` (citizen or staff).
    async fn sign_in(&mut self, store: &store::Store, sign_in: &str, email: &str) {
        let code_page = self.submit(sign_in, &[("email", email)]).await;
        let identity = identity::Identity::new(store.clone(), identity::IdentityConfig::new(&self.base));
        let mail = identity.sandbox().list(20).await.unwrap();
        let body = &mail.iter().find(|m| m.to == email).expect("a code was emailed").body_text;
        let code = body.split(|c: char| !c.is_ascii_digit()).find(|w| w.len() == 6).expect("a code").to_string();
        self.submit(&code_page, &[("code", &code)]).await;
    }
}

async fn permits(registers: &Registers, council: store::CouncilId) -> u64 {
    let name = RegisterName::parse("parking-permit").unwrap();
    registers.find(Owner::Council(council), &name).await.unwrap().map(|r| r.user_size).unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_keeper_at_another_address_queues_the_case_and_the_caseworker_issues_the_permit_once() {
    // The server's warnings and errors appear with the test's output when it fails.
    let _ = tracing_subscriber::fmt().with_env_filter("warn,sqlx=error").with_test_writer().try_init();
    for (t, registers) in common::stores().await {
        guildhall::startup::open_store(&t.url).await.unwrap().close().await;
        let seeded = guildhall::demo::seed(&t.store).await.unwrap();
        let council =
            store::Councils::new(t.store.clone()).by_slug(&store::CouncilSlug::parse("exampleshire").unwrap()).await;
        let council = council.unwrap().id;
        // EX23MNO is taxed but kept on Market Place; the resident gives EX21ABC's High Street home.
        let home = seeded.vehicles.iter().find(|v| v.registration == "EX21ABC").unwrap().clone();
        let vehicles = registers.get(Owner::National, &RegisterName::parse("vehicle").unwrap()).await.unwrap();
        let keepers = registers.get(Owner::National, &RegisterName::parse("keeper").unwrap()).await.unwrap();
        let keeper = registers.record(&vehicles, "EX21ABC").await.unwrap().items[0].value()["keeper"].clone();
        let uprn = registers.record(&keepers, keeper.as_str().unwrap()).await.unwrap().items[0].value()["address"]
            .as_str()
            .unwrap()
            .to_string();
        identity::Identity::new(t.store.clone(), identity::IdentityConfig::new("http://localhost"))
            .create_citizen("bob@example.com", "Bob Resident")
            .await
            .unwrap();
        let settings =
            guildhall::configuration::Settings { database_url: t.url.clone(), port: 0, ..Default::default() };
        let app = guildhall::startup::Application::build_with_store(settings, t.store.clone()).await.unwrap();
        let base = format!("http://127.0.0.1:{}", app.port());
        tokio::spawn(app.run_until_stopped());
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let mut bob = Visitor { http: http.clone(), base: base.clone(), cookie: String::new() };

        bob.sign_in(&t.store, "/exampleshire/sign-in", "bob@example.com").await;
        let first = bob.submit("/exampleshire/services/parking-permit", &[]).await;
        assert!(first.ends_with("/address"), "{first}");
        let app_path = first.trim_end_matches("/address").to_string();
        let pc = home.postcode.clone();
        let next = bob
            .submit(
                &format!("{first}?postcode={}", urlencoding::encode(&pc)),
                &[("address-postcode", &pc), ("address-uprn", &uprn)],
            )
            .await;
        assert!(next.ends_with("/registration"), "{next}");
        let next = bob.submit(&next, &[("registration", "ex23 mno")]).await;
        assert!(next.ends_with("/check-answers"), "{next}");
        let consent_page = bob.submit(&next, &[]).await;
        assert!(consent_page.starts_with("/exampleshire/consent/"), "{consent_page}");
        let back = bob.submit(&consent_page, &[("decision", "agree")]).await;
        // Having agreed, the citizen goes straight on to the hosted card pages.
        assert!(back.ends_with("/continue"), "{back}");
        let (card_page, _) = bob.page(&back).await;
        assert!(card_page.starts_with("/exampleshire/pay/"), "{card_page}");
        let confirm = bob
            .submit(
                &card_page,
                &[
                    ("card-number", "4444333322221111"),
                    ("expiry-month", "12"),
                    ("expiry-year", "2035"),
                    ("cardholder-name", "Bob Resident"),
                    ("cvc", "123"),
                    ("address-line-1", "1 High Street"),
                    ("address-city", "Exampleton"),
                    ("address-postcode", &pc),
                ],
            )
            .await;
        let paid = bob.submit(&confirm, &[]).await;
        assert!(paid.ends_with("/paid"), "{paid}");
        let (at, confirmation) = bob.page(&paid).await;
        assert!(at.ends_with("/confirmation"), "{at}");
        assert!(confirmation.contains("Application received"), "{confirmation}");
        assert!(confirmation.contains("The keeper register does not show this vehicle kept at your address"));
        assert_eq!(permits(&registers, council).await, 0, "no permit while the case is queued");

        // Sending again (a replayed form) shows the same case and makes no other.
        let (_, check) = bob.page(&format!("{app_path}/check-answers")).await;
        assert!(check.contains("Application received") || check.contains("already sent"), "{check}");

        // The caseworker finds it in the queue with its reason and approves it.
        let mut staff = Visitor { http: http.clone(), base: base.clone(), cookie: String::new() };
        staff.sign_in(&t.store, "/exampleshire/staff/sign-in", "admin@exampleshire.example").await;
        let (_, queue) = staff.page("/exampleshire/staff/cases").await;
        let marker = "/exampleshire/staff/cases/";
        let cases: std::collections::BTreeSet<String> = queue
            .match_indices(marker)
            .map(|(i, _)| queue[i + marker.len()..].chars().take_while(char::is_ascii_digit).collect::<String>())
            .filter(|id| !id.is_empty())
            .collect();
        assert_eq!(cases.len(), 1, "one case: {cases:?}");
        let case = format!("{marker}{}", cases.iter().next().unwrap());
        let (_, detail) = staff.page(&case).await;
        assert!(detail.contains("The keeper register does not show this vehicle kept at your address"));
        let decide = format!("{case}/decide");
        staff.submit_to(&case, Some(&decide), &[("decision", "approve"), ("reason", "Bob showed us his V5C")]).await;
        assert_eq!(permits(&registers, council).await, 1, "the approval issued the permit");

        // The decision form posted again (a replay, with the token it carried) changes nothing.
        let csrf = csrf_token(&detail);
        let res = staff
            .post(&format!("{case}/decide"), &[("csrf_token", &csrf), ("decision", "approve"), ("reason", "again")])
            .await;
        assert!(!res.status().is_server_error(), "{}", res.status());
        assert_eq!(permits(&registers, council).await, 1, "issued once");
        let (_, done) = bob.page(&format!("{app_path}/confirmation")).await;
        assert!(done.contains("Permit issued"), "{done}");
        t.cleanup().await;
    }
}
