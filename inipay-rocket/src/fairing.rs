//! The ignite fairing: validates the configuration and manages the state.

use crate::Inicis;
use crate::routes::NAMES;
use rocket::fairing::{self, Fairing, Info, Kind};
use rocket::{Build, Rocket};

/// Validates the integration when Rocket ignites and manages the state the
/// routes read. Made by [`Inicis::fairing`].
///
/// Ignite fails (and the app does not start) when:
/// - the routes are not mounted, or mounted somewhere other than
///   [`FlowConfig::mount`](inipay_core::flow::FlowConfig::mount) (INICIS
///   would post `P_NEXT_URL` / `P_NOTI_URL` to paths nobody serves);
/// - the flow has [deployment problems](inipay_core::flow::Flow::deployment_problems)
///   (decided in the core for every adapter: a production merchant needs an
///   `https` public base URL);
/// - a second `Inicis` is attached to the same app;
/// - the trusted proxy header is not a valid header name.
#[derive(Debug)]
pub struct InicisFairing {
    inicis: Inicis,
}

impl InicisFairing {
    pub(crate) fn new(inicis: Inicis) -> InicisFairing {
        InicisFairing { inicis }
    }
}

/// Everything wrong with the configuration of `rocket` for `inicis`.
pub(crate) fn problems(inicis: &Inicis, rocket: &Rocket<Build>) -> Vec<String> {
    let mut out = Vec::new();
    let want = inicis.mount_path();
    for name in NAMES {
        let bases: Vec<String> = rocket
            .routes()
            .filter(|r| r.name.as_deref() == Some(*name))
            .map(|r| r.uri.base().to_owned())
            .collect();
        if bases.is_empty() {
            out.push(format!(
                "route {name} is not mounted: mount Inicis::routes() at {want}"
            ));
        } else if !bases.contains(&want) {
            out.push(format!(
                "route {name} is mounted at {} but FlowConfig::mount is {want}",
                bases.join(", ")
            ));
        }
    }
    out.extend(
        inicis
            .flow
            .deployment_problems()
            .iter()
            .map(ToString::to_string),
    );
    if rocket.state::<Inicis>().is_some() {
        out.push("an Inicis integration is already attached to this app".to_owned());
    }
    if let Some(h) = &inicis.proxy_header
        && (h.is_empty()
            || !h
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
    {
        out.push("the trusted proxy header is not a valid header name".to_owned());
    }
    out
}

#[rocket::async_trait]
impl Fairing for InicisFairing {
    fn info(&self) -> Info {
        Info {
            name: "inipay (KG INICIS)",
            kind: Kind::Ignite,
        }
    }

    async fn on_ignite(&self, rocket: Rocket<Build>) -> fairing::Result {
        let problems = problems(&self.inicis, &rocket);
        if problems.is_empty() {
            tracing::info!(
                mount = %self.inicis.mount_path(),
                next_url = %self.inicis.flow.config().next_url("{oid}"),
                noti_url = %self.inicis.flow.config().noti_url(),
                "inipay routes ready"
            );
            return Ok(rocket.manage(self.inicis.clone()));
        }
        for p in &problems {
            tracing::error!(problem = %p, "inipay configuration refused");
            eprintln!("inipay: {p}");
        }
        Err(rocket)
    }
}
