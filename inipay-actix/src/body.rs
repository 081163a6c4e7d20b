//! Reading a callback body without ever holding more than the limit: the
//! payload stream goes chunk by chunk into the core's
//! [`BodyCollector`], which keeps the first `limit` bytes and counts the rest.

use actix_web::error::PayloadError;
use actix_web::web;
use futures_core::Stream;
use inipay_core::flow::{BodyCollector, CollectedBody};
use std::pin::Pin;

/// The body of a request, cut at `limit` bytes (the rest counted up to
/// [`COUNT_CAP`](inipay_core::flow::COUNT_CAP)).
pub(crate) async fn read(
    mut payload: web::Payload,
    limit: usize,
) -> Result<CollectedBody, PayloadError> {
    let mut body = BodyCollector::new(limit);
    while let Some(chunk) = std::future::poll_fn(|cx| Pin::new(&mut payload).poll_next(cx)).await {
        if !body.push(&chunk?) {
            break;
        }
    }
    Ok(body.finish())
}
