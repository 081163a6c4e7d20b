//! Notifications over real HTTP with a manual clock: 1trs ISP and bank,
//! virtual account issuance and deposit, the exact-`OK` rule, retry count and
//! spacing, and the noti faults (PROTOCOL.md 2.6, 7.5).

mod common;
use common::*;
use inipay_sandbox::browser::AutoForm;
use inipay_sandbox::faults::{Endpoint, Fault};
use inipay_sandbox::{Sandbox, SandboxConfig};
use std::time::Duration;

fn notis(rx: &Receiver) -> Vec<Received> {
    rx.received()
        .into_iter()
        .filter(|r| r.path == "/noti")
        .collect()
}

#[tokio::test]
async fn isp_1trs_sends_noti_and_redirects_to_return_url() {
    let (sb, _clock) = start().await;
    let rx = Receiver::start().await;
    let page = open_window(
        &sb,
        "/smart/payment/",
        &one_trs_order(&rx, "CARD", "I1", "centerCd=Y"),
    )
    .await;
    let r = press(
        &sb,
        &session_of(&page),
        "approve",
        &[("card_code", "06"), ("auth", "isp")],
    )
    .await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], rx.url("/return?oid=I1").as_str());
    sb.deliver_due().await;
    let got = notis(&rx);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].method, "POST");
    assert_eq!(
        got[0].headers["content-type"],
        "application/x-www-form-urlencoded"
    );
    let body = String::from_utf8(got[0].body.clone()).unwrap();
    assert!(
        body.starts_with("P_TID=INIMX_ISP_INIpayTest20240101120000"),
        "{body}"
    );
    let msg = pct(&euc_kr("성공적으로 처리 하였습니다."));
    assert!(body.contains(&format!("&P_STATUS=00&P_TYPE=CARD&P_OID=I1&P_FN_CD1=06&P_FN_CD2=&P_FN_NM={}&P_AMT=1005&P_UNAME={}&P_RMESG1={msg}&", pct(&euc_kr("국민카드")), pct(&euc_kr("홍길동")))), "{body}");
    let f = decode_form(&got[0].body, false);
    assert_eq!(get(&f, "P_NOTI"), "merchant-data");
    assert_eq!(get(&f, "P_AUTH_DT"), "20240101120000");
    assert!(
        rx.received().iter().all(|r| r.path != "/next"),
        "1trs never uses P_NEXT_URL"
    );
    let tx = sb.transactions();
    assert_eq!(tx.len(), 1);
    assert!(tx[0].isp);
    assert_eq!(sb.noti_attempts().len(), 1);
    assert!(sb.noti_attempts()[0].delivered);
}

#[tokio::test]
async fn isp_with_twotrs_isp_stays_2trs() {
    let (sb, _clock) = start().await;
    let rx = Receiver::start().await;
    let page = open_window(
        &sb,
        "/smart/payment/",
        &one_trs_order(
            &rx,
            "CARD",
            "I2",
            "twotrs_isp=Y&block_isp=Y&twotrs_isp_noti=N",
        ),
    )
    .await;
    let r = press(&sb, &session_of(&page), "approve", &[("auth", "isp")]).await;
    let auth = AutoForm::parse(&r.bytes().await.unwrap()).unwrap();
    let reply = decode_reply(
        &approve(&sb, "INIpayTest", auth.fields.get("P_TID").unwrap())
            .await
            .1,
        false,
    );
    assert!(get(&reply, "P_TID").starts_with("INIMX_ISP_"));
    assert!(get(&reply, "P_ISP_CARDCODE").starts_with("0502"));
    sb.deliver_due().await;
    assert!(notis(&rx).is_empty());
}

