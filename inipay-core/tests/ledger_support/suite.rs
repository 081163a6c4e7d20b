//! The one store test suite: every store must pass all of it, through
//! `&dyn Ledger`.

use super::*;
use inipay_core::ledger::{
    Applied, AttemptClaim, BillingAttempt, BillkeyContext, BillkeyError, BillkeyKey, Created,
    Ledger, LedgerError, MessageId, NewPayment, PaymentState, Rejection, ResultPath, Unconfirmed,
    nonce_digest,
};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

pub async fn run(l: &dyn Ledger) {
    create_is_idempotent_and_fixes_the_amount(l).await;
    card_two_transaction_flow(l).await;
    approval_amount_mismatch_is_never_paid_then_net_cancel(l).await;
    vbank_issue_then_deposit_exactly_once(l).await;
    deposit_before_issuance_is_refused_without_consuming_the_key(l).await;
    unknown_order_is_journaled_and_refused(l).await;
    message_without_order_is_found_by_its_intent(l).await;
    applying_a_recorded_message_again_changes_nothing(l).await;
    refunds_partial_then_full(l).await;
    user_cancel_failure_and_decline(l).await;
    failed_net_cancel_shows_in_reconciliation(l).await;
    unacknowledged_payment_shows_in_reconciliation(l).await;
    append_then_apply_and_recover_exactly_once(l).await;
    one_tid_cannot_approve_two_orders(l).await;
    billkeys_sealed_at_rest(l).await;
    result_path_is_recorded_and_never_reset(l).await;
    billing_attempt_is_claimed_once(l).await;
    parked_notifications_are_listed_until_resolved(l).await;
    billkey_confirmation_keeps_the_first_time(l).await;
}

async fn new_payment(l: &dyn Ledger, order: &OrderId, won: u64) {
    let c = l
        .create_payment(NewPayment::new(
            order.clone(),
            mid(),
            Amount::won(won),
            at(0),
        ))
        .await
        .unwrap();
    assert_eq!(c, Created::New);
}

async fn state(l: &dyn Ledger, order: &OrderId) -> PaymentState {
    l.payment(order).await.unwrap().unwrap().state
}

async fn create_is_idempotent_and_fixes_the_amount(l: &dyn Ledger) {
    let o = oid("CREATE-1");
    new_payment(l, &o, 1000).await;
    let again = NewPayment::new(o.clone(), mid(), Amount::won(1000), at(5));
    assert_eq!(l.create_payment(again).await.unwrap(), Created::Existing);
    let other = NewPayment::new(o.clone(), mid(), Amount::won(10), at(5));
    assert!(matches!(
        l.create_payment(other).await,
        Err(LedgerError::OrderConflict { .. })
    ));
    let p = l.payment(&o).await.unwrap().unwrap();
    assert_eq!(p.amount, Amount::won(1000));
    assert_eq!(p.state, PaymentState::Created);
    assert_eq!(p.created_at, at(0));
    assert!(l.payment(&oid("NOPE")).await.unwrap().is_none());
}

