//! Publish-subscribe with a filter, built on request-response: each client
//! asks only for the readings it wants, and the server sends just those.
//!
//! `cargo run -p iox2-examples --example filtered_subscribe` runs the
//! sensor server, which starts two subscriber processes itself (this same
//! binary, run as `filtered_subscribe subscriber <name> <service>`) and
//! exits once both are done, in under a second. No daemon is involved.
//!
//! - The server produces a temperature reading every 10 ms, from sensors
//!   1, 2 and 3 in turn.
//! - A subscriber's request is its `Filter`: subscriber `hot` asks for
//!   readings of at least 24 °C from any sensor, subscriber `sensor-2` for
//!   every reading of sensor 2. The server keeps each request active and
//!   answers it with the matching readings only (their sequence numbers
//!   show the gaps).
//! - A subscriber checks every reading against its filter, prints it, and
//!   after five cancels by dropping its `PendingResponse`. The server sees
//!   `is_connected() == false` and drops the subscription.
//!
//! The server exits with code 0 once both subscribers succeeded, or with
//! an error after ten seconds. It sleeps in `Server::wait` until the next
//! reading is due or a request arrives; the subscribers sleep in
//! `PendingResponse::timed_receive`.

use core::error::Error;
use core::fmt;
use core::time::Duration;
use iox2_core::reqres::{RequestSendError, ResponseSendError};
use iox2_host::prelude::*;
use iox2_host::{ActiveRequest, Client, ClientSendError, PendingResponse, ReqResService, ServerSendError};
use std::process::{Child, Command, ExitStatus};
use std::thread;
use std::time::Instant;

/// The service the subscribers ask over is this, followed by the server's
/// process id: two runs at once do not meet.
const SERVICE: &str = "sensors/filtered";
/// How often the server produces a reading.
const PERIOD: Duration = Duration::from_millis(10);
/// The sensors, read in turn.
const SENSORS: u32 = 3;
/// A subscriber cancels after this many readings.
const MATCHES: u32 = 5;
/// The longest a subscriber waits for one reading, or to subscribe.
const READING_TIMEOUT: Duration = Duration::from_secs(5);
/// When the server gives up on its subscribers (a run takes well under a
/// second; this only ends a run that went wrong).
const TIMEOUT: Duration = Duration::from_secs(10);
/// `Filter::sensor_id` for any sensor.
const ANY_SENSOR: u32 = 0;
/// The subscribers the server starts, by name, with their filters.
const SUBSCRIBERS: [(&str, Filter); 2] = [
    (
        "hot",
        Filter {
            sensor_id: ANY_SENSOR,
            min_temperature_milli_c: 24_000,
        },
    ),
    (
        "sensor-2",
        Filter {
            sensor_id: 2,
            min_temperature_milli_c: i32::MIN,
        },
    ),
];

/// The request: which readings a subscriber wants.
#[derive(Debug, Clone, Copy, ZeroCopySend)]
#[repr(C)]
struct Filter {
    /// Only this sensor's readings, or `ANY_SENSOR`.
    sensor_id: u32,
    /// Only readings at least this warm, in milli-degrees Celsius.
    min_temperature_milli_c: i32,
}

/// A response: one reading that matched.
#[derive(Debug, Clone, Copy, ZeroCopySend)]
#[repr(C)]
struct Reading {
    /// Counts every reading the server produced, matching or not.
    sequence: u64,
    sensor_id: u32,
    /// In milli-degrees Celsius.
    temperature_milli_c: i32,
}

impl Filter {
    fn matches(&self, reading: &Reading) -> bool {
        (self.sensor_id == ANY_SENSOR || self.sensor_id == reading.sensor_id)
            && reading.temperature_milli_c >= self.min_temperature_milli_c
    }
}

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.sensor_id {
            ANY_SENSOR => write!(f, "any sensor")?,
            id => write!(f, "sensor {id}")?,
        }
        match self.min_temperature_milli_c {
            i32::MIN => Ok(()),
            min => write!(f, ", at least {:.1} °C", celsius(min)),
        }
    }
}

fn celsius(milli_c: i32) -> f64 {
    f64::from(milli_c) / 1000.0
}

type FilterService = ReqResService<Linux, Filter, Reading>;
type FilterClient = Client<Linux, Filter, Reading>;

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [] => server(),
        [role, name, service] if role == "subscriber" => subscriber(name, service),
        _ => Err("usage: filtered_subscribe [subscriber <name> <service>]".into()),
    }
}

/// The filtered service, with the same settings in every process.
fn filter_service(node: &Node<Linux>, name: &str) -> Result<FilterService, Box<dyn Error>> {
    let service = node
        .service_builder(name)?
        .request_response::<Filter, Reading>()
        .response_buffer(4)
        .open_or_create()?;
    Ok(service)
}

/// The reading number `sequence`: sensors in turn, each around its own
/// temperature with a deterministic wobble of up to ±2 °C.
fn reading(sequence: u64) -> Reading {
    let sensor_id = (sequence % u64::from(SENSORS)) as u32 + 1;
    let base_milli_c = 20_000 + 2_000 * sensor_id as i32;
    // A 32-bit hash of the sequence number, reduced to -2000..=2000.
    let hash = (sequence as u32).wrapping_mul(0x9E37_79B9).rotate_left(13);
    let wobble = (hash % 4001) as i32 - 2000;
    Reading {
        sequence,
        sensor_id,
        temperature_milli_c: base_milli_c + wobble,
    }
}

/// A subscriber's active request, as the server keeps it.
struct Subscription<'s> {
    request: ActiveRequest<'s, Linux, Filter, Reading>,
    filter: Filter,
    /// Readings produced since it came, and how many of them were sent.
    produced: u32,
    sent: u32,
}