#[tokio::test]
async fn bank_1trs_without_twotrs_bank() {
    let (sb, _clock) = start().await;
    let rx = Receiver::start().await;
    let page = open_window(
        &sb,
        "/smart/bank/",
        &one_trs_order(&rx, "BANK", "K1", "apprun_check=Y"),
    )
    .await;
    let r = press(&sb, &session_of(&page), "approve", &[("bank_code", "04")]).await;
    assert_eq!(r.status(), 303);
    sb.deliver_due().await;
    let f = decode_form(&notis(&rx)[0].body, false);
    assert_eq!(get(&f, "P_TYPE"), "BANK");
    assert_eq!(get(&f, "P_FN_CD1"), "04");
    assert!(get(&f, "P_TID").starts_with("INIMX_DBNK"));
}

#[tokio::test]
async fn only_exact_ok_counts_and_retries_are_ten_minutes_apart() {
    let (sb, clock) = start().await;
    let rx = Receiver::start().await;
    rx.reply_with(&[
        (200, b"ok"),
        (200, b"OK\n"),
        (200, b" OK"),
        (200, b"<html>OK</html>"),
        (500, b"OK"),
        (200, b"OK"),
    ]);
    let page = open_window(
        &sb,
        "/smart/payment/",
        &one_trs_order(&rx, "CARD", "O1", ""),
    )
    .await;
    press(&sb, &session_of(&page), "approve", &[("auth", "isp")]).await;
    sb.deliver_due().await;
    for _ in 0..7 {
        clock.advance(ten_minutes());
        sb.deliver_due().await;
    }
    let attempts = sb.noti_attempts();
    assert_eq!(
        attempts.len(),
        6,
        "five refusals, then OK, then nothing more"
    );
    for (i, a) in attempts.iter().enumerate() {
        assert_eq!(a.attempt as usize, i + 1);
        assert_eq!(a.at_ms, T0 + i as u64 * 600_000, "attempt {i} spacing");
        assert_eq!(a.delivered, i == 5);
    }
    assert_eq!(attempts[4].http_status, Some(500));
    let bodies: Vec<_> = notis(&rx).into_iter().map(|r| r.body).collect();
    assert!(
        bodies.windows(2).all(|w| w[0] == w[1]),
        "every retry sends the same bytes"
    );
}

#[tokio::test]
async fn retries_stop_after_24_hours_145_attempts() {
    let (sb, clock) = start().await;
    let rx = Receiver::start().await;
    rx.reply_with(&[(200u16, &b"FAIL"[..]); 200]);
    let page = open_window(
        &sb,
        "/smart/payment/",
        &one_trs_order(&rx, "CARD", "O2", ""),
    )
    .await;
    press(&sb, &session_of(&page), "approve", &[("auth", "isp")]).await;
    sb.deliver_due().await;
    for _ in 0..160 {
        clock.advance(ten_minutes());
        sb.deliver_due().await;
    }
    let a = sb.noti_attempts();
    assert_eq!(a.len(), 145);
    assert_eq!(a.last().unwrap().at_ms - a[0].at_ms, 24 * 3600 * 1000);
    assert!(sb.noti_jobs()[0].done);
}

#[tokio::test]
async fn schedule_configurable_down_to_milliseconds() {
    let (sb, clock) =
        start_with(|c| c.with_noti_schedule(Duration::from_millis(5), Duration::from_millis(20)))
            .await;
    let rx = Receiver::start().await;
    rx.reply_with(&[(200u16, &b"NO"[..]); 10]);
    let page = open_window(
        &sb,
        "/smart/payment/",
        &one_trs_order(&rx, "CARD", "O3", ""),
    )
    .await;
    press(&sb, &session_of(&page), "approve", &[("auth", "isp")]).await;
    sb.deliver_due().await;
    for _ in 0..10 {
        clock.advance(Duration::from_millis(5));
        sb.deliver_due().await;
    }
    let at: Vec<u64> = sb.noti_attempts().iter().map(|a| a.at_ms - T0).collect();
    assert_eq!(at, [0, 5, 10, 15, 20]);
}

