//! The SMTP provider against a real SMTP conversation on 127.0.0.1: a tiny in-test SMTP server
//! records what it receives; the worker delivers a committed email through it and records the
//! provider, and when the relay is down the chain fails over to the sandbox.

use std::sync::{Arc, Mutex};

use notifications::testing::exampleshire;
use notifications::{KeyType, Providers, SandboxProvider, SendRequest, SmtpProvider, TemplateType, WorkerConfig, auth};
use serde_json::json;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// Accepts SMTP sessions and keeps each message's DATA.
async fn smtp_server() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let received = Arc::new(Mutex::new(Vec::new()));
    let store = received.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let store = store.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                write.write_all(b"220 test ESMTP\r\n").await.ok();
                let mut data: Option<String> = None;
                while let Ok(Some(line)) = lines.next_line().await {
                    if let Some(body) = data.as_mut() {
                        if line == "." {
                            store.lock().expect("lock").push(std::mem::take(body));
                            data = None;
                            write.write_all(b"250 queued\r\n").await.ok();
                        } else {
                            body.push_str(&line);
                            body.push('\n');
                        }
                        continue;
                    }
                    let verb = line.get(..4).unwrap_or("").to_ascii_uppercase();
                    let reply: &[u8] = match verb.as_str() {
                        "EHLO" => b"250-test\r\n250 8BITMIME\r\n",
                        "HELO" | "MAIL" | "RCPT" | "RSET" | "NOOP" => b"250 ok\r\n",
                        "DATA" => {
                            data = Some(String::new());
                            b"354 go ahead\r\n"
                        }
                        "QUIT" => {
                            write.write_all(b"221 bye\r\n").await.ok();
                            break;
                        }
                        _ => b"500 unknown\r\n",
                    };
                    write.write_all(reply).await.ok();
                }
            });
        }
    });
    (format!("smtp://{addr}"), received)
}

#[tokio::test]
async fn an_email_goes_out_over_smtp_and_fails_over_to_the_sandbox_when_the_relay_is_down() {
    let t = store::testing::sqlite().await;
    let (notify, council) = exampleshire(&t).await;
    let service = notify.create_service(council.id, "Council tax").await.expect("service");
    let key = notify.create_key(service, KeyType::Live, "k").await.expect("key");
    let template = notify
        .create_template(service, TemplateType::Email, "Bill", Some("Your bill"), "# Bill\n\nDear ((name))")
        .await
        .expect("template");
    let (svc, secret) = auth::split_api_key(&key).expect("key");
    let caller = notify
        .authenticate(Some(&format!("Bearer {}", auth::create_token(svc, secret, auth::now_seconds()))))
        .await
        .expect("auth");
    let request = SendRequest::from_json(
        TemplateType::Email,
        &json!({"email_address": "payer@example.org", "template_id": template.to_string(), "personalisation": {"name": "Ada <b>"}}),
    )
    .expect("request");

    let (url, received) = smtp_server().await;
    let smtp = Arc::new(SmtpProvider::new("smtp", &url, "Council <notify@example.gov.uk>").expect("smtp"));
    let first = notify.send(&caller, request.clone()).await.expect("send");
    let providers = Providers { email: vec![smtp], ..Providers::default() };
    assert_eq!(notify.deliver_batch(&providers, &WorkerConfig::default()).await.expect("deliver"), 1);
    let sent = received.lock().expect("lock").clone();
    assert_eq!(sent.len(), 1);
    assert!(sent[0].contains("Subject: Your bill"), "{}", sent[0]);
    assert!(sent[0].contains("text/html") && sent[0].contains("text/plain"), "{}", sent[0]);
    let n = notify.notification(&caller.service_id, first.id.parse().expect("uuid")).await.expect("n");
    assert_eq!((n.status.as_str(), n.provider.as_deref()), ("sending", Some("smtp")));

    // A relay that is not listening: the chain hands the message to the sandbox instead.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let dead_url = format!("smtp://{}", closed.local_addr().expect("addr"));
    drop(closed);
    let dead = Arc::new(SmtpProvider::new("smtp", &dead_url, "notify@example.gov.uk").expect("smtp"));
    let sandbox = Arc::new(SandboxProvider::new(t.store.clone(), "sandbox"));
    let second = notify.send(&caller, request).await.expect("send");
    let providers = Providers { email: vec![dead, sandbox], ..Providers::default() };
    assert_eq!(notify.deliver_batch(&providers, &WorkerConfig::default()).await.expect("deliver"), 1);
    let n = notify.notification(&caller.service_id, second.id.parse().expect("uuid")).await.expect("n");
    assert_eq!((n.status.as_str(), n.provider.as_deref()), ("delivered", Some("sandbox")));
    t.cleanup().await;
}