async fn card_two_transaction_flow(l: &dyn Ledger) {
    let o = oid("CARD-1");
    new_payment(l, &o, 2000).await;
    let auth = tid("INIMX_AUTH", 1);
    let card = tid("INIMX_CARD", 1);
    // EUC-KR bytes that are not UTF-8: stored raw, read back byte for byte.
    let auth_body = format!(
        "P_STATUS=00&P_TID={auth}&P_AMT=2000&P_RMESG1=%BC%BA%B0%F8&P_REQ_URL=https://stgmobile.inicis.com/smart/payReq.ini"
    );
    let r = l
        .record(
            msg(MessageKind::AuthResult, &o, &auth_body, 1).tid(auth.clone()),
            intent(
                &o,
                Event::Authenticated {
                    tid: auth.clone(),
                    amount: Amount::won(2000),
                },
            ),
        )
        .await
        .unwrap();
    assert_eq!(
        r.applied,
        Applied::Transitioned {
            from: PaymentState::Created,
            to: PaymentState::Authenticated
        }
    );
    let mut raw = b"P_STATUS=00&P_TID=".to_vec();
    raw.extend_from_slice(card.as_str().as_bytes());
    raw.extend_from_slice(
        b"&P_AMT=2000&P_UNAME=\xc8\xab\xb1\xe6\xb5\xbf&P_CARD_NUM=536510*********8",
    );
    let reply = Message::new(
        MessageKind::ApprovalReply,
        Direction::Inbound,
        Charset::EucKr,
        raw.clone(),
        at(2),
    )
    .order(o.clone())
    .tid(card.clone());
    let approve = intent(
        &o,
        Event::Approved {
            tid: card.clone(),
            amount: Amount::won(2000),
        },
    );
    let r = l.record(reply.clone(), approve.clone()).await.unwrap();
    assert_eq!(
        r.applied,
        Applied::Transitioned {
            from: PaymentState::Authenticated,
            to: PaymentState::Approved
        }
    );
    // The same approval again (a retried handler): nothing happens.
    let again = l.record(reply, approve).await.unwrap();
    assert_eq!(
        again.applied,
        Applied::Duplicate {
            state: PaymentState::Approved
        }
    );
    assert_ne!(again.message, r.message);

    let p = l.payment(&o).await.unwrap().unwrap();
    assert_eq!(p.tid.as_ref(), Some(&card));
    assert_eq!(p.auth_tid.as_ref(), Some(&auth));
    assert_eq!(p.updated_at, at(2));
    assert_eq!(l.payment_by_tid(&card).await.unwrap().unwrap().order_id, o);
    assert_eq!(l.payment_by_tid(&auth).await.unwrap().unwrap().order_id, o);
    assert!(
        l.payment_by_tid(&tid("INIMX_CARD", 999))
            .await
            .unwrap()
            .is_none()
    );
    let approved = l
        .payments_in_state(PaymentState::Approved, 100)
        .await
        .unwrap();
    assert!(approved.iter().any(|p| p.order_id == o));

    let journal = l.messages_of(&o).await.unwrap();
    assert_eq!(journal.len(), 3);
    assert!(journal.windows(2).all(|w| w[0].id < w[1].id));
    // One message by its id is the same entry; an id never issued is none.
    for e in &journal {
        assert_eq!(l.message(e.id).await.unwrap().as_ref(), Some(e));
    }
    assert_eq!(l.message(MessageId(i64::MAX)).await.unwrap(), None);
    assert_eq!(l.message(MessageId(0)).await.unwrap(), None);
    assert_eq!(journal[0].message.kind, MessageKind::AuthResult);
    // Stored as received except the buyer's name (masked in place, the
    // body still parses). A body that carried a name gets no plain digest
    // (reversible by trying every name; a store with a BodyDigestKey keeps
    // a keyed one, see ledger_privacy.rs); one without personal data gets
    // the SHA-256 of the bytes received.
    let mut stored = b"P_STATUS=00&P_TID=".to_vec();
    stored.extend_from_slice(card.as_str().as_bytes());
    stored.extend_from_slice(b"&P_AMT=2000&P_UNAME=%C8%AB**&P_CARD_NUM=536510*********8");
    assert_eq!(journal[1].message.body, stored);
    assert_ne!(raw, stored);
    assert_eq!(journal[1].body_sha256, None);
    assert_eq!(
        journal[0].body_sha256,
        Some(<[u8; 32]>::from(Sha256::digest(&journal[0].message.body)))
    );
    assert_eq!(journal[1].body_purged_at, None);
    assert_eq!(journal[1].message.charset, Charset::EucKr);
    assert_eq!(journal[1].message.tid.as_ref(), Some(&card));
    assert_eq!(journal[1].result_code.as_deref(), Some("00"));
    let masked = journal[1].masked.as_deref().unwrap();
    assert!(masked.contains("P_UNAME=홍**"), "{masked}");
    assert!(!masked.contains("홍길동"));
    assert_eq!(
        journal[1].outcome.as_deref(),
        Some("transitioned:authenticated->approved")
    );
    assert_eq!(journal[2].outcome.as_deref(), Some("duplicate:approved"));
}

async fn approval_amount_mismatch_is_never_paid_then_net_cancel(l: &dyn Ledger) {
    let o = oid("MISMATCH-1");
    new_payment(l, &o, 5000).await;
    let auth = tid("INIMX_AUTH", 2);
    let card = tid("INIMX_CARD", 2);
    l.record(
        msg(MessageKind::AuthResult, &o, "P_STATUS=00&P_AMT=5000", 1),
        intent(
            &o,
            Event::Authenticated {
                tid: auth,
                amount: Amount::won(5000),
            },
        ),
    )
    .await
    .unwrap();
    // Tampered amount on the way: a typed refusal, not "paid".
    let r = l
        .record(
            msg(MessageKind::ApprovalReply, &o, "P_STATUS=00&P_AMT=50", 2),
            intent(
                &o,
                Event::Approved {
                    tid: card.clone(),
                    amount: Amount::won(50),
                },
            ),
        )
        .await
        .unwrap();
    assert_eq!(
        r.applied,
        Applied::Rejected(Rejection::AmountMismatch {
            expected: Amount::won(5000),
            received: Amount::won(50)
        })
    );
    assert_eq!(state(l, &o).await, PaymentState::Authenticated);
    assert!(!state(l, &o).await.is_paid());
    // The flow net-cancels (outbound request + reply both journaled).
    let out = Message::new(
        MessageKind::NetCancelRequest,
        Direction::Outbound,
        Charset::EucKr,
        format!("P_TID={card}&P_MID=INIpayTest&P_AMT=50").into_bytes(),
        at(3),
    )
    .order(o.clone());
    l.append(out, None).await.unwrap();
    let r = l
        .record(
            msg(MessageKind::NetCancelReply, &o, "P_STATUS=00", 4),
            intent(&o, Event::NetCancelled { tid: card.clone() }),
        )
        .await
        .unwrap();
    assert_eq!(
        r.applied,
        Applied::Transitioned {
            from: PaymentState::Authenticated,
            to: PaymentState::NetCancelled
        }
    );
    let j = l.messages_of(&o).await.unwrap();
    assert_eq!(j.len(), 4);
    assert_eq!(
        j[1].outcome.as_deref(),
        Some("rejected:amount_mismatch:5000:50")
    );
    assert_eq!(j[2].message.direction, Direction::Outbound);
    assert_eq!(j[2].outcome, None);
    // Nothing can move a net-cancelled payment.
    let late = l
        .record(
            msg(MessageKind::ApprovalReply, &o, "P_STATUS=00&P_AMT=5000", 5),
            intent(
                &o,
                Event::Approved {
                    tid: card,
                    amount: Amount::won(5000),
                },
            ),
        )
        .await
        .unwrap();
    assert!(matches!(
        late.applied,
        Applied::Rejected(Rejection::InvalidTransition { .. })
    ));
    assert_eq!(state(l, &o).await, PaymentState::NetCancelled);
}

