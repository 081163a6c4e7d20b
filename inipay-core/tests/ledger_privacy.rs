//! Personal data at rest (issue 16): what reaches the database file.
//!
//! A phone approval reply, card approval replies (one forged with a full
//! card number), a billing-key result with a full card number, a
//! virtual-account reply and deposit notification, and an INIAPI JSON reply
//! are journaled through each SQL store; then the database itself is read:
//! SQLite's `.db` and `-wal` files byte for byte, PostgreSQL's rows as bytes.
//! No full number and no buyer name may be found. The retention purge empties
//! old bodies once and keeps the masked copy and the digest; every other
//! UPDATE or DELETE of the journal still fails.

mod ledger_support;

use inipay_core::encoding::{Charset, Form};
use inipay_core::ledger::{
    BodyDigestKey, Direction, Event, Ledger, MemoryStore, Message, MessageKind, NewPayment,
    PostgresStore, SqliteOptions, SqliteStore, Synchronous,
};
use inipay_core::types::Amount;
use ledger_support::*;
use sha2::{Digest, Sha256};
use sqlx::Row;

/// Numbers that must never rest in full.
const FULL_NUMBERS: [&str; 7] = [
    "01098765432",      // P_HPP_NUM of a phone approval
    "4111111111111111", // a forged P_CARD_NUM
    "5365101234567890", // cardno of a forged billing-key result
    "56211101573948",   // P_VACT_NUM
    "79010590891926",   // P_VACCT_NO inside P_RMESG1
    "56211102345678",   // vacctInfo.accountNumber (INIAPI JSON)
    "01055551234",      // buyerTel (INIAPI JSON)
];
/// 홍길동 in EUC-KR and in UTF-8.
const NAMES: [&[u8]; 2] = [b"\xc8\xab\xb1\xe6\xb5\xbf", "홍길동".as_bytes()];
/// A value that is not personal and must be found (the scan sees the data).
const VISIBLE: &str = "INIMX_HPP_INIpayTest00000000000000000077";

