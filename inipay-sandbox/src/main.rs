//! `inipay-sandbox [--port N]`: runs the local INICIS on 127.0.0.1 until
//! Ctrl-C.

use inipay_sandbox::{Sandbox, SandboxConfig};
use std::process::ExitCode;

const USAGE: &str = "usage: inipay-sandbox [--port N]   (default 8081; 0 = any free port)";

fn parse_port(args: &[String]) -> Result<u16, String> {
    let mut port = 8081;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--port" | "-p" => {
                let v = it.next().ok_or("--port needs a value")?;
                port = v.parse().map_err(|_| format!("bad port: {v}"))?;
            }
            "--help" | "-h" => return Err(USAGE.into()),
            other => return Err(format!("unknown argument: {other}\n{USAGE}")),
        }
    }
    Ok(port)
}

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let port = match parse_port(&args) {
        Ok(p) => p,
        Err(msg) => {
            eprintln!("{msg}");
            return ExitCode::from(2);
        }
    };
    let sandbox = match Sandbox::start(SandboxConfig::default().with_port(port)).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("inipay-sandbox: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("INICIS sandbox listening on {}", sandbox.base_url());
    println!("  payment window  {}", sandbox.url("/smart/payment/"));
    println!("  dashboard       {}", sandbox.url("/sandbox/"));
    let _ = tokio::signal::ctrl_c().await;
    sandbox.shutdown().await;
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn port_argument() {
        assert_eq!(parse_port(&args(&[])), Ok(8081));
        assert_eq!(parse_port(&args(&["--port", "9000"])), Ok(9000));
        assert_eq!(parse_port(&args(&["-p", "0"])), Ok(0));
        assert!(parse_port(&args(&["--port"])).is_err());
        assert!(parse_port(&args(&["--port", "x"])).is_err());
        assert!(parse_port(&args(&["--bogus"])).is_err());
    }
}
