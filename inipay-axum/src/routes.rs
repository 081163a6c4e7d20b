//! The route handlers: HTTP in, one flow call, HTTP out.

use crate::{Shared, body, client_ip};
use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, Request, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, LOCATION};
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use inipay_core::flow::{BrowserReply, Callback, CheckoutReply};
use inipay_core::request::query_param;
use inipay_core::types::OrderId;

const TEXT_UTF8: HeaderValue = HeaderValue::from_static("text/plain; charset=utf-8");
const HTML_UTF8: HeaderValue = HeaderValue::from_static("text/html; charset=utf-8");
const NO_STORE: HeaderValue = HeaderValue::from_static("no-store");

/// A response with `status`, `body` and the given headers.
fn respond(
    status: StatusCode,
    headers: &[(axum::http::HeaderName, HeaderValue)],
    body: impl Into<Body>,
) -> Response {
    let mut res = Response::new(body.into());
    *res.status_mut() = status;
    for (name, value) in headers {
        res.headers_mut().insert(name, value.clone());
    }
    res
}

/// A short plain-text answer for the buyer (never internals).
fn text(status: StatusCode, body: &'static str) -> Response {
    respond(
        status,
        &[(CONTENT_TYPE, TEXT_UTF8), (CACHE_CONTROL, NO_STORE)],
        body,
    )
}

/// An empty answer with `status` (what INICIS and a browser get when the
/// routes refuse: no internals).
fn empty(status: StatusCode) -> Response {
    respond(status, &[(CACHE_CONTROL, NO_STORE)], Body::empty())
}

/// `303 See Other` to the app's result page for `order_id`; a page the app
/// built that is not a valid header value is a `500` (logged).
fn to_result_page(state: &Shared, order_id: &OrderId) -> Response {
    match HeaderValue::try_from((state.result_page)(order_id.as_str())) {
        Ok(location) => respond(
            StatusCode::SEE_OTHER,
            &[(LOCATION, location), (CACHE_CONTROL, NO_STORE)],
            Body::empty(),
        ),
        Err(e) => {
            tracing::error!(error = %e, "the result page is not a valid Location header");
            empty(StatusCode::INTERNAL_SERVER_ERROR)
        }
    }
}

/// The raw (still percent-encoded) query string, empty when absent.
fn query(req: &Request) -> &str {
    req.uri().query().unwrap_or("")
}

/// Every route while the flow has deployment problems
/// ([`Inicis::router`](crate::Inicis::router)): `503` with an empty body.
pub(crate) async fn refused() -> Response {
    empty(StatusCode::SERVICE_UNAVAILABLE)
}

/// A routed path with a method it does not serve: `404` with an empty body
/// (as actix, where such a request matches no route).
pub(crate) async fn not_routed() -> Response {
    let mut res = Response::new(Body::empty());
    *res.status_mut() = StatusCode::NOT_FOUND;
    res
}

/// The body of a callback on `route`, or the response to send instead: an
/// over-limit body is journaled truncated by the flow, then answered `413`
/// with an empty body; a broken connection is `400`.
async fn callback_body(state: &Shared, req: Request, route: Callback) -> Result<Vec<u8>, Response> {
    let oid = query_param(query(&req), "oid");
    let read = body::read(req.into_body(), state.body_limit).await;
    state
        .flow
        .callback_body(route, oid.as_deref(), read, (state.clock)())
        .await
        .map_err(|status| {
            empty(StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
        })
}

/// `GET {mount}/checkout/{order_id}?method=CARD`. An order id that does not
/// decode to UTF-8 goes to the source as sent (still percent-encoded): the
/// source finds no such order, as on the other adapters.
pub(crate) async fn checkout(
    State(state): State<Shared>,
    order_id: Result<Path<String>, PathRejection>,
    req: Request,
) -> Response {
    let order_id = match order_id {
        Ok(Path(id)) => id,
        Err(_) => req.uri().path().rsplit('/').next().unwrap_or("").to_owned(),
    };
    checkout_reply(
        CheckoutReply::for_request(
            state.source.as_ref(),
            &state.flow,
            &order_id,
            query(&req),
            (state.clock)(),
        )
        .await,
    )
}

/// Translates core's checkout reply.
fn checkout_reply(reply: CheckoutReply) -> Response {
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let content_type = if reply.html { HTML_UTF8 } else { TEXT_UTF8 };
    respond(
        status,
        &[(CONTENT_TYPE, content_type), (CACHE_CONTROL, NO_STORE)],
        reply.body,
    )
}

/// `POST {mount}/next?oid=...`: the auth result is the body.
pub(crate) async fn next_post(State(state): State<Shared>, req: Request) -> Response {
    let oid = query_param(query(&req), "oid");
    match callback_body(&state, req, Callback::Next).await {
        Ok(body) => next(&state, oid, &body).await,
        Err(refused) => refused,
    }
}

/// `GET {mount}/next?oid=...&P_STATUS=...`: the auth result is the query.
pub(crate) async fn next_get(State(state): State<Shared>, req: Request) -> Response {
    let oid = query_param(query(&req), "oid");
    next(&state, oid, query(&req).as_bytes()).await
}

async fn next(state: &Shared, oid: Option<String>, body: &[u8]) -> Response {
    let now = (state.clock)();
    let outcome = state.flow.next(oid.as_deref(), body, now).await;
    browser_reply(state, BrowserReply::after_next(&outcome, oid.as_deref()))
}

/// Translates core's answer to the buyer's browser.
fn browser_reply(state: &Shared, reply: BrowserReply) -> Response {
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
pub(crate) async fn noti(State(state): State<Shared>, req: Request) -> Response {
    let source = client_ip::source(&req, state.proxy.as_ref());
    let body = match callback_body(&state, req, Callback::Noti).await {
        Ok(b) => b,
        Err(refused) => return refused,
    };
    let reply = state.flow.noti(&body, source, (state.clock)()).await;
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    respond(
        status,
        &[(CONTENT_TYPE, HeaderValue::from_static("text/plain"))],
        reply.body,
    )
}

/// `GET {mount}/return?oid=...`: the 1trs landing.
pub(crate) async fn return_landing(State(state): State<Shared>, req: Request) -> Response {
    let oid = query_param(query(&req), "oid");
    browser_reply(&state, BrowserReply::after_return(oid.as_deref()))
}

/// `POST {mount}/billing/return?oid=...`: the billing-key result (`returnurl`).
pub(crate) async fn billing_post(State(state): State<Shared>, req: Request) -> Response {
    let raw_query = query(&req).to_owned();
    match callback_body(&state, req, Callback::BillingReturn).await {
        Ok(body) => billing(&state, &raw_query, &body).await,
        Err(refused) => refused,
    }
}

/// `GET {mount}/billing/return?oid=...&resultcode=...`.
pub(crate) async fn billing_get(State(state): State<Shared>, req: Request) -> Response {
    let raw_query = query(&req);
    billing(&state, raw_query, raw_query.as_bytes()).await
}

async fn billing(state: &Shared, raw_query: &str, body: &[u8]) -> Response {
    let oid = query_param(raw_query, "oid");
    let outcome = state
        .flow
        .billing_return(raw_query, body, (state.clock)())
        .await;
    browser_reply(state, BrowserReply::after_billing(&outcome, oid.as_deref()))
}
