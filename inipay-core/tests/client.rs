//! The gateway client against tiny local servers on 127.0.0.1: timeouts,
//! connect failures, statuses, size limits, retry rules and log redaction.

use inipay_core::client::{Call, ClientConfig, ClientError, FORM_CONTENT_TYPE, GatewayClient};
use inipay_core::config::{Endpoints, Merchant, Origin, test_keys};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

fn origin() -> Origin {
    Merchant::test(
        "INIpayTest",
        test_keys::inipay_test(),
        Endpoints::sandbox("http://127.0.0.1:1").unwrap(),
    )
    .unwrap()
    .origin()
}

fn fast() -> ClientConfig {
    ClientConfig {
        connect_timeout: Duration::from_millis(500),
        total_timeout: Duration::from_millis(300),
        ..ClientConfig::default()
    }
}

enum Behaviour {
    Reply(&'static str, Vec<u8>),
    Hang,
}

type Seen = Arc<tokio::sync::Mutex<Vec<u8>>>;

/// Accepts connections, reads one request head + body, answers per `behaviour`.
/// Returns the URL, a counter of accepted connections and the last request.
async fn server(behaviour: Behaviour) -> (String, Arc<AtomicUsize>, Seen) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let count = Arc::new(AtomicUsize::new(0));
    let last: Seen = Arc::default();
    let (c, l) = (count.clone(), last.clone());
    let behaviour = Arc::new(behaviour);
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            c.fetch_add(1, Ordering::SeqCst);
            let b = behaviour.clone();
            let l = l.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 65536];
                let mut got = Vec::new();
                loop {
                    let n = sock.read(&mut buf).await.unwrap_or(0);
                    if n == 0 {
                        break;
                    }
                    got.extend_from_slice(&buf[..n]);
                    if let Some(p) = got.windows(4).position(|w| w == b"\r\n\r\n") {
                        let head = String::from_utf8_lossy(&got[..p]).to_ascii_lowercase();
                        let len = head
                            .lines()
                            .find_map(|l| {
                                l.strip_prefix("content-length:")
                                    .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                            })
                            .unwrap_or(0);
                        if got.len() >= p + 4 + len {
                            break;
                        }
                    }
                }
                *l.lock().await = got;
                match &*b {
                    Behaviour::Reply(status, body) => {
                        let head = format!(
                            "HTTP/1.1 {status}\r\nContent-Type: text/plain; charset=euc-kr\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                            body.len()
                        );
                        let _ = sock.write_all(head.as_bytes()).await;
                        let _ = sock.write_all(body).await;
                    }
                    Behaviour::Hang => {
                        tokio::time::sleep(Duration::from_secs(30)).await;
                    }
                }
            });
        }
    });
    (format!("http://{addr}/smart/payReq.ini"), count, last)
}

#[tokio::test]
async fn euc_kr_reply_bytes_arrive_unchanged() {
    let (body, _, _) = encoding_rs::EUC_KR.encode("P_STATUS=00&P_RMESG1=성공");
    let (url, _, last) = server(Behaviour::Reply("200 OK", body.to_vec())).await;
    let client = GatewayClient::new(fast()).unwrap();
    let reply = client
        .post(
            &origin(),
            Call::Approval,
            &url,
            b"P_MID=INIpayTest&P_TID=T".to_vec(),
            FORM_CONTENT_TYPE,
        )
        .await
        .unwrap();
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body, body.to_vec());
    let req = String::from_utf8_lossy(&last.lock().await).to_string();
    assert!(req.starts_with("POST /smart/payReq.ini HTTP/1.1"), "{req}");
    assert!(
        req.to_ascii_lowercase()
            .contains("content-type: application/x-www-form-urlencoded"),
        "{req}"
    );
    assert!(req.ends_with("P_MID=INIpayTest&P_TID=T"), "{req}");
}