fn euc_kr(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

/// The messages, as received (kind, charset, body).
fn messages() -> Vec<(MessageKind, Charset, Vec<u8>)> {
    vec![
        // Phone approval reply, EUC-KR, values raw as INICIS sends them.
        (
            MessageKind::ApprovalReply,
            Charset::EucKr,
            euc_kr(&[
                b"P_STATUS=00&P_TID=",
                VISIBLE.as_bytes(),
                b"&P_TYPE=MOBILE&P_AMT=1000&P_UNAME=",
                NAMES[0],
                b"&P_HPP_CORP=SKT&P_HPP_NUM=01098765432&P_RMESG1=\xbc\xba\xb0\xf8",
            ]),
        ),
        // Card approval reply, UTF-8, with a full card number (forged).
        (
            MessageKind::ApprovalReply,
            Charset::Utf8,
            "P_STATUS=00&P_TYPE=CARD&P_AMT=2000&P_UNAME=홍길동&P_CARD_NUM=4111111111111111\
             &P_ISP_CARDCODE=050204900094081"
                .as_bytes()
                .to_vec(),
        ),
        // Billing-key result with a full card number and the key itself.
        (
            MessageKind::BillingResult,
            Charset::Utf8,
            b"resultcode=00&tid=INIAPICARDINIBillTst20220330134216115138\
              &billkey=734f880246ece4ffdba841c1436399c9968d32cc&orderid=PRIV-1\
              &cardno=5365101234567890&buyertel=01098765432&buyername=%ED%99%8D%EA%B8%B8%EB%8F%99"
                .to_vec(),
        ),
        // Virtual-account reply (EUC-KR) and its deposit notification.
        (
            MessageKind::ApprovalReply,
            Charset::EucKr,
            euc_kr(&[
                b"P_STATUS=00&P_TYPE=VBANK&P_AMT=1000&P_UNAME=",
                NAMES[0],
                b"&P_VACT_NUM=56211101573948&P_VACT_DATE=20160514&P_VACT_BANK_CODE=88",
            ]),
        ),
        (
            MessageKind::Noti,
            Charset::EucKr,
            b"P_STATUS=02&P_TYPE=VBANK&P_AMT=1000&P_UNAME=%C8%AB%B1%E6%B5%BF\
              &P_RMESG1=P_VACCT_NO%3D79010590891926%7CP_EXP_DT%3D20160514235900"
                .to_vec(),
        ),
        // INIAPI inquiry reply (JSON).
        (
            MessageKind::IniapiReply,
            Charset::Utf8,
            r#"{"resultCode":"00","buyerName":"홍길동","buyerTel":"01055551234","vacctInfo":{"accountNumber":"56211102345678","accountName":"홍길동"}}"#
                .as_bytes()
                .to_vec(),
        ),
    ]
}

/// Journals every message for `PRIV-1` (the first through `record`, the
/// others through `append`) and checks what each store answers.
async fn write_all(l: &dyn Ledger) {
    let o = oid("PRIV-1");
    l.create_payment(NewPayment::new(o.clone(), mid(), Amount::won(1000), at(0)))
        .await
        .unwrap();
    for (i, (kind, charset, body)) in messages().into_iter().enumerate() {
        let m = Message::new(kind, Direction::Inbound, charset, body, at(1 + i as u64))
            .order(o.clone());
        if i == 0 {
            let ev = Event::Approved {
                tid: inipay_core::types::Tid::new(VISIBLE).unwrap(),
                amount: Amount::won(1000),
            };
            let r = l.record(m, intent(&o, ev)).await.unwrap();
            assert!(r.applied.is_transition(), "{:?}", r.applied);
        } else {
            l.append(m, None).await.unwrap();
        }
    }
    let journal = l.messages_of(&o).await.unwrap();
    assert_eq!(journal.len(), messages().len());
    for (e, (_, charset, body)) in journal.iter().zip(messages()) {
        assert_eq!(
            e.body_sha256,
            Some(keyed_digest(&body)),
            "the digest is the keyed one of the bytes received"
        );
        assert_ne!(
            e.body_sha256,
            Some(<[u8; 32]>::from(Sha256::digest(&body))),
            "never a plain hash of a body with a number (reversible by trying every number)"
        );
        assert_no_personal_data(&e.message.body, "stored body");
        assert_no_personal_data(e.masked.as_deref().unwrap().as_bytes(), "masked copy");
        assert_eq!(e.message.charset, charset);
    }
    // Still parseable, with enough kept to be useful.
    let phone = Form::parse(&journal[0].message.body, Charset::EucKr).unwrap();
    assert_eq!(phone.get("P_HPP_NUM"), Some("010****5432"));
    assert_eq!(phone.get("P_UNAME"), Some("홍**"));
    assert_eq!(phone.get("P_RMESG1"), Some("성공"));
    assert_eq!(phone.get("P_TID"), Some(VISIBLE));
    let card = Form::parse(&journal[1].message.body, Charset::Utf8).unwrap();
    assert_eq!(card.get("P_CARD_NUM"), Some("411111******1111"));
    let bill = Form::parse(&journal[2].message.body, Charset::Utf8).unwrap();
    assert_eq!(bill.get("cardno"), Some("536510******7890"));
    assert_eq!(bill.get("billkey"), Some("[billkey-sealed]"));
    let noti = Form::parse(&journal[4].message.body, Charset::EucKr).unwrap();
    assert_eq!(
        noti.get("P_RMESG1"),
        Some("P_VACCT_NO=**********1926|P_EXP_DT=20160514235900")
    );
    let json: serde_json::Value = serde_json::from_slice(&journal[5].message.body).unwrap();
    assert_eq!(json["vacctInfo"]["accountNumber"], "**********5678");
    assert_eq!(json["resultCode"], "00");
}

fn find(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn assert_no_personal_data(bytes: &[u8], what: &str) {
    for n in FULL_NUMBERS {
        assert!(!find(bytes, n.as_bytes()), "{what} holds {n}");
    }
    for name in NAMES {
        assert!(!find(bytes, name), "{what} holds a buyer name");
    }
    assert!(
        !find(bytes, b"734f880246ece4ff"),
        "{what} holds a billing key"
    );
}

#[tokio::test]
async fn memory_store_keeps_no_personal_data() {
    write_all(&MemoryStore::new().with_body_digest_key(digest_key())).await;
}

/// The test's body digest key.
fn digest_key() -> BodyDigestKey {
    BodyDigestKey::new([0x5A; 32])
}

/// HMAC-SHA256 of `body` under [`digest_key`], computed independently.
fn keyed_digest(body: &[u8]) -> [u8; 32] {
    use hmac::{Hmac, KeyInit, Mac};
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&[0x5A; 32]).unwrap();
    mac.update(body);
    mac.finalize().into_bytes().into()
}

/// Without a digest key, a body that carried personal data gets no digest
/// at all; a body without any gets its plain SHA-256.
#[tokio::test]
async fn without_a_digest_key_numbers_get_no_digest() {
    let l = MemoryStore::new();
    let o = oid("PRIV-2");
    for (kind, charset, body) in messages() {
        let m = Message::new(kind, Direction::Inbound, charset, body, at(1)).order(o.clone());
        l.append(m, None).await.unwrap();
    }
    let clean = b"P_STATUS=00&P_TID=T1".to_vec();
    let m = Message::new(
        MessageKind::Noti,
        Direction::Inbound,
        Charset::EucKr,
        clean.clone(),
        at(2),
    )
    .order(o.clone());
    l.append(m, None).await.unwrap();
    let journal = l.messages_of(&o).await.unwrap();
    let (last, numbers) = journal.split_last().unwrap();
    assert!(
        numbers.iter().all(|e| e.body_sha256.is_none()),
        "{numbers:?}"
    );
    assert_eq!(
        last.body_sha256,
        Some(<[u8; 32]>::from(Sha256::digest(&clean)))
    );
}

/// The SQLite database files, concatenated.
fn sqlite_files(dir: &TempDir) -> Vec<u8> {
    let mut all = Vec::new();
    for name in ["ledger.db", "ledger.db-wal"] {
        if let Ok(bytes) = std::fs::read(dir.path().join(name)) {
            all.extend(bytes);
        }
    }
    all
}

#[tokio::test]
async fn sqlite_database_file_holds_no_full_number() {
    let dir = TempDir::new("privacy");
    let mut o = SqliteOptions::new(dir.path().join("ledger.db"));
    o.body_digest_key = Some(digest_key());
    let store = SqliteStore::open_with(o).await.unwrap();
    write_all(&store).await;
    // Open: the commits are in the WAL.
    let open = sqlite_files(&dir);
    assert!(find(&open, VISIBLE.as_bytes()), "the scan sees the journal");
    assert_no_personal_data(&open, "ledger.db + ledger.db-wal (open)");
    // Closed: checkpointed into the main file.
    store.close().await;
    let closed = sqlite_files(&dir);
    assert!(find(&closed, VISIBLE.as_bytes()));
    assert_no_personal_data(&closed, "ledger.db + ledger.db-wal (closed)");
}

/// Every column of every ledger table, as bytes (BYTEA raw, the rest as text).
async fn postgres_bytes(store: &PostgresStore) -> Vec<u8> {
    let columns = sqlx::query(
        "SELECT table_name::text AS t, column_name::text AS c, data_type::text AS d \
         FROM information_schema.columns \
         WHERE table_schema = 'public' AND table_name LIKE 'ledger_%'",
    )
    .fetch_all(store.pool())
    .await
    .unwrap();
    assert!(columns.len() > 40, "every ledger table listed");
    let mut all = Vec::new();
    for row in columns {
        let (t, c, d): (String, String, String) = (row.get("t"), row.get("c"), row.get("d"));
        let sql = if d == "bytea" {
            format!("SELECT {c} AS v FROM {t}")
        } else {
            format!("SELECT convert_to({c}::text, 'UTF8') AS v FROM {t}")
        };
        let values: Vec<(Option<Vec<u8>>,)> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .fetch_all(store.pool())
            .await
            .unwrap();
        for (v,) in values {
            all.extend(v.unwrap_or_default());
            all.push(0);
        }
    }
    all
}

#[tokio::test]
async fn postgres_rows_hold_no_full_number() {
    with_postgres("postgres_rows_hold_no_full_number", |url| async move {
        let mut o = inipay_core::ledger::PostgresOptions::new(&url);
        o.body_digest_key = Some(digest_key());
        let store = PostgresStore::connect_with(o).await.unwrap();
        write_all(&store).await;
        let bytes = postgres_bytes(&store).await;
        assert!(
            find(&bytes, VISIBLE.as_bytes()),
            "the scan sees the journal"
        );
        assert_no_personal_data(&bytes, "PostgreSQL rows");
        store.close().await;
    })
    .await;
}

const DAY: u64 = 86_400_000;

/// A store's retention purge (not part of [`Ledger`]).
trait Purge: Ledger {
    async fn purge(&self, now_ms: u64) -> u64;
}

macro_rules! purge_impl {
    ($($store:ty),*) => {$(
        impl Purge for $store {
            async fn purge(&self, now_ms: u64) -> u64 {
                let now = inipay_core::time::Timestamp::from_unix_millis(now_ms);
                self.purge_raw_bodies(now).await.unwrap()
            }
        }
    )*};
}
purge_impl!(MemoryStore, SqliteStore, PostgresStore);

/// Journals one message on day 0 and one on day 40 (retention 30 days),
/// purges on day 45, and checks what stays.
async fn retention_purges_old_bodies_once(l: &impl Purge) {
    let o = oid("RETAIN-1");
    let body = |t: &str| format!("P_STATUS=02&P_UNAME=Kim&P_TID={t}").into_bytes();
    for (t, day) in [("OLD", 0), ("NEW", 40)] {
        let m = Message::new(
            MessageKind::Noti,
            Direction::Inbound,
            Charset::EucKr,
            body(t),
            inipay_core::time::Timestamp::from_unix_millis(T0 + day * DAY),
        )
        .order(o.clone());
        l.append(m, None).await.unwrap();
    }
    let before = l.messages_of(&o).await.unwrap();
    assert_eq!(
        l.purge(T0 + 30 * DAY).await,
        0,
        "nothing older than 30 days yet"
    );
    assert_eq!(l.purge(T0 + 45 * DAY).await, 1);
    assert_eq!(l.purge(T0 + 46 * DAY).await, 0, "a body is purged once");
    let after = l.messages_of(&o).await.unwrap();
    let (old, new) = (&after[0], &after[1]);
    assert!(old.message.body.is_empty());
    assert_eq!(
        old.body_purged_at,
        Some(inipay_core::time::Timestamp::from_unix_millis(
            T0 + 45 * DAY
        ))
    );
    assert_eq!(old.masked, before[0].masked, "the masked copy stays");
    assert_eq!(
        old.masked.as_deref(),
        Some("P_STATUS=02\nP_UNAME=K**\nP_TID=OLD")
    );
    assert_eq!(
        old.body_sha256,
        Some(keyed_digest(&body("OLD"))),
        "the digest stays"
    );
    assert_eq!(old.message.kind, before[0].message.kind);
    assert_eq!(new, &before[1], "younger messages untouched");
}

#[tokio::test]
async fn memory_store_retention_purges_old_bodies_once() {
    let store = MemoryStore::new()
        .with_raw_body_retention_days(30)
        .with_body_digest_key(digest_key());
    retention_purges_old_bodies_once(&store).await;
    assert_eq!(
        MemoryStore::new().purge(u64::MAX).await,
        0,
        "no retention setting: nothing purged"
    );
}

/// Every change of the journal but the purge fails; `empty` is the empty
/// binary literal of the database.
async fn other_changes_fail<DB: sqlx::Database>(pool: &sqlx::Pool<DB>, empty: &str, pg: bool)
where
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
{
    let mut refused = vec![
        "UPDATE ledger_messages SET kind = 'noti' WHERE body_purged_at IS NULL".to_owned(),
        "UPDATE ledger_messages SET kind = 'noti' WHERE body_purged_at IS NOT NULL".to_owned(),
        format!("UPDATE ledger_messages SET body = body || body WHERE body <> {empty}"),
        // A purge that also rewrites the masked copy, the digest or the time.
        format!(
            "UPDATE ledger_messages SET body = {empty}, body_purged_at = 1, masked = 'x' \
             WHERE body_purged_at IS NULL"
        ),
        format!(
            "UPDATE ledger_messages SET body = {empty}, body_purged_at = 1, body_sha256 = NULL \
             WHERE body_purged_at IS NULL"
        ),
        format!(
            "UPDATE ledger_messages SET body = {empty}, body_purged_at = 1, at = at + 1 \
             WHERE body_purged_at IS NULL"
        ),
        // Marking purged without emptying; purging twice; un-purging.
        "UPDATE ledger_messages SET body_purged_at = 1 WHERE body <> ".to_owned() + empty,
        "UPDATE ledger_messages SET body_purged_at = 2 WHERE body_purged_at IS NOT NULL".to_owned(),
        "UPDATE ledger_messages SET body_purged_at = NULL WHERE body_purged_at IS NOT NULL"
            .to_owned(),
        "DELETE FROM ledger_messages WHERE body_purged_at IS NOT NULL".to_owned(),
        "DELETE FROM ledger_messages WHERE body_purged_at IS NULL".to_owned(),
    ];
    if pg {
        refused.push("TRUNCATE ledger_messages CASCADE".to_owned());
    }
    assert_refused(pool, &refused).await;
}

#[tokio::test]
async fn sqlite_retention_purge_is_the_only_change_allowed() {
    let dir = TempDir::new("retention");
    let mut o = SqliteOptions::new(dir.path().join("ledger.db"));
    o.synchronous = Synchronous::Normal;
    o.raw_body_retention_days = Some(30);
    o.body_digest_key = Some(digest_key());
    let store = SqliteStore::open_with(o).await.unwrap();
    retention_purges_old_bodies_once(&store).await;
    other_changes_fail(store.pool(), "X''", false).await;
    assert_eq!(store.messages_of(&oid("RETAIN-1")).await.unwrap().len(), 2);
    store.close().await;
}

#[tokio::test]
async fn postgres_retention_purge_is_the_only_change_allowed() {
    with_postgres(
        "postgres_retention_purge_is_the_only_change_allowed",
        |url| async move {
            let mut o = inipay_core::ledger::PostgresOptions::new(&url);
            o.raw_body_retention_days = Some(30);
            o.body_digest_key = Some(digest_key());
            let store = PostgresStore::connect_with(o).await.unwrap();
            retention_purges_old_bodies_once(&store).await;
            other_changes_fail(store.pool(), "''::bytea", true).await;
            assert_eq!(store.messages_of(&oid("RETAIN-1")).await.unwrap().len(), 2);
            // Without a retention setting nothing is purged.
            let plain = PostgresStore::connect(&url).await.unwrap();
            assert_eq!(plain.purge(u64::MAX / 2).await, 0);
            plain.close().await;
            store.close().await;
        },
    )
    .await;
}
