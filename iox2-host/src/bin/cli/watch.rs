//! `iox2 service hz|echo`: watching a live publish-subscribe service
//! through one extra subscriber (`RawSubscriber`, bytes in place), which
//! never writes anything else of the service. Both end after `--count`
//! samples, after `--duration`, or on SIGINT/SIGTERM, and then report.
//!
//! `hz` counts arrivals per window: the rate, the period between samples
//! (min, mean, max, standard deviation: the jitter of delivery as this
//! process sees it) and the samples lost to overflow (gaps in each
//! publisher's sequence numbers), and the one-way latency (min, mean,
//! max) of a service created with `send_times`: `hz` asks the publishers
//! to stamp each sample with its send time (a clock read per send, only
//! while a tool asks; see `RawSubscriber::request_send_times`) and compares
//! it with the arrival on the same monotonic clock. The first window may include the history a
//! late subscriber gets.

use super::decode::{Decoder, hex};
use super::output::emit_item;
use super::{CliError, Context};
use clap::Args;
use core::time::Duration;
use iox2_host::RawSubscriber;
use iox2_host::core::service::Pattern;
use iox2_host::inspect::find_service;
use iox2_host::platform::{Clock, Platform, WaitOutcome};
use iox2_host::prelude::Linux;
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::Instant;

/// When to stop watching.
#[derive(Debug, Args)]
pub(crate) struct Stop {
    /// Stop after this many samples.
    #[arg(short = 'n', long)]
    count: Option<u64>,
    /// Stop after this many seconds.
    #[arg(short, long, value_name = "SECONDS")]
    duration: Option<f64>,
}

#[derive(Debug, Args)]
pub(crate) struct HzArgs {
    /// The publish-subscribe service.
    name: String,
    /// Seconds per report.
    #[arg(short, long, default_value_t = 1.0, value_name = "SECONDS")]
    window: f64,
    #[command(flatten)]
    stop: Stop,
}

#[derive(Debug, Args)]
pub(crate) struct EchoArgs {
    /// The publish-subscribe service.
    name: String,
    /// The payload's fields, for a type iox2 does not know:
    /// `name:type,...` (a `repr(C)` struct of primitives and arrays).
    #[arg(long, value_name = "SPEC")]
    fields: Option<String>,
    #[command(flatten)]
    stop: Stop,
}

/// Seconds as a duration, refusing what is not a positive finite number.
fn seconds(what: &str, value: f64) -> Result<Duration, CliError> {
    Duration::try_from_secs_f64(value)
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| CliError(format!("{what} must be a positive number of seconds, not {value}")))
}

/// A raw subscriber to `name` on a node of this process, receiving until
/// a stop condition holds or a termination signal arrives.
struct Watch {
    subscriber: RawSubscriber<Linux>,
    /// Dropped after the subscriber.
    _node: iox2_host::Node<Linux>,
    deadline: Option<Instant>,
    count: Option<u64>,
    received: u64,
}

/// A sample as it arrived.
struct Arrival<'a> {
    bytes: &'a [u8],
    /// The publisher's sequence number of it.
    sequence: u64,
    /// The publisher's slot.
    publisher: u32,
    at: Instant,
    /// Send to arrival, if the publisher stamped the sample.
    latency: Option<Duration>,
}

impl Watch {
    fn open(name: &str, stop: &Stop, context: &Context, node_name: &str) -> Result<Self, CliError> {
        let deadline = stop
            .duration
            .map(|d| seconds("--duration", d))
            .transpose()?
            .map(|d| Instant::now() + d);
        iox2_host::platform::signal::catch_termination()
            .map_err(|errno| CliError(format!("cannot catch SIGINT/SIGTERM (OS error {errno})")))?;
        let about = |e: &dyn core::fmt::Display| CliError::about(format!("service {name:?}"), e);
        // Named before attaching: a clearer message than the opener's.
        let view = find_service::<Linux>(name).map_err(|e| about(&e))?;
        if let Some(pattern) = view.pattern.filter(|&p| p != Pattern::PublishSubscribe) {
            return Err(about(&format!(
                "its pattern is {}, not publish-subscribe",
                pattern.name()
            )));
        }
        let node = context.node(node_name)?;
        let subscriber = RawSubscriber::create(&node, name).map_err(|e| about(&e))?;
        Ok(Self {
            subscriber,
            _node: node,
            deadline,
            count: stop.count,
            received: 0,
        })
    }

    fn done(&self) -> bool {
        self.count.is_some_and(|n| self.received >= n)
            || self.deadline.is_some_and(|d| Instant::now() >= d)
            || iox2_host::platform::signal::termination_requested().is_some()
    }

