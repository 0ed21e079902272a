//! Measured samples: rates of work done, latency percentiles, and a closed loop of workers
//! that share one counter of calls to make.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// How much work was done in how long.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Rate {
    pub(crate) count: u64,
    pub(crate) elapsed: Duration,
}

impl Rate {
    pub(crate) fn per_second(&self) -> f64 {
        self.count as f64 / self.elapsed.as_secs_f64().max(f64::EPSILON)
    }
}

/// Every latency of a run, sorted.
#[derive(Debug, Clone, Default)]
pub(crate) struct Latencies(Vec<Duration>);

impl Latencies {
    pub(crate) fn new(mut samples: Vec<Duration>) -> Self {
        samples.sort_unstable();
        Self(samples)
    }

    /// The latency `quantile` (0.5, 0.99) of the samples fall under, in milliseconds.
    pub(crate) fn millis(&self, quantile: f64) -> f64 {
        if self.0.is_empty() {
            return f64::NAN;
        }
        let index = ((self.0.len() as f64 * quantile).ceil() as usize).clamp(1, self.0.len());
        self.0[index - 1].as_secs_f64() * 1_000.0
    }
}

/// What a closed loop did.
#[derive(Debug)]
pub(crate) struct Loop {
    pub(crate) rate: Rate,
    pub(crate) latencies: Latencies,
}

/// Runs `workers` workers, each with its own client from `client`, calling `call(client, n)`
/// for n = 0, 1, ... until `total` calls are made or `budget` has passed. A failed call
/// stops the run: a benchmark of errors measures nothing.
pub(crate) async fn closed_loop<C, Make, MakeFut, Call, CallFut>(
    workers: usize,
    total: u64,
    budget: Duration,
    client: Make,
    call: Call,
) -> anyhow::Result<Loop>
where
    C: Send + 'static,
    Make: Fn() -> MakeFut,
    MakeFut: Future<Output = anyhow::Result<C>>,
    Call: Fn(&mut C, u64) -> CallFut + Send + Sync + 'static,
    CallFut: Future<Output = anyhow::Result<()>> + Send,
{
    let mut clients = Vec::with_capacity(workers);
    for _ in 0..workers {
        clients.push(client().await?);
    }
    let next = Arc::new(AtomicU64::new(0));
    let call = Arc::new(call);
    let started = Instant::now();
    let deadline = started + budget;
    let mut tasks = Vec::with_capacity(workers);
    for mut client in clients {
        let next = next.clone();
        let call = call.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            loop {
                let number = next.fetch_add(1, Ordering::Relaxed);
                if number >= total || Instant::now() >= deadline {
                    return Ok::<_, anyhow::Error>(latencies);
                }
                let sent = Instant::now();
                call(&mut client, number).await?;
                latencies.push(sent.elapsed());
            }
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await??);
    }
    let elapsed = started.elapsed();
    Ok(Loop {
        rate: Rate {
            count: all.len() as u64,
            elapsed,
        },
        latencies: Latencies::new(all),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_fall_on_samples() {
        let latencies = Latencies::new((1..=100).rev().map(Duration::from_millis).collect());
        assert_eq!(latencies.millis(0.5), 50.0);
        assert_eq!(latencies.millis(0.99), 99.0);
        assert_eq!(latencies.millis(1.0), 100.0);
        assert!(Latencies::default().millis(0.5).is_nan());
    }
}