async fn issue(l: &dyn Ledger, o: &OrderId, t: &Tid, won: u64) {
    let r = l
        .record(
            msg(MessageKind::ApprovalReply, o, "P_STATUS=00&P_TYPE=VBANK", 1),
            intent(
                o,
                Event::VbankIssued {
                    tid: t.clone(),
                    amount: Amount::won(won),
                },
            ),
        )
        .await
        .unwrap();
    assert_eq!(
        r.applied,
        Applied::Transitioned {
            from: PaymentState::Created,
            to: PaymentState::VbankIssued
        }
    );
}

async fn vbank_issue_then_deposit_exactly_once(l: &dyn Ledger) {
    let o = oid("VBANK-1");
    let t = tid("INIMX_VBNK", 1);
    new_payment(l, &o, 1000).await;
    issue(l, &o, &t, 1000).await;
    assert!(!state(l, &o).await.is_paid(), "issued is not paid");
    // The issuance noti (P_STATUS=00) after the approval reply: unchanged.
    let r = l
        .record(
            msg(MessageKind::Noti, &o, "P_STATUS=00&P_TYPE=VBANK", 2),
            intent(
                &o,
                Event::noti(t.clone(), "00", Some(Amount::won(1000)), true),
            ),
        )
        .await
        .unwrap();
    assert_eq!(
        r.applied,
        Applied::Unchanged {
            state: PaymentState::VbankIssued
        }
    );
    // A deposit with the wrong amount is refused.
    let (m, bad) = deposit_noti(&o, &t, 999, 3);
    let r = l.record(m, bad).await.unwrap();
    assert!(matches!(
        r.applied,
        Applied::Rejected(Rejection::AmountMismatch { .. })
    ));
    // The deposit, delivered three times.
    let mut outcomes = Vec::new();
    for i in 0..3 {
        let (m, i) = deposit_noti(&o, &t, 1000, 4 + i);
        outcomes.push(l.record(m, i).await.unwrap().applied);
    }
    assert_eq!(
        outcomes,
        vec![
            Applied::Transitioned {
                from: PaymentState::VbankIssued,
                to: PaymentState::VbankDeposited
            },
            Applied::Duplicate {
                state: PaymentState::VbankDeposited
            },
            Applied::Duplicate {
                state: PaymentState::VbankDeposited
            },
        ]
    );
    let j = l.messages_of(&o).await.unwrap();
    assert_eq!(j.len(), 6, "every delivery is journaled");
    let masked = j[5].masked.as_deref().unwrap();
    assert!(masked.contains("P_VACCT_NO=**********3948"), "{masked}");
    assert!(!masked.contains("56211101573948"));
    assert!(
        masked.contains("P_FN_NM=신한은행"),
        "decoded from EUC-KR: {masked}"
    );
    // Expiry after deposit is refused.
    let r = l
        .record(
            msg(MessageKind::Noti, &o, "", 9),
            intent(&o, Event::VbankExpired { tid: t }),
        )
        .await
        .unwrap();
    assert!(matches!(
        r.applied,
        Applied::Rejected(Rejection::InvalidTransition { .. })
    ));
}

async fn deposit_before_issuance_is_refused_without_consuming_the_key(l: &dyn Ledger) {
    let o = oid("VBANK-EARLY");
    let t = tid("INIMX_VBNK", 2);
    new_payment(l, &o, 3000).await;
    let (m, dep) = deposit_noti(&o, &t, 3000, 1);
    let r = l.record(m, dep.clone()).await.unwrap();
    assert_eq!(
        r.applied,
        Applied::Rejected(Rejection::InvalidTransition {
            from: PaymentState::Created,
            event: "noti"
        })
    );
    assert_eq!(state(l, &o).await, PaymentState::Created);
    // INICIS retries; once the account is issued, the same key applies.
    issue(l, &o, &t, 3000).await;
    let (m, _) = deposit_noti(&o, &t, 3000, 2);
    let r = l.record(m, dep).await.unwrap();
    assert!(r.applied.is_transition());
    assert_eq!(state(l, &o).await, PaymentState::VbankDeposited);
    // A second, expired-before-deposit account.
    let o2 = oid("VBANK-EXPIRE");
    let t2 = tid("INIMX_VBNK", 3);
    new_payment(l, &o2, 3000).await;
    issue(l, &o2, &t2, 3000).await;
    let r = l
        .record(
            msg(MessageKind::Noti, &o2, "", 3),
            intent(&o2, Event::VbankExpired { tid: t2.clone() }),
        )
        .await
        .unwrap();
    assert!(r.applied.is_transition());
    // A deposit that still arrives after the deadline is money received:
    // applied (the flow alerts it), once.
    let (m, dep) = deposit_noti(&o2, &t2, 3000, 4);
    assert_eq!(
        l.record(m, dep.clone()).await.unwrap().applied,
        Applied::Transitioned {
            from: PaymentState::VbankExpired,
            to: PaymentState::VbankDeposited
        }
    );
    let (m, _) = deposit_noti(&o2, &t2, 3000, 5);
    assert_eq!(
        l.record(m, dep).await.unwrap().applied,
        Applied::Duplicate {
            state: PaymentState::VbankDeposited
        }
    );
}

