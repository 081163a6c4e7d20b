//! The suite's Actix app: `inipay_actix::Inicis` configured on an `App`,
//! served on 127.0.0.1 by one worker.

use super::{AppSpec, Running};
use actix_web::{App, HttpServer};
use inipay_actix::Inicis;
use inipay_core::flow::BoxFuture;

/// Starts an Actix server for `spec`; the socket is bound before it returns,
/// so connections wait in the backlog until the worker accepts them.
pub fn serve(spec: AppSpec) -> BoxFuture<'static, Running> {
    Box::pin(async move {
        let mut inicis = Inicis::new(spec.flow.clone(), spec.source.clone())
            .result_page(spec.result_page)
            .clock(spec.now);
        if let Some(h) = spec.proxy_header {
            let name = actix_web::http::header::HeaderName::from_static(h);
            inicis = inicis.trust_proxy_header(name);
        }
        let listener =
            std::net::TcpListener::bind(("127.0.0.1", spec.port)).expect("bind 127.0.0.1");
        let server = HttpServer::new(move || App::new().configure(|c| inicis.configure(c)))
            .workers(1)
            .disable_signals()
            .shutdown_timeout(0)
            .listen(listener)
            .expect("actix listens")
            .run();
        let handle = server.handle();
        tokio::spawn(server);
        Running::new(move || {
            if let Ok(rt) = tokio::runtime::Handle::try_current() {
                rt.spawn(handle.stop(false));
            }
        })
    })
}
