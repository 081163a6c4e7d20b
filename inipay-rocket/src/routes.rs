//! The routes. Each turns one request into one flow call and the answer into
//! a [`Reply`]; no payment logic lives here.

use crate::Inicis;
use crate::http::{Peer, RawQuery, Reply, read_body};
use inipay_core::flow::{Callback, CheckoutReply, CollectedBody, NextOutcome};
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
        inipay_return
    ]
}

/// Route names the fairing looks for.
pub(crate) const NAMES: &[&str] = &[
    "inipay_checkout",
    "inipay_next_post",
    "inipay_next_get",
    "inipay_noti",
    "inipay_return",
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
    match read_body(data).await {
        Ok(CollectedBody::Complete(b)) => Ok(b),
        Ok(CollectedBody::Oversized(big)) => {
            let oid = query.param("oid");
            if let Err(e) = inicis
                .flow
                .oversized(route, oid.as_deref(), big, (inicis.clock)())
                .await
            {
                tracing::error!(error = %e, "over-limit body not journaled");
            }
            Err(Reply::empty(Status::PayloadTooLarge))
        }
        Err(e) => {
            tracing::warn!(error = %e, "request body could not be read");
            Err(Reply::empty(Status::BadRequest))
        }
    }
}

/// `GET {mount}/checkout/<order_id>?method=CARD`: the auto-submitting page.
#[rocket::get("/checkout/<order_id>?<method>")]
async fn inipay_checkout(order_id: &str, method: Option<&str>, inicis: &State<Inicis>) -> Reply {
    let Some(method) = method.filter(|m| !m.is_empty()) else {
        return Reply::checkout(CheckoutReply::missing_method());
    };
    let now = (inicis.clock)();
    let result = inicis
        .source
        .checkout(&inicis.flow, order_id, method, now)
        .await;
    Reply::checkout(CheckoutReply::from_result(result))
}

/// Sends the browser to the result page of the order the outcome is about
/// (or of the `oid` in the URL), or answers `400` when neither is known.
fn after_next(inicis: &Inicis, oid: Option<String>, outcome: &NextOutcome) -> Reply {
    match outcome {
        NextOutcome::Paid { .. } | NextOutcome::AlreadyProcessed { .. } => {
            tracing::info!(outcome = ?outcome, "auth result handled");
        }
        _ => tracing::warn!(outcome = ?outcome, "auth result handled, not paid"),
    }
    let target = outcome
        .order_id()
        .map(|o| o.as_str().to_owned())
        .or(oid.filter(|o| inipay_core::types::OrderId::new(o).is_ok()));
    match target {
        Some(o) => Reply::see_other((inicis.result_page)(&o)),
        None => Reply::text(Status::BadRequest, "missing order id"),
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
    after_next(inicis, oid, &outcome)
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
    after_next(inicis, oid, &outcome)
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
/// the ledger (pending until the notification lands). A missing or invalid
/// order id is `404` (as for the checkout page).
#[rocket::get("/return")]
async fn inipay_return(query: RawQuery, inicis: &State<Inicis>) -> Reply {
    match query
        .param("oid")
        .filter(|o| inipay_core::types::OrderId::new(o).is_ok())
    {
        Some(o) => Reply::see_other((inicis.result_page)(&o)),
        None => Reply::text(Status::NotFound, "unknown order"),
    }
}
