//! Reading a callback body without ever holding more than the limit: the
//! body's frames go one by one into the core's [`BodyCollector`], which
//! keeps the first `limit` bytes and counts the rest.

use axum::body::{Body, HttpBody};
use inipay_core::flow::{BodyCollector, CollectedBody};
use std::pin::Pin;

/// The body of a request, cut at `limit` bytes (the rest counted up to
/// [`COUNT_CAP`](inipay_core::flow::COUNT_CAP)). Trailers are ignored.
pub(crate) async fn read(mut body: Body, limit: usize) -> Result<CollectedBody, axum::Error> {
    let mut collected = BodyCollector::new(limit);
    while let Some(frame) = std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await {
        if let Ok(chunk) = frame?.into_data()
            && !collected.push(&chunk)
        {
            break;
        }
    }
    Ok(collected.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run<T>(f: impl std::future::Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(f)
    }

    #[test]
    fn within_and_over_the_limit() {
        let small = run(read(Body::from("P_STATUS=00"), 64)).unwrap();
        assert!(matches!(small, CollectedBody::Complete(b) if b == b"P_STATUS=00"));
        let big = run(read(Body::from(vec![b'a'; 100]), 10)).unwrap();
        let CollectedBody::Oversized(big) = big else {
            panic!("over 10 bytes")
        };
        assert_eq!(big.prefix(), &[b'a'; 10]);
        assert_eq!(big.received().to_string(), "received=100");
    }
}
