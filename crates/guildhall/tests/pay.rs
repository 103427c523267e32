//! The payments platform through the real binary: `guildhall pay key create` in the shape
//! outside scripts use (the key alone on the last line), then a payment taken through a live
//! `guildhall serve` as a service and a citizen would: created over Pay's API, paid on the hosted
//! card pages behind the identity layer (a form without the session's anti-forgery token is
//! refused), and read back as a success holding only the card's last four digits.
//! Runs on SQLite, and on PostgreSQL when configured.

mod common;

use common::{Server, csrf_token, guildhall, location, session_cookie, stderr};
use reqwest::redirect::Policy;
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scripted_key_takes_a_payment_through_the_hosted_pages_of_a_live_server() {
    for (t, _) in common::stores().await {
        let url = t.url.as_str();
        let key = common::exampleshire_pay_key(url, "parking");
        assert!(key.starts_with("api_test_"), "Pay's key shape: {key}");
        let refused = guildhall(url, &["pay", "key", "create", "--council", "nowhere", "--type", "test", "x"]);
        assert_eq!(refused.status.code(), Some(2));
        assert!(stderr(&refused).contains("nowhere"), "{}", stderr(&refused));
        let refused = guildhall(url, &["pay", "key", "create", "--council", "exampleshire", "--type", "gold", "x"]);
        assert!(stderr(&refused).contains("test, live"), "{}", stderr(&refused));

        let server = Server::start(url);
        let http = reqwest::Client::builder().redirect(Policy::none()).build().unwrap();
        let created = http
            .post(format!("{}/v1/payments", server.base))
            .bearer_auth(&key)
            .json(&json!({ "amount": 2500, "reference": "PERMIT-1", "description": "Resident parking permit",
                           "return_url": "https://example.org/permit/done" }))
            .send()
            .await
            .unwrap();
        assert_eq!(created.status(), 201);
        let payment: Value = created.json().await.unwrap();
        let id = payment["payment_id"].as_str().unwrap().to_string();
        let next_url = payment["_links"]["next_url"]["href"].as_str().unwrap().to_string();
        assert!(next_url.contains("/exampleshire/pay/secure/"), "{next_url}");

        let opened = http.get(&next_url).send().await.unwrap();
        assert_eq!(opened.status(), 303);
        let card_url = format!("{}{}", server.base, location(&opened));
        let card_page = http.get(&card_url).send().await.unwrap();
        assert_eq!(card_page.status(), 200);
        let cookie = session_cookie(&card_page).expect("the card page starts a session");
        let csrf = csrf_token(&card_page.text().await.unwrap());
        let card = |token: &str| {
            vec![
                ("csrf_token", token.to_string()),
                ("card-number", "4444 3333 2222 1111".to_string()),
                ("expiry-month", "12".to_string()),
                ("expiry-year", "2035".to_string()),
                ("cardholder-name", "Ada Lovelace".to_string()),
                ("cvc", "123".to_string()),
                ("address-line-1", "1 High Street".to_string()),
                ("address-city", "Exampleton".to_string()),
                ("address-postcode", "ZX1 1AA".to_string()),
                ("address-country", "GB".to_string()),
            ]
        };
        let forged = http.post(&card_url).header("cookie", &cookie).form(&card("forged")).send().await.unwrap();
        assert_eq!(forged.status(), 403, "a form without the session's token is refused");
        let submitted = http.post(&card_url).header("cookie", &cookie).form(&card(&csrf)).send().await.unwrap();
        assert_eq!(submitted.status(), 303, "{}", submitted.text().await.unwrap());
        let confirm_url = format!("{}{}", server.base, location(&submitted));
        let confirmed = http
            .post(&confirm_url)
            .header("cookie", &cookie)
            .form(&[("csrf_token", csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(confirmed.status(), 303);
        assert_eq!(location(&confirmed), "https://example.org/permit/done");

        let read: Value = http
            .get(format!("{}/v1/payments/{id}", server.base))
            .bearer_auth(&key)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(read["state"]["status"], "success", "{read}");
        assert_eq!(read["card_details"]["last_digits_card_number"], "1111", "{read}");
        assert!(!read.to_string().contains("4444333322221111"), "no full card number comes back: {read}");
        drop(server);
        t.cleanup().await;
    }
}