async fn unknown_order_is_journaled_and_refused(l: &dyn Ledger) {
    let o = oid("GHOST-1");
    let (m, dep) = deposit_noti(&o, &tid("INIMX_VBNK", 4), 1000, 1);
    let r = l.record(m, dep).await.unwrap();
    assert_eq!(r.applied, Applied::Rejected(Rejection::UnknownOrder));
    assert!(l.payment(&o).await.unwrap().is_none());
    let j = l.messages_of(&o).await.unwrap();
    assert_eq!(j.len(), 1);
    assert_eq!(j[0].outcome.as_deref(), Some("rejected:unknown_order"));
}

/// A message that names no order (a noti matched by its TID) is listed
/// under the order its intent names, and only there.
async fn message_without_order_is_found_by_its_intent(l: &dyn Ledger) {
    let o = oid("NOOID-1");
    let t = tid("INIMX_VBNK", 9);
    new_payment(l, &o, 1000).await;
    issue(l, &o, &t, 1000).await;
    let (named, dep) = deposit_noti(&o, &t, 1000, 3);
    let anonymous = Message::new(
        MessageKind::Noti,
        Direction::Inbound,
        named.charset,
        named.body.clone(),
        at(3),
    )
    .tid(t.clone());
    assert!(anonymous.order_id.is_none());
    let r = l.record(anonymous, dep).await.unwrap();
    assert!(r.applied.is_transition(), "{:?}", r.applied);
    let j = l.messages_of(&o).await.unwrap();
    assert_eq!(j.len(), 2, "issuance and the anonymous noti");
    assert_eq!(j[1].id, r.message);
    assert!(j[1].message.order_id.is_none());
    assert!(l.messages_of(&oid("NOOID-2")).await.unwrap().is_empty());
}

/// `record` stores each message's outcome with it (PostgreSQL: in the
/// message's own row); applying the message again only reads it back.
async fn applying_a_recorded_message_again_changes_nothing(l: &dyn Ledger) {
    let o = oid("REAPPLY-1");
    let t = tid("INIMX_VBNK", 10);
    new_payment(l, &o, 1000).await;
    issue(l, &o, &t, 1000).await;
    let (m, dep) = deposit_noti(&o, &t, 1000, 3);
    let r = l.record(m, dep).await.unwrap();
    assert!(r.applied.is_transition(), "{:?}", r.applied);
    assert_eq!(l.apply(r.message).await.unwrap(), r.applied);
    assert_eq!(state(l, &o).await, PaymentState::VbankDeposited);
    assert!(!l.pending().await.unwrap().contains(&r.message));
    let j = l.messages_of(&o).await.unwrap();
    assert_eq!(
        j.last().and_then(|e| e.outcome.as_deref()),
        Some("transitioned:vbank_issued->vbank_deposited")
    );
}

async fn refunds_partial_then_full(l: &dyn Ledger) {
    let o = oid("REFUND-1");
    let card = tid("INIMX_CARD", 3);
    new_payment(l, &o, 10_000).await;
    l.record(
        msg(MessageKind::ApprovalReply, &o, "P_STATUS=00", 1),
        intent(
            &o,
            Event::Approved {
                tid: card,
                amount: Amount::won(10_000),
            },
        ),
    )
    .await
    .unwrap();
    let refund = |n: u64, won: u64| {
        intent(
            &o,
            Event::Refunded {
                refund_tid: tid("INIAPICARD", n),
                amount: Amount::won(won),
            },
        )
    };
    let iniapi = |t: u64| {
        Message::new(
            MessageKind::IniapiReply,
            Direction::Inbound,
            Charset::Utf8,
            br#"{"resultCode":"00","resultMsg":"ok","buyerEmail":"kim@example.com"}"#.to_vec(),
            at(t),
        )
        .order(o.clone())
    };
    let r = l.record(iniapi(2), refund(1, 3000)).await.unwrap();
    assert_eq!(
        r.applied,
        Applied::Transitioned {
            from: PaymentState::Approved,
            to: PaymentState::PartiallyRefunded
        }
    );
    // Same refund TID again: duplicate, refunded stays 3000.
    let r = l.record(iniapi(3), refund(1, 3000)).await.unwrap();
    assert_eq!(
        r.applied,
        Applied::Duplicate {
            state: PaymentState::PartiallyRefunded
        }
    );
    assert_eq!(
        l.payment(&o).await.unwrap().unwrap().refunded,
        Amount::won(3000)
    );
    let r = l.record(iniapi(4), refund(2, 7001)).await.unwrap();
    assert_eq!(
        r.applied,
        Applied::Rejected(Rejection::RefundExceedsPaid {
            remaining: Amount::won(7000),
            requested: Amount::won(7001)
        })
    );
    let r = l.record(iniapi(5), refund(2, 7000)).await.unwrap();
    assert_eq!(
        r.applied,
        Applied::Transitioned {
            from: PaymentState::PartiallyRefunded,
            to: PaymentState::Refunded
        }
    );
    let p = l.payment(&o).await.unwrap().unwrap();
    assert_eq!(p.refunded, Amount::won(10_000));
    let j = l.messages_of(&o).await.unwrap();
    assert_eq!(j[1].result_code.as_deref(), Some("00"));
    let masked = j[1].masked.as_deref().unwrap();
    assert!(
        masked.contains("\"buyerEmail\":\"ki*************\""),
        "{masked}"
    );
}