    /// Hands every sample waiting to `f`, then sleeps until more come or
    /// `until`; false once done (or once `f` says so).
    fn next(
        &mut self,
        until: Option<Instant>,
        mut f: impl FnMut(Arrival<'_>) -> Result<bool, CliError>,
    ) -> Result<bool, CliError> {
        while !self.done() {
            let Some(sample) = self.subscriber.receive()? else {
                break;
            };
            self.received += 1;
            let sent_at = sample.chunk_header().sent_at_ns;
            let now = <Linux as Platform>::Clock::now().as_nanos();
            let arrival = Arrival {
                bytes: &sample,
                sequence: sample.sequence(),
                publisher: sample.origin().0,
                at: Instant::now(),
                latency: (sent_at != 0).then(|| Duration::from_nanos(now.saturating_sub(sent_at))),
            };
            if !f(arrival)? {
                return Ok(false);
            }
        }
        if self.done() {
            return Ok(false);
        }
        let wake = match (until, self.deadline) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let timeout = wake.map(|w| w.saturating_duration_since(Instant::now()));
        Ok(self.subscriber.wait(timeout)? != WaitOutcome::Interrupted)
    }
}

/// The statistics of one window (or of the whole run).
#[derive(Debug, Default)]
struct Stats {
    samples: u64,
    lost: u64,
    first: Option<Instant>,
    last: Option<Instant>,
    /// Periods between consecutive arrivals counted, and their statistics
    /// in seconds.
    periods: u64,
    min: f64,
    max: f64,
    sum: f64,
    sum_squares: f64,
    /// Latencies counted, and their minimum, maximum and sum in seconds.
    latencies: u64,
    latency_min: f64,
    latency_max: f64,
    latency_sum: f64,
}

impl Stats {
    /// Counts a sample that arrived `at`, after `lost` lost ones; its
    /// period since the previous arrival counts if `timed`.
    fn add(&mut self, at: Instant, lost: u64, timed: bool) {
        if let Some(last) = self.last.filter(|_| timed) {
            let period = at.duration_since(last).as_secs_f64();
            self.min = if self.periods == 0 {
                period
            } else {
                self.min.min(period)
            };
            self.max = self.max.max(period);
            self.sum += period;
            self.sum_squares += period * period;
            self.periods += 1;
        }
        self.first.get_or_insert(at);
        self.last = Some(at);
        self.samples += 1;
        self.lost += lost;
    }

    /// Counts one send-to-arrival latency.
    fn add_latency(&mut self, latency: Duration) {
        let seconds = latency.as_secs_f64();
        self.latency_min = if self.latencies == 0 {
            seconds
        } else {
            self.latency_min.min(seconds)
        };
        self.latency_max = self.latency_max.max(seconds);
        self.latency_sum += seconds;
        self.latencies += 1;
    }