/// A subscriber process the server started.
struct Subscriber {
    name: &'static str,
    child: Child,
    status: Option<ExitStatus>,
}

/// The sensor server: a reading every `PERIOD`, sent to the subscriptions
/// it matches, until every subscriber process ended.
fn server() -> Result<(), Box<dyn Error>> {
    let node = NodeBuilder::new().name("sensors")?.create::<Linux>()?;
    let service = filter_service(&node, &format!("{SERVICE}/{}", std::process::id()))?;
    let server = service.server_builder().create()?;
    println!(
        "[sensors ] a reading every {PERIOD:?} from {SENSORS} sensors on {}",
        service.name()
    );

    // The subscribers: this binary again. The server exists already, so
    // their requests reach it (but see `subscribe`).
    let exe = std::env::current_exe()?;
    let mut subscribers = SUBSCRIBERS
        .into_iter()
        .map(|(name, _)| {
            let child = Command::new(&exe).args(["subscriber", name, service.name()]).spawn()?;
            Ok(Subscriber {
                name,
                child,
                status: None,
            })
        })
        .collect::<Result<Vec<_>, Box<dyn Error>>>()?;

    let started = Instant::now();
    let mut subscriptions: Vec<Subscription<'_>> = Vec::new();
    let mut sequence = 0;
    let mut next_reading = started + PERIOD;
    loop {
        for subscriber in &mut subscribers {
            if subscriber.status.is_none() {
                subscriber.status = subscriber.child.try_wait()?;
            }
        }
        // Done once every subscriber ended and its subscription was seen
        // to go (a subscriber that left is no longer connected).
        if subscribers.iter().all(|s| s.status.is_some()) && subscriptions.is_empty() {
            break;
        }
        if started.elapsed() > TIMEOUT {
            for subscriber in &mut subscribers {
                let _ = subscriber.child.kill();
            }
            return Err("timed out waiting for the subscribers".into());
        }

        // Sleeps until the next reading is due or a request arrives.
        server.wait(Some(next_reading.saturating_duration_since(Instant::now())))?;
        while let Some(request) = server.receive()? {
            let filter = *request;
            println!("[sensors ] client {} subscribed: {filter}", request.client());
            subscriptions.push(Subscription {
                request,
                filter,
                produced: 0,
                sent: 0,
            });
        }
        if Instant::now() < next_reading {
            continue;
        }
        next_reading += PERIOD;
        let reading = reading(sequence);
        sequence += 1;

        subscriptions.retain(|s| {
            let connected = s.request.is_connected();
            if !connected {
                println!(
                    "[sensors ] client {} cancelled ({}): sent {} of {} readings",
                    s.request.client(),
                    s.filter,
                    s.sent,
                    s.produced
                );
            }
            connected
        });
        for subscription in &mut subscriptions {
            subscription.produced += 1;
            if !subscription.filter.matches(&reading) {
                continue;
            }
            match subscription.request.send_copy(reading) {
                Ok(()) => subscription.sent += 1,
                // Cancelled since the check: dropped with the next reading.
                Err(ServerSendError::Send(ResponseSendError::NotConnected)) => {}
                Err(e) => return Err(e.into()),
            }
        }
    }

    println!("[sensors ] produced {sequence} readings");
    for subscriber in &subscribers {
        let status = subscriber.status.ok_or("unreachable: every subscriber ended")?;
        println!("[sensors ] subscriber {} ended: {status}", subscriber.name);
        if !status.success() {
            return Err(format!("subscriber {} failed: {status}", subscriber.name).into());
        }
    }
    Ok(())
}

/// A subscriber: asks for the readings its filter matches, prints
/// `MATCHES` of them, then cancels.
fn subscriber(name: &str, service: &str) -> Result<(), Box<dyn Error>> {
    let (_, filter) = SUBSCRIBERS
        .into_iter()
        .find(|(known, _)| *known == name)
        .ok_or_else(|| format!("no subscriber named {name}"))?;
    let node = NodeBuilder::new()
        .name(&format!("subscriber-{name}"))?
        .create::<Linux>()?;
    let service = filter_service(&node, service)?;
    let client = service.client_builder().create()?;
    let pending = subscribe(&client, filter)?;
    println!("[{name:<8}] subscribed: {filter}");
    for _ in 0..MATCHES {
        let Some(response) = pending.timed_receive(READING_TIMEOUT)? else {
            return Err(match pending.stream_end() {
                Some(end) => format!("the stream ended: {end:?}"),
                None => format!("no reading for {READING_TIMEOUT:?}"),
            }
            .into());
        };
        let reading = *response;
        if !filter.matches(&reading) {
            return Err(format!("the server sent a reading that does not match: {reading:?}").into());
        }
        println!(
            "[{name:<8}] #{:<3} sensor {}: {:.1} °C",
            reading.sequence,
            reading.sensor_id,
            celsius(reading.temperature_milli_c)
        );
    }
    // Dropping the pending response cancels the subscription.
    drop(pending);
    println!("[{name:<8}] got {MATCHES} readings, cancelled");
    Ok(())
}

/// Sends `filter`, the subscription request. The server exists (it started
/// us), but if an earlier subscriber left the client slot we got, our send
/// gets `ServerNotReady` until the server has let go of that subscriber (the
/// send woke it): then we try again.
fn subscribe(
    client: &FilterClient,
    filter: Filter,
) -> Result<PendingResponse<'_, Linux, Filter, Reading>, Box<dyn Error>> {
    let started = Instant::now();
    loop {
        match client.send_copy(filter) {
            Err(ClientSendError::Send(RequestSendError::ServerNotReady)) if started.elapsed() < READING_TIMEOUT => {
                thread::sleep(PERIOD);
            }
            sent => return Ok(sent?),
        }
    }
}
