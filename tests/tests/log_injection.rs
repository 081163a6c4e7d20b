//! Log injection over real HTTP, every adapter (issue 16): a notification
//! whose field name carries `%0A` and a forged log line, and whose bytes are
//! valid in neither charset, was once written into the app's log as a line
//! of its own (`INFO paid: ship the goods ...`). Every text from outside is
//! escaped or recorded as a structured field, so each log event is exactly
//! one line.
//!
//! Own test binary: it installs the process-wide `tracing` subscriber that
//! captures what the app logs.

use inipay_tests::conformance::{Harness, Serve, actix, axum, rocket};
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tracing_subscriber::fmt::MakeWriter;

/// Everything the app logged, and how many events the subscriber wrote (it
/// asks for one writer per event).
#[derive(Clone, Default)]
struct Capture {
    bytes: Arc<Mutex<Vec<u8>>>,
    events: Arc<AtomicUsize>,
}

impl Capture {
    fn take(&self) -> (String, usize) {
        let bytes = std::mem::take(&mut *self.bytes.lock().expect("capture"));
        let events = self.events.swap(0, Ordering::SeqCst);
        (String::from_utf8_lossy(&bytes).into_owned(), events)
    }
}

struct CaptureWriter(Arc<Mutex<Vec<u8>>>);

impl Write for CaptureWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("capture").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Capture {
    type Writer = CaptureWriter;
    fn make_writer(&'a self) -> CaptureWriter {
        self.events.fetch_add(1, Ordering::SeqCst);
        CaptureWriter(self.bytes.clone())
    }
}

const FORGED: &str = "2026-12-03T00:00:00.000000Z  INFO paid: ship the goods order_id=ORD-LOG";

/// The attack bodies: a field name with a newline, a forged line and a byte
/// invalid in EUC-KR and UTF-8 (the reported attack: the parser names the
/// field it cannot read); a newline in the order id and in the TID of an
/// otherwise well-formed notification.
fn bodies() -> Vec<Vec<u8>> {
    let forged = FORGED.replace(' ', "+");
    let attack = format!(
        "P_STATUS=02&P_TID=INIMX_VBNKINIpayTest20240101120000123456&x%0A{forged}%FF=1&P_AMT=1000&P_OID=ORD-LOG"
    );
    let oid = "P_STATUS=02&P_TID=INIMX_VBNKINIpayTest20240101120000123456&P_TYPE=VBANK&P_MID=INIpayTest&P_AUTH_DT=20240101120500&P_AMT=1000&P_OID=O%0D%0AINFO+paid+ship";
    let tid = format!(
        "P_STATUS=02&P_TID=INIMX_VBNK%0A{forged}&P_TYPE=VBANK&P_MID=INIpayTest&P_AUTH_DT=20240101120500&P_AMT=1000&P_OID=ORD-LOG"
    );
    vec![
        attack.into_bytes(),
        oid.as_bytes().to_vec(),
        tid.into_bytes(),
    ]
}

async fn post_noti(h: &Harness, body: Vec<u8>) -> u16 {
    h.http
        .post(h.app.url("/noti"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .expect("noti")
        .status()
        .as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_notifications_never_write_a_line_of_their_own() {
    let capture = Capture::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(capture.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::INFO)
        .finish();
    tracing::subscriber::set_global_default(subscriber).expect("the only subscriber");
    let adapters: [(&str, Serve); 3] = [
        ("actix", actix::serve),
        ("rocket", rocket::serve),
        ("axum", axum::serve),
    ];
    for (name, serve) in adapters {
        let h = Harness::start(serve).await;
        for (i, body) in bodies().into_iter().enumerate() {
            capture.take();
            let status = post_noti(&h, body).await;
            let (log, events) = capture.take();
            let lines: Vec<&str> = log.lines().collect();
            assert!(events >= 1, "{name} body {i}: the refusal is logged");
            assert_eq!(
                lines.len(),
                events,
                "{name} body {i} (answered {status}): one line per event:\n{log}"
            );
            for line in &lines {
                assert!(!line.starts_with(FORGED), "{name} body {i}: {line}");
                assert!(
                    [" INFO ", " WARN ", " ERROR "]
                        .iter()
                        .any(|level| line.contains(level)),
                    "{name} body {i}: not a log line of ours: {line}"
                );
            }
            if i == 0 {
                // The reported attack: unreadable, refused, one line.
                assert_eq!(status, 400, "{name}: unreadable notification");
                assert_eq!(lines.len(), 1, "{name}:\n{log}");
                assert!(lines[0].contains("unreadable notification"), "{log}");
            }
        }
        h.stop().await;
    }
}