async fn user_cancel_failure_and_decline(l: &dyn Ledger) {
    for (n, name, event, want) in [
        (
            "USERCANCEL-1",
            Event::CancelledByUser,
            PaymentState::CancelledByUser,
        ),
        (
            "FAILED-1",
            Event::Failed { code: "01".into() },
            PaymentState::Failed,
        ),
        (
            "DECLINED-1",
            Event::Declined {
                code: "V013".into(),
            },
            PaymentState::Declined,
        ),
    ]
    .into_iter()
    .enumerate()
    .map(|(i, (n, e, w))| (i as u64, n, e, w))
    {
        let o = oid(name);
        new_payment(l, &o, 100).await;
        let r = l
            .record(
                msg(MessageKind::AuthResult, &o, "P_STATUS=01", 1),
                intent(&o, event.clone()),
            )
            .await
            .unwrap();
        assert_eq!(
            r.applied,
            Applied::Transitioned {
                from: PaymentState::Created,
                to: want
            }
        );
        let r = l
            .record(
                msg(MessageKind::AuthResult, &o, "P_STATUS=01", 2),
                intent(&o, event),
            )
            .await
            .unwrap();
        // Each failed attempt is its own event (keyed by its message):
        // recorded, state unchanged, not a duplicate.
        assert_eq!(r.applied, Applied::Unchanged { state: want });
        assert_eq!(l.payments_in_state(want, 10).await.unwrap().len(), 1);
        // The order stays payable: the buyer tries again and pays.
        let auth = tid("INIMX_AUTH", 90 + n);
        let r = l
            .record(
                msg(MessageKind::AuthResult, &o, "P_STATUS=00", 3),
                intent(
                    &o,
                    Event::Authenticated {
                        tid: auth,
                        amount: Amount::won(100),
                    },
                ),
            )
            .await
            .unwrap();
        assert_eq!(
            r.applied,
            Applied::Transitioned {
                from: want,
                to: PaymentState::Authenticated
            }
        );
        let r = l
            .record(
                msg(MessageKind::ApprovalReply, &o, "P_STATUS=00", 4),
                intent(
                    &o,
                    Event::Approved {
                        tid: tid("INIMX_CARD", 90 + n),
                        amount: Amount::won(100),
                    },
                ),
            )
            .await
            .unwrap();
        assert!(r.applied.is_transition(), "{:?}", r.applied);
        assert_eq!(
            l.payment(&o).await.unwrap().unwrap().state,
            PaymentState::Approved
        );
    }
}

async fn failed_net_cancel_shows_in_reconciliation(l: &dyn Ledger) {
    let o = oid("NETCANCEL-FAIL");
    let card = tid("INIMX_CARD", 4);
    new_payment(l, &o, 700).await;
    l.record(
        msg(MessageKind::ApprovalReply, &o, "P_STATUS=00", 1),
        intent(
            &o,
            Event::Approved {
                tid: card.clone(),
                amount: Amount::won(700),
            },
        ),
    )
    .await
    .unwrap();
    for t in [2, 3] {
        let r = l
            .record(
                msg(MessageKind::NetCancelReply, &o, "P_STATUS=01", t),
                intent(
                    &o,
                    Event::NetCancelFailed {
                        tid: card.clone(),
                        code: "01".into(),
                    },
                ),
            )
            .await
            .unwrap();
        assert_eq!(
            r.applied,
            Applied::Unchanged {
                state: PaymentState::Approved
            }
        );
    }
    assert_eq!(l.payment(&o).await.unwrap().unwrap().net_cancel_failures, 2);
    let rec = l.reconciliation(at(1_000_000)).await.unwrap();
    assert!(rec.failed_net_cancels.iter().any(|p| p.order_id == o));
    let r = l
        .record(
            msg(MessageKind::NetCancelReply, &o, "P_STATUS=00", 4),
            intent(&o, Event::NetCancelled { tid: card }),
        )
        .await
        .unwrap();
    assert!(r.applied.is_transition());
    let rec = l.reconciliation(at(1_000_000)).await.unwrap();
    assert!(!rec.failed_net_cancels.iter().any(|p| p.order_id == o));

    // Another attempt's net cancel succeeding does not hide the first
    // attempt's failure (its approval may still hold money).
    let o = oid("NETCANCEL-TWO");
    new_payment(l, &o, 700).await;
    for (t, auth) in [(10, 41), (12, 42)] {
        l.record(
            msg(MessageKind::AuthResult, &o, "P_STATUS=00", t),
            intent(
                &o,
                Event::Authenticated {
                    tid: tid("INIMX_AUTH", auth),
                    amount: Amount::won(700),
                },
            ),
        )
        .await
        .unwrap();
        let event = if auth == 41 {
            Event::NetCancelFailed {
                tid: tid("INIMX_AUTH", auth),
                code: "timeout".into(),
            }
        } else {
            Event::NetCancelled {
                tid: tid("INIMX_AUTH", auth),
            }
        };
        l.record(
            msg(MessageKind::NetCancelReply, &o, "", t + 1),
            intent(&o, event),
        )
        .await
        .unwrap();
    }
    let p = l.payment(&o).await.unwrap().unwrap();
    assert_eq!(
        (p.state, p.net_cancel_failures),
        (PaymentState::NetCancelled, 1)
    );
    let rec = l.reconciliation(at(1_000_000)).await.unwrap();
    assert!(rec.failed_net_cancels.iter().any(|p| p.order_id == o));
}