async fn vbank_issue(sb: &Sandbox, rx: &Receiver, oid: &str) -> String {
    let mut order = one_trs_order(rx, "VBANK", oid, "vbank_receipt=Y");
    order.retain(|(k, _)| *k != "P_RETURN_URL");
    order.push(("P_VBANK_DT", "20240105".into()));
    order.push(("P_VBANK_TM", "2359".into()));
    let page = open_window(sb, "/smart/payment/", &order).await;
    assert!(page.contains("가상계좌 (Virtual account)"));
    let r = press(sb, &session_of(&page), "approve", &[("bank_code", "88")]).await;
    let auth = AutoForm::parse(&r.bytes().await.unwrap()).unwrap();
    let (_, bytes) = approve(sb, "INIpayTest", auth.fields.get("P_TID").unwrap()).await;
    let reply = decode_reply(&bytes, false);
    assert_eq!(get(&reply, "P_TYPE"), "VBANK");
    assert_eq!(get(&reply, "P_VACT_DATE"), "20240105");
    assert_eq!(get(&reply, "P_VACT_TIME"), "235959");
    assert_eq!(get(&reply, "P_VACT_NAME"), "이니시스㈜테스트입");
    assert_eq!(get(&reply, "P_VACT_BANK_CODE"), "88");
    assert_eq!(get(&reply, "P_VACT_NUM").len(), 14);
    get(&reply, "P_TID").to_owned()
}

