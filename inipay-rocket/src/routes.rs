//! The routes. Each turns one request into one flow call and the answer into
//! a [`Reply`]; no payment logic lives here.

use crate::Inicis;
use crate::http::{Peer, RawQuery, Reply, read_body};
use inipay_core::flow::{BrowserReply, Callback, CheckoutReply};
use rocket::State;
use rocket::data::Data;
use rocket::http::Status;

/// Every route, named `inipay_*` so the fairing can find where they are mounted.
pub(crate) fn all() -> Vec<rocket::Route> {
    rocket::routes![
        inipay_checkout,
        inipay_next_post,
        inipay_next_get,
        inipay_noti,
        inipay_return,
        inipay_billing_post,
        inipay_billing_get
    ]
}

/// Route names the fairing looks for.
pub(crate) const NAMES: &[&str] = &[
    "inipay_checkout",
    "inipay_next_post",
    "inipay_next_get",
    "inipay_noti",
    "inipay_return",
    "inipay_billing_post",
    "inipay_billing_get",
];

/// The body of a callback on `route`, or the reply to send instead: an
/// over-limit body is journaled truncated by the flow, then answered `413`
/// with an empty body; a broken connection is `400`.
async fn callback_body(
    inicis: &Inicis,
    route: Callback,
    query: &RawQuery,
    data: Data<'_>,
) -> Result<Vec<u8>, Reply> {
    let oid = query.param("oid");
    let read = read_body(data).await;
    inicis
        .flow
        .callback_body(route, oid.as_deref(), read, (inicis.clock)())
        .await
        .map_err(|status| {
            Reply::empty(Status::from_code(status).unwrap_or(Status::InternalServerError))
        })
}

/// `GET {mount}/checkout/<order_id>?method=CARD`: the auto-submitting page.
/// Decided in core ([`CheckoutReply::for_request`]), as on every adapter.
#[rocket::get("/checkout/<order_id>")]
async fn inipay_checkout(order_id: &str, query: RawQuery, inicis: &State<Inicis>) -> Reply {
    Reply::checkout(
        CheckoutReply::for_request(
            inicis.source.as_ref(),
            &inicis.flow,
            order_id,
            &query.0,
            (inicis.clock)(),
        )
        .await,
    )
}

/// Translates core's answer to the buyer's browser.
fn browser_reply(inicis: &Inicis, reply: BrowserReply) -> Reply {
    match reply {
        BrowserReply::ToResultPage(o) => Reply::see_other((inicis.result_page)(o.as_str())),
        BrowserReply::Text { status, body } => Reply::text(
            Status::from_code(status).unwrap_or(Status::InternalServerError),
            body,
        ),
        // A reply this adapter does not know yet: never a success.
        _ => Reply::empty(Status::InternalServerError),
    }
}

/// `POST {mount}/next?oid=...`: the auth result in the body.
#[rocket::post("/next", data = "<data>")]
async fn inipay_next_post(query: RawQuery, data: Data<'_>, inicis: &State<Inicis>) -> Reply {
    let body = match callback_body(inicis, Callback::Next, &query, data).await {
        Ok(b) => b,
        Err(refused) => return refused,
    };
    let oid = query.param("oid");
    let outcome = inicis
        .flow
        .next(oid.as_deref(), &body, (inicis.clock)())
        .await;
    browser_reply(inicis, BrowserReply::after_next(&outcome, oid.as_deref()))
}

/// `GET {mount}/next?oid=...&P_STATUS=...`: the auth result in the query
/// string (`nextUrl=GET`). The whole query is the message (the extra `oid`
/// field is ignored by the parser).
#[rocket::get("/next")]
async fn inipay_next_get(query: RawQuery, inicis: &State<Inicis>) -> Reply {
    let oid = query.param("oid");
    let outcome = inicis
        .flow
        .next(oid.as_deref(), query.0.as_bytes(), (inicis.clock)())
        .await;
    browser_reply(inicis, BrowserReply::after_next(&outcome, oid.as_deref()))
}

/// `POST {mount}/noti`: exactly the flow's status and body (`OK`).
#[rocket::post("/noti", data = "<data>")]
async fn inipay_noti(peer: Peer, query: RawQuery, data: Data<'_>, inicis: &State<Inicis>) -> Reply {
    let body = match callback_body(inicis, Callback::Noti, &query, data).await {
        Ok(b) => b,
        Err(refused) => return refused,
    };
    let source = peer.source(inicis.proxy_header.as_deref());
    let reply = inicis.flow.noti(&body, source, (inicis.clock)()).await;
    let status = Status::from_code(reply.status).unwrap_or(Status::InternalServerError);
    Reply::text(status, reply.body)
}

/// `GET {mount}/return?oid=...`: the 1trs landing; the result page reads
/// the ledger (pending until the notification lands).
#[rocket::get("/return")]
async fn inipay_return(query: RawQuery, inicis: &State<Inicis>) -> Reply {
    let oid = query.param("oid");
    browser_reply(inicis, BrowserReply::after_return(oid.as_deref()))
}

/// `POST {mount}/billing/return?oid=...`: the billing-key result
/// (`returnurl`, PROTOCOL.md 3.4) in the body.
#[rocket::post("/billing/return", data = "<data>")]
async fn inipay_billing_post(query: RawQuery, data: Data<'_>, inicis: &State<Inicis>) -> Reply {
    let body = match callback_body(inicis, Callback::BillingReturn, &query, data).await {
        Ok(b) => b,
        Err(refused) => return refused,
    };
    billing(inicis, &query, &body).await
}

/// `GET {mount}/billing/return?oid=...&resultcode=...`: the result in the
/// query string.
#[rocket::get("/billing/return")]
async fn inipay_billing_get(query: RawQuery, inicis: &State<Inicis>) -> Reply {
    billing(inicis, &query, query.0.as_bytes()).await
}

async fn billing(inicis: &Inicis, query: &RawQuery, body: &[u8]) -> Reply {
    let oid = query.param("oid");
    let outcome = inicis
        .flow
        .billing_return(&query.0, body, (inicis.clock)())
        .await;
    browser_reply(
        inicis,
        BrowserReply::after_billing(&outcome, oid.as_deref()),
    )
}