async fn unacknowledged_payment_shows_in_reconciliation(l: &dyn Ledger) {
    let o = oid("UNACKED-1");
    new_payment(l, &o, 900).await;
    l.record(
        msg(MessageKind::ApprovalReply, &o, "P_STATUS=00", 100),
        intent(
            &o,
            Event::Approved {
                tid: tid("INIMX_CARD", 5),
                amount: Amount::won(900),
            },
        ),
    )
    .await
    .unwrap();
    let listed =
        |r: &inipay_core::ledger::Reconciliation| r.unacknowledged.iter().any(|p| p.order_id == o);
    // Changed at t=100: not yet overdue at the cutoff t=100, overdue at t=101.
    assert!(!listed(&l.reconciliation(at(100)).await.unwrap()));
    assert!(listed(&l.reconciliation(at(101)).await.unwrap()));
    assert!(l.acknowledge(&o, at(200)).await.unwrap());
    assert!(!l.acknowledge(&oid("NOPE-2"), at(200)).await.unwrap());
    assert_eq!(
        l.payment(&o).await.unwrap().unwrap().acknowledged_at,
        Some(at(200))
    );
    assert!(!listed(&l.reconciliation(at(1_000)).await.unwrap()));
}

async fn append_then_apply_and_recover_exactly_once(l: &dyn Ledger) {
    let o = oid("APPEND-1");
    let t = tid("INIMX_VBNK", 5);
    new_payment(l, &o, 1000).await;
    issue(l, &o, &t, 1000).await;
    let (m, dep) = deposit_noti(&o, &t, 1000, 2);
    let id = l.append(m.clone(), Some(dep.clone())).await.unwrap();
    assert!(l.pending().await.unwrap().contains(&id));
    assert!(
        l.reconciliation(at(0))
            .await
            .unwrap()
            .pending_messages
            .contains(&id)
    );
    assert_eq!(
        state(l, &o).await,
        PaymentState::VbankIssued,
        "append alone changes nothing"
    );
    let first = l.apply(id).await.unwrap();
    assert!(first.is_transition());
    assert_eq!(
        l.apply(id).await.unwrap(),
        first,
        "apply answers the stored outcome"
    );
    assert!(!l.pending().await.unwrap().contains(&id));
    let recovered = l.recover().await.unwrap();
    assert!(recovered.iter().all(|(i, _)| *i != id));
    // A second message with the same event: appended, recovered as duplicate.
    let id2 = l.append(m, Some(dep)).await.unwrap();
    let recovered = l.recover().await.unwrap();
    assert_eq!(
        recovered,
        vec![(
            id2,
            Applied::Duplicate {
                state: PaymentState::VbankDeposited
            }
        )]
    );
    assert!(l.recover().await.unwrap().is_empty());
    // Journal-only messages have nothing to apply; unknown ids are errors.
    let plain = l
        .append(msg(MessageKind::Noti, &o, "x=1", 3), None)
        .await
        .unwrap();
    assert!(matches!(l.apply(plain).await, Err(LedgerError::NothingToApply(i)) if i == plain));
    assert!(matches!(
        l.apply(MessageId(9_999_999)).await,
        Err(LedgerError::UnknownMessage(_))
    ));
}

async fn one_tid_cannot_approve_two_orders(l: &dyn Ledger) {
    let card = tid("INIMX_CARD", 6);
    let (a, b) = (oid("TIDONCE-A"), oid("TIDONCE-B"));
    new_payment(l, &a, 100).await;
    new_payment(l, &b, 100).await;
    let approve = |o: &OrderId| {
        intent(
            o,
            Event::Approved {
                tid: card.clone(),
                amount: Amount::won(100),
            },
        )
    };
    assert!(
        l.record(msg(MessageKind::ApprovalReply, &a, "", 1), approve(&a))
            .await
            .unwrap()
            .applied
            .is_transition()
    );
    assert_eq!(
        l.record(msg(MessageKind::ApprovalReply, &b, "", 2), approve(&b))
            .await
            .unwrap()
            .applied,
        Applied::Rejected(Rejection::TidMismatch)
    );
    assert_eq!(state(l, &b).await, PaymentState::Created);
}

