//! The route handlers: HTTP in, one flow call, HTTP out.

use crate::{Shared, body, client_ip};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, ContentType};
use actix_web::{HttpRequest, HttpResponse, web};
use inipay_core::flow::{BrowserReply, Callback, CheckoutReply};
use inipay_core::request::query_param;
use inipay_core::types::OrderId;

/// A short plain-text answer for the buyer (never internals).
fn text(status: StatusCode, body: impl Into<String>) -> HttpResponse {
    HttpResponse::build(status)
        .content_type(ContentType::plaintext())
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body.into())
}

/// `303 See Other` to the app's result page for `order_id`.
fn to_result_page(state: &Shared, order_id: &OrderId) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, (state.result_page)(order_id.as_str())))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish()
}

/// An empty answer with `status` (what INICIS and a browser get when the
/// routes refuse: no internals).
fn empty(status: StatusCode) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish()
}

/// Every route while the flow has deployment problems
/// ([`Inicis::scope`](crate::Inicis::scope)): `503` with an empty body.
pub(crate) async fn refused() -> HttpResponse {
    empty(StatusCode::SERVICE_UNAVAILABLE)
}

/// The body of a callback on `route`, or the response to send instead: an
/// over-limit body is journaled truncated by the flow, then answered `413`
/// with an empty body; a broken connection is `400`.
async fn callback_body(
    state: &Shared,
    req: &HttpRequest,
    route: Callback,
    payload: web::Payload,
) -> Result<Vec<u8>, HttpResponse> {
    let oid = query_param(req.query_string(), "oid");
    let read = body::read(payload, state.body_limit).await;
    state
        .flow
        .callback_body(route, oid.as_deref(), read, (state.clock)())
        .await
        .map_err(|status| {
            empty(StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
        })
}

/// `GET {mount}/checkout/{order_id}?method=CARD`.
pub(crate) async fn checkout(
    state: web::Data<Shared>,
    req: HttpRequest,
    order_id: web::Path<String>,
) -> HttpResponse {
    checkout_reply(
        CheckoutReply::for_request(
            state.source.as_ref(),
            &state.flow,
            &order_id,
            req.query_string(),
            (state.clock)(),
        )
        .await,
    )
}

/// Translates core's checkout reply.
fn checkout_reply(reply: CheckoutReply) -> HttpResponse {
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let content_type = if reply.html {
        ContentType::html()
    } else {
        ContentType::plaintext()
    };
    HttpResponse::build(status)
        .content_type(content_type)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(reply.body)
}

/// `POST {mount}/next?oid=...`: the auth result is the body.
pub(crate) async fn next_post(
    state: web::Data<Shared>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    match callback_body(&state, &req, Callback::Next, payload).await {
        Ok(body) => next(&state, &req, &body).await,
        Err(refused) => refused,
    }
}

/// `GET {mount}/next?oid=...&P_STATUS=...`: the auth result is the query.
pub(crate) async fn next_get(state: web::Data<Shared>, req: HttpRequest) -> HttpResponse {
    next(&state, &req, req.query_string().as_bytes()).await
}

async fn next(state: &Shared, req: &HttpRequest, body: &[u8]) -> HttpResponse {
    let oid = query_param(req.query_string(), "oid");
    let now = (state.clock)();
    let outcome = state.flow.next(oid.as_deref(), body, now).await;
    browser_reply(state, BrowserReply::after_next(&outcome, oid.as_deref()))
}

/// Translates core's answer to the buyer's browser.
fn browser_reply(state: &Shared, reply: BrowserReply) -> HttpResponse {
    match reply {
        BrowserReply::ToResultPage(o) => to_result_page(state, &o),
        BrowserReply::Text { status, body } => text(
            StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            body,
        ),
        // A reply this adapter does not know yet: never a success.
        _ => empty(StatusCode::INTERNAL_SERVER_ERROR),
    }
}

/// `POST {mount}/noti`: exactly the flow's status and body.
pub(crate) async fn noti(
    state: web::Data<Shared>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    let body = match callback_body(&state, &req, Callback::Noti, payload).await {
        Ok(b) => b,
        Err(refused) => return refused,
    };
    let source = client_ip::source(&req, state.proxy.as_ref());
    let reply = state.flow.noti(&body, source, (state.clock)()).await;
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    HttpResponse::build(status)
        .content_type("text/plain")
        .body(reply.body)
}

/// `GET {mount}/return?oid=...`: the 1trs landing.
pub(crate) async fn return_landing(state: web::Data<Shared>, req: HttpRequest) -> HttpResponse {
    let oid = query_param(req.query_string(), "oid");
    browser_reply(&state, BrowserReply::after_return(oid.as_deref()))
}

/// `POST {mount}/billing/return?oid=...`: the billing-key result (`returnurl`).
pub(crate) async fn billing_post(
    state: web::Data<Shared>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    match callback_body(&state, &req, Callback::BillingReturn, payload).await {
        Ok(body) => billing(&state, &req, &body).await,
        Err(refused) => refused,
    }
}

/// `GET {mount}/billing/return?oid=...&resultcode=...`.
pub(crate) async fn billing_get(state: web::Data<Shared>, req: HttpRequest) -> HttpResponse {
    billing(&state, &req, req.query_string().as_bytes()).await
}

async fn billing(state: &Shared, req: &HttpRequest, body: &[u8]) -> HttpResponse {
    let oid = query_param(req.query_string(), "oid");
    let outcome = state
        .flow
        .billing_return(req.query_string(), body, (state.clock)())
        .await;
    browser_reply(state, BrowserReply::after_billing(&outcome, oid.as_deref()))
}
