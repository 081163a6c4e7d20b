//! The suite's axum app: `inipay_axum::Inicis::router` served on 127.0.0.1
//! with connection info (the notification source is the TCP peer).

use super::{AppSpec, Running};
use ::axum::http::HeaderName;
use inipay_axum::Inicis;
use inipay_core::flow::BoxFuture;
use std::net::SocketAddr;

/// Starts an axum server for `spec`; the socket is bound before it returns,
/// so connections wait in the backlog until the server accepts them.
/// Stopping is a graceful shutdown (idle keep-alive connections close at
/// once).
pub fn serve(spec: AppSpec) -> BoxFuture<'static, Running> {
    Box::pin(async move {
        let mut inicis = Inicis::new(spec.flow.clone(), spec.source.clone())
            .result_page(spec.result_page)
            .clock(spec.now);
        if let Some(h) = spec.proxy_header {
            let name = HeaderName::from_bytes(h.as_bytes()).expect("a header name");
            inicis = inicis.trust_proxy_header(name);
        }
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", spec.port))
            .await
            .expect("bind 127.0.0.1");
        let app = inicis.router();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let served = ::axum::serve(
                listener,
                app.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await;
            if let Err(e) = served {
                eprintln!("axum stopped with an error: {e}");
            }
        });
        Running::new(move || {
            let _ = stop.send(());
        })
    })
}