async fn billkeys_sealed_at_rest(l: &dyn Ledger) {
    let o = oid("BILL-1");
    let key = BillkeyKey::new("2026-11", &[9u8; 32]).unwrap();
    let plain = SecretString::from("734f880246ece4ffdba841c1436399c9968d32cc");
    let ctx = BillkeyContext::new(Mid::new("INIBillTst").unwrap(), o.clone());
    let result = format!(
        "resultcode=00&tid=INIAPICARDINIBillTst20220330134216115138&billkey={}&orderid=BILL-1&cardno=536510******1234&buyertel=01012345678",
        plain.expose_secret()
    );
    l.append(msg(MessageKind::BillingResult, &o, &result, 1), None)
        .await
        .unwrap();
    assert!(
        l.store_billkey(&key, ctx.clone(), None, &plain, at(1))
            .await
            .unwrap()
    );
    let other = SecretString::from("ffffffffffffffffffffffffffffffffffffffff");
    assert!(
        !l.store_billkey(&key, ctx, None, &other, at(2))
            .await
            .unwrap(),
        "first one stays"
    );
    let sealed = l.sealed_billkey(&o).await.unwrap().unwrap();
    assert_eq!(sealed.sealed.key_id, "2026-11");
    assert!(
        !sealed
            .sealed
            .ciphertext
            .windows(8)
            .any(|w| w == &b"734f8802"[..])
    );
    let revealed = l.reveal_billkey(&key, &o).await.unwrap().unwrap();
    assert_eq!(revealed.expose_secret(), plain.expose_secret());
    let wrong = BillkeyKey::new("2026-11", &[8u8; 32]).unwrap();
    assert!(matches!(
        l.reveal_billkey(&wrong, &o).await,
        Err(LedgerError::Billkey(BillkeyError::Open))
    ));
    assert!(
        l.reveal_billkey(&key, &oid("BILL-NONE"))
            .await
            .unwrap()
            .is_none()
    );
    // The journal keeps the billing result, minus the key itself.
    let j = l.messages_of(&o).await.unwrap();
    let body = String::from_utf8(j[0].message.body.clone()).unwrap();
    assert!(!body.contains(plain.expose_secret()), "{body}");
    assert!(
        body.contains("billkey=[billkey-sealed]&orderid=BILL-1"),
        "{body}"
    );
    let masked = j[0].masked.as_deref().unwrap();
    assert!(!masked.contains("734f88"));
    assert!(masked.contains("buyertel=010****5678"), "{masked}");
}

async fn result_path_is_recorded_and_never_reset(l: &dyn Ledger) {
    let path = |o: &OrderId| {
        let o = o.clone();
        async move { l.payment(&o).await.unwrap().unwrap().result_path }
    };
    let checkout = |o: &OrderId, p: ResultPath| {
        NewPayment::new(o.clone(), mid(), Amount::won(1000), at(0)).result_path(p)
    };
    // Reloaded checkout pages: 2trs, then 1trs (ISP), then 2trs again.
    let o = oid("PATH-1");
    new_payment(l, &o, 1000).await;
    assert_eq!(path(&o).await, ResultPath::TwoTransaction);
    for (p, want) in [
        (ResultPath::OneTransaction, ResultPath::OneTransaction),
        (ResultPath::TwoTransaction, ResultPath::OneTransaction),
        (ResultPath::OneTransaction, ResultPath::OneTransaction),
    ] {
        assert_eq!(
            l.create_payment(checkout(&o, p)).await.unwrap(),
            Created::Existing
        );
        assert_eq!(path(&o).await, want, "after a {p:?} checkout");
    }
    // Created as 1trs: stays.
    let o2 = oid("PATH-2");
    assert_eq!(
        l.create_payment(checkout(&o2, ResultPath::OneTransaction))
            .await
            .unwrap(),
        Created::New
    );
    l.create_payment(checkout(&o2, ResultPath::TwoTransaction))
        .await
        .unwrap();
    assert_eq!(path(&o2).await, ResultPath::OneTransaction);
    // Past `created`, a 1trs checkout changes nothing, and the payment
    // still moves normally (the version the path update bumps is re-read).
    let o3 = oid("PATH-3");
    new_payment(l, &o3, 1000).await;
    issue(l, &o3, &tid("INIMX_VBNK", 30), 1000).await;
    l.create_payment(checkout(&o3, ResultPath::OneTransaction))
        .await
        .unwrap();
    assert_eq!(path(&o3).await, ResultPath::TwoTransaction);
    let o4 = oid("PATH-4");
    new_payment(l, &o4, 1000).await;
    l.create_payment(checkout(&o4, ResultPath::OneTransaction))
        .await
        .unwrap();
    issue(l, &o4, &tid("INIMX_VBNK", 31), 1000).await;
    let p = l.payment(&o4).await.unwrap().unwrap();
    assert_eq!(
        (p.state, p.result_path),
        (PaymentState::VbankIssued, ResultPath::OneTransaction)
    );
}

fn attempt(order: &str, nonce: &str, amount: Option<u64>) -> BillingAttempt {
    BillingAttempt {
        order_id: oid(order),
        mid: Mid::new("INIBillTst").unwrap(),
        nonce_digest: nonce_digest(nonce),
        encrypted: amount.is_some(),
        amount: amount.map(Amount::won),
        created_at: at(10),
    }
}

