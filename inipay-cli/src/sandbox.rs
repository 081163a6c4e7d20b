//! `inipay sandbox`: the `inipay-sandbox` binary's job (start
//! [`inipay_sandbox::Sandbox`], print its URLs, run until Ctrl-C), plus
//! faults injected at start from a file.

use crate::cli::SandboxArgs;
use crate::error::CliError;
use inipay_sandbox::faults::{Endpoint, Fault};
use inipay_sandbox::{Sandbox, SandboxConfig};
use serde::Deserialize;
use std::path::Path;

/// One entry of a `--faults` file: the body of `POST /sandbox/api/faults`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultSpec {
    /// The endpoint.
    pub endpoint: Endpoint,
    /// The misbehaviour.
    pub fault: Fault,
    /// How many calls suffer it (default 1).
    #[serde(default = "one")]
    pub count: u32,
}

fn one() -> u32 {
    1
}

/// Reads a `--faults` file (a JSON array of [`FaultSpec`], or one object).
pub fn read_faults(path: &Path) -> Result<Vec<FaultSpec>, CliError> {
    let err = |source: Box<dyn std::error::Error + Send + Sync>| CliError::ConfigFile {
        path: path.display().to_string(),
        source,
    };
    let text = std::fs::read_to_string(path).map_err(|e| err(e.into()))?;
    parse_faults(&text).map_err(|e| err(e.into()))
}

fn parse_faults(text: &str) -> Result<Vec<FaultSpec>, serde_json::Error> {
    let v: serde_json::Value = serde_json::from_str(text)?;
    if v.is_array() {
        serde_json::from_value(v)
    } else {
        serde_json::from_value(v).map(|f| vec![f])
    }
}

/// Runs the sandbox in the foreground until Ctrl-C.
pub async fn run(args: SandboxArgs) -> Result<(), CliError> {
    let faults = match &args.faults {
        Some(p) => read_faults(p)?,
        None => Vec::new(),
    };
    let sandbox = Sandbox::start(SandboxConfig::default().with_port(args.port))
        .await
        .map_err(CliError::SandboxStart)?;
    let injected = faults.len();
    for f in faults {
        sandbox.inject(f.endpoint, f.fault, f.count);
    }
    println!("INICIS sandbox listening on {}", sandbox.base_url());
    println!("  payment window  {}", sandbox.url("/smart/payment/"));
    println!("  dashboard       {}", sandbox.url("/sandbox/"));
    println!("  control API     {}", sandbox.url("/sandbox/api/"));
    if injected > 0 {
        println!("  faults          {injected} injected from the --faults file");
    }
    println!("Ctrl-C stops it.");
    let _ = tokio::signal::ctrl_c().await;
    sandbox.shutdown().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fault_files() {
        let v = parse_faults(
            r#"[{"endpoint": "approval", "fault": {"kind": "http500"}, "count": 2},
                {"endpoint": "noti", "fault": {"kind": "duplicate_noti"}}]"#,
        )
        .unwrap();
        assert_eq!(v.len(), 2);
        assert_eq!(v[0].count, 2);
        assert_eq!(v[1].count, 1);
        assert_eq!(v[1].fault, Fault::DuplicateNoti);
        let one = parse_faults(
            r#"{"endpoint": "inquiry", "fault": {"kind": "inquiry_status", "status": "1"}}"#,
        )
        .unwrap();
        assert_eq!(one.len(), 1);
        assert!(
            parse_faults(r#"[{"endpoint": "nowhere", "fault": {"kind": "http500"}}]"#).is_err()
        );
    }
}