#[tokio::test]
async fn vbank_issue_noti_then_deposit_from_control_api() {
    let (sb, clock) = start().await;
    let rx = Receiver::start().await;
    let tid = vbank_issue(&sb, &rx, "VB1").await;
    assert!(tid.starts_with("INIMX_VBNKINIpayTest"));
    sb.deliver_due().await;
    let acct = sb.transaction(&tid).unwrap().vbank.unwrap().account;
    let n = notis(&rx);
    assert_eq!(n.len(), 1);
    let body = String::from_utf8(n[0].body.clone()).unwrap();
    assert!(body.contains(&format!(
        "&P_STATUS=00&P_TYPE=VBANK&P_OID=VB1&P_FN_CD1=88&P_FN_CD2=&P_FN_NM={}&P_AMT=1005&",
        pct(&euc_kr("신한은행"))
    )));
    assert!(body.contains(&format!("&P_RMESG1=P_VACCT_NO%3D{acct}%7CP_EXP_DT%3D20240105235959&P_RMESG2=&P_NOTI=merchant-data&P_AUTH_NO=")));

    // The dashboard offers the deposit button.
    let dash = get_text(&sb, "/sandbox/").await;
    assert!(dash.contains("입금통보 (deposit)") && dash.contains(&tid));

    clock.advance(Duration::from_secs(3600));
    let r = client()
        .post(sb.url("/sandbox/api/vbank/deposit"))
        .body(format!("{{\"tid\":\"{tid}\"}}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    sb.deliver_due().await;
    let n = notis(&rx);
    assert_eq!(n.len(), 2);
    let f = decode_form(&n[1].body, false);
    assert_eq!(get(&f, "P_STATUS"), "02");
    assert_eq!(get(&f, "P_AUTH_DT"), "20240101130000");
    assert_eq!(get(&f, "P_TID"), tid);
    // A second deposit is refused.
    let r = client()
        .post(sb.url("/sandbox/api/vbank/deposit"))
        .body(format!("{{\"tid\":\"{tid}\"}}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    // The dashboard lists both attempts, delivered, with their times.
    let dash = get_text(&sb, "/sandbox/").await;
    let attempts = &dash[dash.find("노티 시도 (Notification attempts)").unwrap()..];
    assert_eq!(attempts.matches("<b class=\"ok\">OK</b>").count(), 2);
    assert!(attempts.contains("2024-01-01 13:00:00") && attempts.contains("2024-01-01 12:00:00"));
    assert!(attempts.contains(&rx.url("/noti")));
    assert!(
        !dash.contains("입금통보 (deposit)</button>"),
        "deposited: no button any more"
    );
    // The notification list is in the control API.
    let j = get_json(&sb, "/sandbox/api/notifications").await;
    assert_eq!(j["attempts"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn vbank_deposit_button_and_short_auth_dt_option() {
    let (sb, _clock) = start_with(|c| SandboxConfig {
        vbank_noti_short_auth_dt: true,
        ..c
    })
    .await;
    let rx = Receiver::start().await;
    let tid = vbank_issue(&sb, &rx, "VB2").await;
    let r = client()
        .post(sb.url("/sandbox/deposit"))
        .body(format!("tid={tid}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    sb.deliver_due().await;
    let f = decode_form(&notis(&rx)[1].body, false);
    assert_eq!(get(&f, "P_AUTH_DT"), "240101120000");
}

#[tokio::test]
async fn duplicate_reorder_and_source_faults() {
    let (sb, _clock) = start().await;
    let rx = Receiver::start().await;
    sb.inject(Endpoint::Noti, Fault::DuplicateNoti, 1);
    let t1 = vbank_issue(&sb, &rx, "D1").await;
    sb.deliver_due().await;
    let n = notis(&rx);
    assert_eq!(n.len(), 2, "duplicated even after OK");
    assert_eq!(n[0].body, n[1].body);
    assert!(
        sb.noti_attempts()
            .iter()
            .all(|a| a.delivered && a.tid == t1)
    );

    sb.inject(Endpoint::Noti, Fault::ReorderNoti, 1);
    sb.inject(
        Endpoint::Noti,
        Fault::NotiSource {
            addr: "203.238.37.15".into(),
        },
        2,
    );
    let t2 = vbank_issue(&sb, &rx, "D2").await;
    sb.deliver_due().await;
    assert_eq!(notis(&rx).len(), 2, "held back");
    let t3 = vbank_issue(&sb, &rx, "D3").await;
    sb.deliver_due().await;
    let n = notis(&rx);
    assert_eq!(n.len(), 4);
    assert_eq!(get(&decode_form(&n[2].body, false), "P_TID"), t3);
    assert_eq!(get(&decode_form(&n[3].body, false), "P_TID"), t2);
    assert_eq!(n[2].headers["x-forwarded-for"], "203.238.37.15");
    assert_eq!(n[3].headers["x-forwarded-for"], "203.238.37.15");
    assert!(!n[0].headers.contains_key("x-forwarded-for"));
}

#[tokio::test]
async fn unreachable_noti_url_is_recorded_as_transport_error() {
    let (sb, _clock) = start().await;
    let rx = Receiver::start().await;
    let mut order = one_trs_order(&rx, "CARD", "U1", "");
    order.retain(|(k, _)| *k != "P_NOTI_URL");
    order.push(("P_NOTI_URL", "http://127.0.0.1:9/noti".into()));
    let page = open_window(&sb, "/smart/payment/", &order).await;
    press(&sb, &session_of(&page), "approve", &[("auth", "isp")]).await;
    sb.deliver_due().await;
    let a = sb.noti_attempts();
    assert_eq!(a.len(), 1);
    assert_eq!(a[0].error.as_deref(), Some("connect"));
    assert!(!a[0].delivered);
}

#[tokio::test]
async fn noti_charset_is_euc_kr_unless_configured_to_follow_p_charset() {
    for follow in [false, true] {
        let (sb, _clock) = start_with(|c| SandboxConfig {
            noti_follows_p_charset: follow,
            ..c
        })
        .await;
        let rx = Receiver::start().await;
        let mut order = one_trs_order(&rx, "CARD", "CS1", "");
        order.push(("P_CHARSET", "utf8".into()));
        let page = open_window(&sb, "/smart/payment/", &order).await;
        press(&sb, &session_of(&page), "approve", &[("auth", "isp")]).await;
        sb.deliver_due().await;
        let body = String::from_utf8(notis(&rx)[0].body.clone()).unwrap();
        let name = if follow {
            pct("홍길동".as_bytes())
        } else {
            pct(&euc_kr("홍길동"))
        };
        assert!(
            body.contains(&format!("&P_UNAME={name}&")),
            "follow={follow}: {body}"
        );
    }
}
