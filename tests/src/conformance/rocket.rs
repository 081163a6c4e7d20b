//! The suite's Rocket app: `inipay_rocket::Inicis` mounted at the flow's
//! mount point, served on 127.0.0.1.

use super::{AppSpec, Running};
use inipay_core::flow::BoxFuture;
use inipay_rocket::Inicis;
use rocket::config::{LogLevel, Shutdown};
use rocket::fairing::AdHoc;

/// Starts a Rocket server for `spec` and returns once it listens.
pub fn serve(spec: AppSpec) -> BoxFuture<'static, Running> {
    Box::pin(async move {
        let mut inicis = Inicis::new(spec.flow.clone(), spec.source.clone())
            .result_page(spec.result_page)
            .clock(spec.now);
        if let Some(h) = spec.proxy_header {
            inicis = inicis.trusted_proxy_header(h);
        }
        let config = rocket::Config {
            address: std::net::Ipv4Addr::LOCALHOST.into(),
            port: spec.port,
            log_level: LogLevel::Off,
            cli_colors: false,
            shutdown: Shutdown {
                ctrlc: false,
                signals: Default::default(),
                grace: 0,
                mercy: 0,
                ..Default::default()
            },
            ..rocket::Config::debug_default()
        };
        let (ready_tx, ready_rx) = tokio::sync::oneshot::channel::<()>();
        let ready = std::sync::Mutex::new(Some(ready_tx));
        let app = rocket::custom(config)
            .attach(inicis.fairing())
            .mount(inicis.mount_path(), inicis.routes())
            .attach(AdHoc::on_liftoff("conformance ready", move |_| {
                Box::pin(async move {
                    if let Some(tx) = ready.lock().ok().and_then(|mut r| r.take()) {
                        let _ = tx.send(());
                    }
                })
            }));
        let ignited = app.ignite().await.expect("rocket ignites");
        let shutdown = ignited.shutdown();
        tokio::spawn(async move {
            if let Err(e) = ignited.launch().await {
                eprintln!("rocket stopped with an error: {e}");
            }
        });
        ready_rx.await.expect("rocket lifts off");
        Running::new(move || shutdown.notify())
    })
}
