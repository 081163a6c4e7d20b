//! The background task: recovery at start, then the dispatcher and the
//! reconciler on a timer, stopped gracefully.

use super::{Flow, FlowError};
use crate::time::Timestamp;
use std::sync::Arc;
use std::time::Duration;

/// How the background task runs.
///
/// ```
/// use inipay_core::flow::BackgroundOptions;
/// use std::time::Duration;
/// let o = BackgroundOptions::default().poll(Duration::from_millis(200));
/// assert_eq!(o.poll, Duration::from_millis(200));
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub struct BackgroundOptions {
    /// How often due events are delivered.
    pub poll: Duration,
    /// How often the reconciler runs.
    pub reconcile_every: Duration,
    /// The clock (default: the system clock).
    pub clock: Arc<dyn Fn() -> Timestamp + Send + Sync>,
}

impl std::fmt::Debug for BackgroundOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BackgroundOptions")
            .field("poll", &self.poll)
            .field("reconcile_every", &self.reconcile_every)
            .finish_non_exhaustive()
    }
}

impl Default for BackgroundOptions {
    fn default() -> BackgroundOptions {
        BackgroundOptions {
            poll: Duration::from_secs(1),
            reconcile_every: Duration::from_secs(60),
            clock: Arc::new(Timestamp::now),
        }
    }
}

impl BackgroundOptions {
    /// Sets [`BackgroundOptions::poll`].
    #[must_use]
    pub fn poll(mut self, poll: Duration) -> BackgroundOptions {
        self.poll = poll;
        self
    }

    /// Sets [`BackgroundOptions::reconcile_every`].
    #[must_use]
    pub fn reconcile_every(mut self, every: Duration) -> BackgroundOptions {
        self.reconcile_every = every;
        self
    }

    /// Sets the clock.
    #[must_use]
    pub fn clock(mut self, clock: Arc<dyn Fn() -> Timestamp + Send + Sync>) -> BackgroundOptions {
        self.clock = clock;
        self
    }
}

/// The running background task of a [`Flow`] ([`Flow::start`]).
#[derive(Debug)]
pub struct Background {
    stopping: Arc<std::sync::atomic::AtomicBool>,
    stop: tokio::sync::watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Background {
    /// Stops after the delivery or reconciler round in progress (none is
    /// cut off: an event being delivered is settled, the rest stay pending
    /// in the outbox for the next start).
    pub async fn stop(self) {
        self.stopping
            .store(true, std::sync::atomic::Ordering::SeqCst);
        let _ = self.stop.send(true);
        if let Err(e) = self.task.await {
            tracing::error!(error = %e, "the inipay background task ended abnormally");
        }
    }
}

impl Flow {
    /// Starts the flow's background work with the default
    /// [`BackgroundOptions`]; see [`Flow::start_with`].
    pub async fn start(self: &Arc<Self>) -> Result<Background, FlowError> {
        self.start_with(BackgroundOptions::default()).await
    }

    /// Recovers the ledger (applies messages journaled before a crash),
    /// then spawns one task that delivers due events every
    /// [`BackgroundOptions::poll`] and reconciles every
    /// [`BackgroundOptions::reconcile_every`]. Needs a Tokio runtime.
    ///
    /// ```
    /// use inipay_core::client::{ClientConfig, GatewayClient};
    /// use inipay_core::config::{Endpoints, Merchant, test_keys};
    /// use inipay_core::flow::{Flow, FlowConfig};
    /// use inipay_core::ledger::MemoryStore;
    /// use std::sync::Arc;
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
    /// let merchant = Merchant::test("INIpayTest", test_keys::inipay_test(),
    ///     Endpoints::sandbox("http://127.0.0.1:8081")?)?;
    /// let flow = Arc::new(Flow::new(merchant, GatewayClient::new(ClientConfig::default())?,
    ///     Arc::new(MemoryStore::new()), FlowConfig::new("http://127.0.0.1:8080", "/inicis")?));
    /// let background = flow.start().await?;
    /// background.stop().await;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn start_with(
        self: &Arc<Self>,
        options: BackgroundOptions,
    ) -> Result<Background, FlowError> {
        let recovered = self.ledger.recover().await?;
        if !recovered.is_empty() {
            tracing::info!(count = recovered.len(), "recovered journaled messages");
        }
        let (stop, mut stopped) = tokio::sync::watch::channel(false);
        let stopping = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = stopping.clone();
        let flow = Arc::clone(self);
        let task = tokio::spawn(async move {
            let mut last_reconcile: Option<Timestamp> = None;
            loop {
                let now = (options.clock)();
                if let Some(d) = flow.dispatcher()
                    && let Err(e) = d.deliver_due_until(now, &flag).await
                {
                    tracing::error!(error = %e, "outbox delivery failed; retrying later");
                }
                if flag.load(std::sync::atomic::Ordering::SeqCst) {
                    break;
                }
                let every = u64::try_from(options.reconcile_every.as_millis()).unwrap_or(u64::MAX);
                let due = last_reconcile
                    .is_none_or(|t| now.unix_millis() >= t.unix_millis().saturating_add(every));
                if due {
                    last_reconcile = Some(now);
                    if let Err(e) = flow.reconcile(now).await {
                        tracing::error!(error = %e, "reconciler round failed");
                    }
                }
                tokio::select! {
                    _ = stopped.changed() => break,
                    () = tokio::time::sleep(options.poll) => {}
                }
                if *stopped.borrow() {
                    break;
                }
            }
        });
        Ok(Background {
            stopping,
            stop,
            task,
        })
    }
}
