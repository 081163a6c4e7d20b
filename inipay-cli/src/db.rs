//! Opening the ledger named by `--db` / `INIPAY_DATABASE_URL`.

use crate::error::CliError;
use inipay_core::ledger::{Ledger, PostgresOptions, PostgresStore, SqliteOptions, SqliteStore};
use reqwest::Url;
use std::path::PathBuf;
use std::time::Duration;

/// Where the ledger lives, as parsed from its URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A SQLite file.
    Sqlite(PathBuf),
    /// A PostgreSQL database (the URL as given).
    Postgres(String),
}

/// Parses `sqlite:PATH` / `sqlite://PATH` or `postgres://...` /
/// `postgresql://...`.
pub fn parse(url: &str) -> Result<Location, CliError> {
    if let Some(rest) = url.strip_prefix("sqlite:") {
        let path = rest.strip_prefix("//").unwrap_or(rest);
        let path = path.split('?').next().unwrap_or_default();
        if path.is_empty() || path == ":memory:" {
            return Err(CliError::Config(format!(
                "--db {url:?}: a SQLite ledger needs a file path (sqlite:PATH)"
            )));
        }
        return Ok(Location::Sqlite(PathBuf::from(path)));
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let parsed = Url::parse(url)
            .map_err(|e| CliError::Config(format!("--db {}: not a valid URL: {e}", redact(url))))?;
        if parsed.host_str().is_none_or(str::is_empty) {
            return Err(CliError::Config(format!(
                "--db {}: the PostgreSQL URL names no host",
                redact(url)
            )));
        }
        return Ok(Location::Postgres(url.to_owned()));
    }
    Err(CliError::Config(format!(
        "--db {}: unsupported ledger URL (expected sqlite:PATH or postgres://user@host:port/database)",
        redact(url)
    )))
}

/// The URL without its password (and the whole text replaced when it does
/// not parse but looks like it holds credentials).
pub fn redact(url: &str) -> String {
    match Url::parse(url) {
        Ok(mut u) => {
            if u.password().is_some() {
                let _ = u.set_password(Some("***"));
            }
            // sqlx also reads `?password=...` (and `sslpassword`).
            if u.query_pairs().any(|(k, _)| k.contains("password")) {
                let pairs: Vec<(String, String)> = u
                    .query_pairs()
                    .map(|(k, v)| {
                        let v = if k.contains("password") {
                            "***".to_owned()
                        } else {
                            v.into_owned()
                        };
                        (k.into_owned(), v)
                    })
                    .collect();
                u.query_pairs_mut().clear().extend_pairs(pairs);
            }
            u.to_string()
        }
        Err(_) if url.contains('@') => "<URL with credentials>".to_owned(),
        Err(_) => url.to_owned(),
    }
}

/// Fails fast, with the reason, when nothing answers at the URL's host and
/// port (the pool would only report a timeout after waiting for it).
async fn probe(url: &str) -> Result<(), CliError> {
    let Ok(u) = Url::parse(url) else {
        return Ok(());
    };
    let Some(host) = u.host_str().map(|h| h.trim_matches(['[', ']']).to_owned()) else {
        return Ok(());
    };
    let port = u.port().unwrap_or(5432);
    let unreachable = |source: std::io::Error| CliError::Unreachable {
        what: format!("PostgreSQL at {}", redact(url)),
        source,
    };
    match tokio::time::timeout(
        Duration::from_secs(10),
        tokio::net::TcpStream::connect((host.as_str(), port)),
    )
    .await
    {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(unreachable(e)),
        Err(_) => Err(unreachable(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            "no answer within 10 s",
        ))),
    }
}

/// Opens the ledger (applying its embedded migrations, as the stores do).
pub async fn open(url: Option<&str>) -> Result<Box<dyn Ledger>, CliError> {
    let url = url.ok_or_else(|| {
        CliError::Config("no ledger given: pass --db URL or set INIPAY_DATABASE_URL".into())
    })?;
    match parse(url)? {
        Location::Sqlite(path) => {
            // Opening creates a missing file: refuse instead, so a typo never
            // reads as an empty ledger.
            if !path.is_file() {
                return Err(CliError::Config(format!(
                    "--db {url}: no SQLite ledger at {} (the file does not exist)",
                    path.display()
                )));
            }
            let mut o = SqliteOptions::new(&path);
            o.readers = 1;
            o.busy_timeout = Duration::from_secs(10);
            let store = SqliteStore::open_with(o)
                .await
                .map_err(|source| CliError::OpenLedger {
                    url: format!("sqlite:{}", path.display()),
                    source,
                })?;
            Ok(Box::new(store))
        }
        Location::Postgres(u) => {
            probe(&u).await?;
            let mut o = PostgresOptions::new(u.clone());
            o.max_connections = 2;
            o.acquire_timeout = Duration::from_secs(10);
            let store =
                PostgresStore::connect_with(o)
                    .await
                    .map_err(|source| CliError::OpenLedger {
                        url: redact(&u),
                        source,
                    })?;
            Ok(Box::new(store))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_forms() {
        assert_eq!(
            parse("sqlite:/tmp/l.db").unwrap(),
            Location::Sqlite("/tmp/l.db".into())
        );
        assert_eq!(
            parse("sqlite://l.db?mode=ro").unwrap(),
            Location::Sqlite("l.db".into())
        );
        assert_eq!(parse("sqlite:").unwrap_err().exit_code(), 2);
        assert_eq!(parse("sqlite::memory:").unwrap_err().exit_code(), 2);
    }

    #[test]
    fn postgres_and_others() {
        assert!(matches!(
            parse("postgres://postgres@127.0.0.1:5432/shop"),
            Ok(Location::Postgres(_))
        ));
        assert_eq!(parse("mysql://x@h/db").unwrap_err().exit_code(), 2);
        assert_eq!(parse("ledger.db").unwrap_err().exit_code(), 2);
        assert_eq!(parse("postgres://").unwrap_err().exit_code(), 2);
    }

    #[test]
    fn passwords_never_shown() {
        let r = redact("postgres://shop:s3cret@db:5432/shop");
        assert!(!r.contains("s3cret"), "{r}");
        assert!(r.contains("shop:***@db"), "{r}");
        let e = parse("mysql://shop:s3cret@db/shop").unwrap_err();
        assert!(!e.to_string().contains("s3cret"));
        let q = redact("postgres://shop@db/shop?sslmode=disable&password=s3cret");
        assert!(!q.contains("s3cret"), "{q}");
        assert!(q.contains("sslmode=disable"), "{q}");
    }
}