    fn report(&self, service: &str, kind: &'static str, seconds: f64) -> HzReport {
        let periods = self.periods as f64;
        let (mean, std_dev) = if periods > 0.0 {
            let mean = self.sum / periods;
            (
                Some(mean),
                Some((self.sum_squares / periods - mean * mean).max(0.0).sqrt()),
            )
        } else {
            (None, None)
        };
        let ms = |s: f64| (s * 1e6).round() / 1e3;
        let us = |s: f64| (s * 1e9).round() / 1e3;
        HzReport {
            service: service.to_owned(),
            kind,
            seconds: (seconds * 1e3).round() / 1e3,
            samples: self.samples,
            lost: self.lost,
            rate_hz: mean.filter(|&m| m > 0.0).map(|m| (1.0 / m * 100.0).round() / 100.0),
            period_ms: mean.map(|mean| Period {
                min: ms(self.min),
                mean: ms(mean),
                max: ms(self.max),
                std_dev: ms(std_dev.unwrap_or(0.0)),
            }),
            latency_us: (self.latencies > 0).then(|| Latency {
                min: us(self.latency_min),
                mean: us(self.latency_sum / self.latencies as f64),
                max: us(self.latency_max),
            }),
        }
    }
}

/// Period statistics in milliseconds.
#[derive(Debug, Serialize)]
struct Period {
    min: f64,
    mean: f64,
    max: f64,
    std_dev: f64,
}

/// Send-to-arrival latency in microseconds.
#[derive(Debug, Serialize)]
struct Latency {
    min: f64,
    mean: f64,
    max: f64,
}

/// One report of `hz`.
#[derive(Debug, Serialize)]
struct HzReport {
    service: String,
    /// `window` for a periodic report, `total` for the whole run.
    kind: &'static str,
    /// The time the report covers.
    seconds: f64,
    samples: u64,
    /// Samples lost to a full buffer (gaps in the sequence numbers).
    lost: u64,
    /// 1 / mean period; none with fewer than two samples.
    rate_hz: Option<f64>,
    period_ms: Option<Period>,
    /// None when no publisher stamped its samples (e.g. firmware ports).
    latency_us: Option<Latency>,
}

impl HzReport {
    fn human(&self) -> String {
        let rate = self.rate_hz.map_or_else(|| String::from("-"), |r| format!("{r:.2} Hz"));
        let mut line = format!(
            "{}: {rate}  {} samples in {:.2} s",
            if self.kind == "total" { "total" } else { "rate" },
            self.samples,
            self.seconds
        );
        if let Some(p) = &self.period_ms {
            line += &format!(
                "  period min {:.3} mean {:.3} max {:.3} std dev {:.3} ms",
                p.min, p.mean, p.max, p.std_dev
            );
        }
        if let Some(l) = &self.latency_us {
            line += &format!("  latency min {:.1} mean {:.1} max {:.1} µs", l.min, l.mean, l.max);
        }
        if self.lost > 0 {
            line += &format!("  lost {}", self.lost);
        }
        line
    }
}

pub(crate) fn hz(args: &HzArgs, context: &Context) -> Result<(), CliError> {
    let window = seconds("--window", args.window)?;
    let mut watch = Watch::open(&args.name, &args.stop, context, "iox2-hz")?;
    if watch.subscriber.qos().send_times == 1 {
        watch.subscriber.request_send_times();
    } else {
        eprintln!("iox2: no latency: the service was created without send_times");
    }
    let started = Instant::now();
    let mut total = Stats::default();
    let mut current = Stats::default();
    let mut window_start = started;
    // Per publisher: its last sequence number and how many samples came.
    // The first `history` may be the history a late subscriber gets (sent
    // before it came), so the periods up to the one after them are not timed.
    let history = u64::from(watch.subscriber.qos().history);
    let mut publishers: BTreeMap<u32, (u64, u64)> = BTreeMap::new();
    let mut open = true;
    while open {
        let window_end = window_start + window;
        open = watch.next(Some(window_end), |a| {
            let (previous, arrived) = match publishers.get(&a.publisher) {
                Some(&(sequence, arrived)) => (Some(sequence), arrived),
                None => (None, 0),
            };
            publishers.insert(a.publisher, (a.sequence, arrived + 1));
            let lost = previous.map_or(0, |p| a.sequence.saturating_sub(p).saturating_sub(1));
            let timed = arrived > history;
            current.add(a.at, lost, timed);
            total.add(a.at, lost, timed);
            if let Some(latency) = a.latency.filter(|_| timed) {
                current.add_latency(latency);
                total.add_latency(latency);
            }
            Ok(true)
        })?;
        let now = Instant::now();
        if now >= window_end {
            let report = current.report(&args.name, "window", now.duration_since(window_start).as_secs_f64());
            if !emit_item(context.format, &report, || report.human())? {
                return Ok(());
            }
            current = Stats::default();
            window_start = now;
        }
    }
    let report = total.report(&args.name, "total", started.elapsed().as_secs_f64());
    emit_item(context.format, &report, || report.human()).map(drop)
}

/// One sample, as `echo` prints it.
#[derive(Debug, Serialize)]
struct Echoed {
    sequence: u64,
    publisher: u32,
    len: usize,
    /// The payload's value, if its type is known.
    value: Option<serde_json::Value>,
    /// The payload's bytes, when the value is not known.
    #[serde(skip_serializing_if = "Option::is_none")]
    hex: Option<String>,
}

pub(crate) fn echo(args: &EchoArgs, context: &Context) -> Result<(), CliError> {
    let mut watch = Watch::open(&args.name, &args.stop, context, "iox2-echo")?;
    let payload = watch.subscriber.payload_type();
    let decoder = Decoder::new(&payload, args.fields.as_deref())?;
    let format = context.format;
    if format.is_none() && !decoder.knows_type() {
        eprintln!(
            "iox2: {} is not a type iox2 knows: printing hex (describe it with --fields name:type,...)",
            payload.name().as_str()
        );
    }
    while watch.next(None, |a| {
        let value = decoder.decode(a.bytes);
        let sequence = a.sequence;
        let echoed = Echoed {
            sequence,
            publisher: a.publisher,
            len: a.bytes.len(),
            hex: value.is_none().then(|| hex(a.bytes)),
            value,
        };
        emit_item(format, &echoed, || match (&echoed.value, &echoed.hex) {
            (Some(value), _) => format!("#{sequence}  {value}"),
            (None, hex) => format!("#{sequence}  {} bytes  {}", echoed.len, hex.as_deref().unwrap_or("")),
        })
    })? {}
    Ok(())
}