async fn billing_attempt_is_claimed_once(l: &dyn Ledger) {
    let a = attempt("BATT-1", "nonce-1", Some(1000));
    let d = a.nonce_digest.clone();
    l.create_billing_attempt(a.clone()).await.unwrap();
    // The same nonce twice is refused (digests are unique).
    assert!(matches!(
        l.create_billing_attempt(attempt("BATT-9", "nonce-1", None))
            .await,
        Err(LedgerError::OrderConflict { .. })
    ));
    // The right nonce on another order, or an unknown nonce: Unknown, and
    // the attempt stays claimable.
    assert_eq!(
        l.claim_billing_attempt(&oid("BATT-2"), &d, at(11))
            .await
            .unwrap(),
        AttemptClaim::Unknown
    );
    assert_eq!(
        l.claim_billing_attempt(&oid("BATT-1"), &nonce_digest("forged"), at(11))
            .await
            .unwrap(),
        AttemptClaim::Unknown
    );
    assert_eq!(
        l.claim_billing_attempt(&oid("BATT-1"), &d, at(12))
            .await
            .unwrap(),
        AttemptClaim::Claimed(a)
    );
    for t in [13, 14] {
        assert_eq!(
            l.claim_billing_attempt(&oid("BATT-1"), &d, at(t))
                .await
                .unwrap(),
            AttemptClaim::AlreadyUsed { used_at: at(12) },
            "a replayed result"
        );
    }
    assert_eq!(
        l.claim_billing_attempt(&oid("BATT-2"), &d, at(15))
            .await
            .unwrap(),
        AttemptClaim::Unknown
    );
    // No amount, not encrypted: read back as stored.
    let b = attempt("BATT-3", "nonce-3", None);
    l.create_billing_attempt(b.clone()).await.unwrap();
    assert_eq!(
        l.claim_billing_attempt(&oid("BATT-3"), &b.nonce_digest, at(16))
            .await
            .unwrap(),
        AttemptClaim::Claimed(b)
    );
}

async fn parked_notifications_are_listed_until_resolved(l: &dyn Ledger) {
    let o = oid("PARK-1");
    let t = tid("INIMX_VBNK", 40);
    let mut parked = Vec::new();
    for i in 0..3 {
        let (m, dep) = deposit_noti(&o, &t, 1000, 20 + i);
        let id = l.append(m, None).await.unwrap();
        parked.push(Unconfirmed {
            message: id,
            order_id: o.clone(),
            event: dep.event,
            parked_at: at(30 + i),
        });
    }
    // Parked out of order, the first one twice (a retried handler).
    for u in [&parked[1], &parked[0], &parked[2]] {
        l.park_unconfirmed(u.clone()).await.unwrap();
    }
    let mut again = parked[0].clone();
    again.parked_at = at(99);
    l.park_unconfirmed(again).await.unwrap();
    assert_eq!(
        l.unconfirmed(10).await.unwrap(),
        parked,
        "oldest first, once"
    );
    assert_eq!(l.unconfirmed(1).await.unwrap(), parked[..1]);
    assert_eq!(l.reconciliation(at(0)).await.unwrap().unconfirmed, parked);
    assert!(
        l.resolve_unconfirmed(parked[0].message, at(40))
            .await
            .unwrap()
    );
    assert!(
        !l.resolve_unconfirmed(parked[0].message, at(41))
            .await
            .unwrap()
    );
    assert!(
        !l.resolve_unconfirmed(MessageId(9_999_999), at(41))
            .await
            .unwrap()
    );
    // Parking a resolved one again does not bring it back.
    l.park_unconfirmed(parked[0].clone()).await.unwrap();
    assert_eq!(l.unconfirmed(10).await.unwrap(), parked[1..]);
    assert_eq!(
        l.reconciliation(at(0)).await.unwrap().unconfirmed,
        parked[1..]
    );
}

async fn billkey_confirmation_keeps_the_first_time(l: &dyn Ledger) {
    let o = oid("BILL-CONFIRM");
    assert!(!l.confirm_billkey(&o, at(1)).await.unwrap(), "no key yet");
    let key = BillkeyKey::new("2026-11", &[9u8; 32]).unwrap();
    let ctx = BillkeyContext::new(Mid::new("INIBillTst").unwrap(), o.clone());
    let plain = SecretString::from("734f880246ece4ffdba841c1436399c9968d32cc");
    l.store_billkey(&key, ctx, None, &plain, at(2))
        .await
        .unwrap();
    assert_eq!(
        l.sealed_billkey(&o).await.unwrap().unwrap().confirmed_at,
        None
    );
    assert!(l.confirm_billkey(&o, at(5)).await.unwrap());
    assert!(l.confirm_billkey(&o, at(9)).await.unwrap());
    let r = l.sealed_billkey(&o).await.unwrap().unwrap();
    assert_eq!(r.confirmed_at, Some(at(5)));
    assert_eq!(r.at, at(2));
    assert_eq!(
        l.reveal_billkey(&key, &o)
            .await
            .unwrap()
            .unwrap()
            .expose_secret(),
        plain.expose_secret()
    );
}