#[tokio::test]
async fn approval_timeout_is_outcome_unknown_and_never_retried() {
    let (url, count, _) = server(Behaviour::Hang).await;
    let client = GatewayClient::new(ClientConfig {
        idempotent_retries: 3,
        ..fast()
    })
    .unwrap();
    let err = client
        .post(
            &origin(),
            Call::Approval,
            &url,
            b"x".to_vec(),
            FORM_CONTENT_TYPE,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::Timeout(_)), "{err:?}");
    assert!(err.is_outcome_unknown());
    assert_eq!(
        count.load(Ordering::SeqCst),
        1,
        "a non-idempotent call is sent once"
    );
}

#[tokio::test]
async fn inquiry_is_retried_on_timeout() {
    let (url, count, _) = server(Behaviour::Hang).await;
    let client = GatewayClient::new(ClientConfig {
        idempotent_retries: 2,
        ..fast()
    })
    .unwrap();
    let err = client
        .post(
            &origin(),
            Call::Inquiry,
            &url,
            b"x".to_vec(),
            FORM_CONTENT_TYPE,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::Timeout(_)));
    assert_eq!(count.load(Ordering::SeqCst), 3, "1 attempt + 2 retries");
}

#[tokio::test]
async fn refused_connection_is_a_connect_error_with_known_outcome() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let client = GatewayClient::new(fast()).unwrap();
    let err = client
        .post(
            &origin(),
            Call::NetCancel,
            &format!("http://127.0.0.1:{port}/x"),
            vec![],
            FORM_CONTENT_TYPE,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::Connect(_)), "{err:?}");
    assert!(!err.is_outcome_unknown());
}

#[tokio::test]
async fn server_error_keeps_the_body() {
    let (url, _, _) = server(Behaviour::Reply(
        "500 Internal Server Error",
        b"oops".to_vec(),
    ))
    .await;
    let client = GatewayClient::new(fast()).unwrap();
    let err = client
        .post(&origin(), Call::Refund, &url, vec![], FORM_CONTENT_TYPE)
        .await
        .unwrap_err();
    assert!(err.is_outcome_unknown());
    match err {
        ClientError::Status { status, reply } => {
            assert_eq!(status, 500);
            assert_eq!(reply.body, b"oops");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn oversized_body_is_refused() {
    let (url, _, _) = server(Behaviour::Reply("200 OK", vec![b'a'; 4096])).await;
    let client = GatewayClient::new(ClientConfig {
        max_body_bytes: 1024,
        ..fast()
    })
    .unwrap();
    let err = client
        .post(&origin(), Call::Inquiry, &url, vec![], FORM_CONTENT_TYPE)
        .await
        .unwrap_err();
    assert!(
        matches!(err, ClientError::BodyTooLarge { limit: 1024 }),
        "{err:?}"
    );
}

#[tokio::test]
async fn bad_url_is_typed() {
    let client = GatewayClient::new(fast()).unwrap();
    let err = client
        .post(
            &origin(),
            Call::Approval,
            "ftp://x/y",
            vec![],
            FORM_CONTENT_TYPE,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::BadUrl));
}

/// A writer that appends log output to a shared buffer.
#[derive(Clone, Default)]
struct Sink(Arc<std::sync::Mutex<Vec<u8>>>);
impl std::io::Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn logs_name_the_call_but_never_the_body() {
    let sink = Sink::default();
    let writer = sink.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let secret_body =
        b"refundAcctNum=1002856123456&billKey=734f880246ece4ffdba841c1436399c9968d32cc".to_vec();
    let (url, _, _) = server(Behaviour::Reply(
        "500 Internal Server Error",
        b"P_CARD_NUM=4111111111111111".to_vec(),
    ))
    .await;
    let client = GatewayClient::new(fast()).unwrap();
    let _ = client
        .post(
            &origin(),
            Call::Refund,
            &url,
            secret_body,
            FORM_CONTENT_TYPE,
        )
        .await;
    let logs = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("inicis_call") && logs.contains("refund") && logs.contains("INIpayTest"),
        "{logs}"
    );
    for secret in [
        "1002856123456",
        "734f880246ece4ffdba841c1436399c9968d32cc",
        "4111111111111111",
        "ItEQKi3rY7uvDS8l",
    ] {
        assert!(!logs.contains(secret), "log leaked {secret}: {logs}");
    }
}
