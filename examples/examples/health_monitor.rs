//! Health monitoring: heartbeats with a deadline, and dead-node detection.
//!
//! `cargo run -p iox2-examples --example health_monitor` runs the monitor,
//! which starts two sensor processes itself (this same binary, run as
//! `health_monitor sensor a` and `health_monitor sensor b`) and exits by
//! itself after about three seconds. No daemon is involved.
//!
//! - Each sensor has an event service `health/sensor-<id>` with a 300 ms
//!   deadline and a "notifier dead" event id, and notifies it every 100 ms
//!   from a WaitSet interval: its heartbeat.
//! - Sensor b stalls for a second once: the monitor's WaitSet reports the
//!   missed deadlines, and the sensor's next `notify` reports
//!   `NotifyError::MissedDeadline`.
//! - The monitor kills sensor a with SIGKILL. Its node cannot clean up, so
//!   the monitor finds it when it reaps dead nodes (every 200 ms), which
//!   fires the "notifier dead" id at the service's listeners.
//!
//! The monitor ends once it has seen a missed deadline and a dead
//! notifier (exit code 0), or after eight seconds without (exit code 1).
//! Ctrl-C (SIGINT) or SIGTERM ends every process cleanly.

use core::error::Error;
use core::time::Duration;
use iox2_host::prelude::*;
use iox2_host::{CallbackProgression, NotifyError, WaitSetRunResult};
use std::io;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread;
use std::time::Instant;

/// The most time allowed between two heartbeats of a sensor.
const DEADLINE: Duration = Duration::from_millis(300);
/// How often a sensor notifies.
const HEARTBEAT_PERIOD: Duration = Duration::from_millis(100);
/// The id of a heartbeat.
const HEARTBEAT: EventId = EventId::new(1);
/// The id fired when a sensor's node is found dead.
const NOTIFIER_DEAD: EventId = EventId::new(255);
/// How often the monitor looks for dead nodes.
const REAP_INTERVAL: Duration = Duration::from_millis(200);
/// Sensor b stalls after this many heartbeats, for `STALL`.
const STALL_AFTER: u32 = 10;
const STALL: Duration = Duration::from_secs(1);
/// When the monitor kills sensor a.
const KILL_AFTER: Duration = Duration::from_secs(3);
/// When the monitor gives up.
const TIMEOUT: Duration = Duration::from_secs(8);
/// The sensors the monitor starts; the first is the one it kills.
const SENSOR_IDS: [&str; 2] = ["a", "b"];

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [] => monitor(),
        [role, id] if role == "sensor" => sensor(id),
        _ => Err("usage: health_monitor [sensor <id>]".into()),
    }
}

/// The heartbeat service of sensor `name`, with the same settings in
/// every process.
fn heartbeat_service(node: &Node<Linux>, name: &str) -> Result<EventService<Linux>, Box<dyn Error>> {
    let service = node
        .service_builder(&format!("health/{name}"))?
        .event()
        .deadline(DEADLINE)
        .notifier_dead_event(NOTIFIER_DEAD)
        .open_or_create()?;
    Ok(service)
}

/// A sensor process: a heartbeat every `HEARTBEAT_PERIOD` until its stdin
/// closes (the monitor asks it to stop, or died) or a termination signal.
fn sensor(id: &str) -> Result<(), Box<dyn Error>> {
    let name = format!("sensor-{id}");
    let node = NodeBuilder::new().name(&name)?.create::<Linux>()?;
    let service = heartbeat_service(&node, &name)?;
    let notifier = service.notifier_builder().default_event_id(HEARTBEAT).create()?;
    let stdin_closed = thread::spawn(|| io::copy(&mut io::stdin(), &mut io::sink()));

    let waitset = WaitSetBuilder::new().create::<Linux>()?;
    let cycle = waitset.attach_interval(HEARTBEAT_PERIOD)?;
    println!("[{name}] heartbeat every {HEARTBEAT_PERIOD:?} on {}", service.name());
    let mut beats = 0;
    let mut failure = None;
    let result = waitset.wait_and_process(|fired| {
        if !fired.has_event_from(&cycle) {
            return CallbackProgression::Continue;
        }
        if stdin_closed.is_finished() {
            return CallbackProgression::Stop;
        }
        if id == "b" && beats == STALL_AFTER {
            println!("[{name}] stalling for {STALL:?}");
            thread::sleep(STALL);
        }
        match notifier.notify() {
            Ok(_) => {}
            Err(NotifyError::MissedDeadline { elapsed, deadline, .. }) => {
                println!(
                    "[{name}] late heartbeat: {} ms after the previous one (deadline {} ms)",
                    elapsed.as_millis(),
                    deadline.as_millis()
                );
            }
            Err(e) => {
                failure = Some(e);
                return CallbackProgression::Stop;
            }
        }
        beats += 1;
        CallbackProgression::Continue
    })?;
    if let Some(e) = failure {
        return Err(e.into());
    }
    let why = match result {
        WaitSetRunResult::TerminationRequest => "termination requested",
        _ => "asked to",
    };
    println!("[{name}] stopping ({why}) after {beats} heartbeats");
    Ok(())
}

/// What the monitor keeps of a sensor.
struct Sensor {
    name: String,
    service: EventService<Linux>,
    listener: Listener<Linux>,
}

/// What the monitor learned of a sensor.
#[derive(Default)]
struct Health {
    last_heartbeat: Option<Instant>,
    dead: bool,
}

/// What the monitor waits to see.
#[derive(Default)]
struct Seen {
    missed_deadline: bool,
    dead_notifier: bool,
}

fn monitor() -> Result<(), Box<dyn Error>> {
    let node = NodeBuilder::new().name("monitor")?.create::<Linux>()?;
    let sensors = SENSOR_IDS
        .into_iter()
        .map(|id| {
            let name = format!("sensor-{id}");
            let service = heartbeat_service(&node, &name)?;
            let listener = service.listener_builder().create()?;
            Ok(Sensor {
                name,
                service,
                listener,
            })
        })
        .collect::<Result<Vec<_>, Box<dyn Error>>>()?;
    let mut health: Vec<Health> = sensors.iter().map(|_| Health::default()).collect();

    let waitset = WaitSetBuilder::new().create::<Linux>()?;
    let guards = sensors
        .iter()
        .map(|sensor| {
            let deadline = sensor
                .listener
                .deadline()
                .ok_or("a heartbeat service without deadline")?;
            Ok(waitset.attach_deadline(&sensor.listener, deadline)?)
        })
        .collect::<Result<Vec<_>, Box<dyn Error>>>()?;
    let reap = waitset.attach_interval(REAP_INTERVAL)?;

    println!("[monitor ] watching {} sensors, deadline {DEADLINE:?}", sensors.len());
    // The sensors: this binary again, each stopped by closing its stdin.
    let exe = std::env::current_exe()?;
    let mut children = SENSOR_IDS
        .into_iter()
        .map(|id| Command::new(&exe).args(["sensor", id]).stdin(Stdio::piped()).spawn())
        .collect::<io::Result<Vec<Child>>>()?;

    let started = Instant::now();
    let mut seen = Seen::default();
    let mut killed = false;
    while !(seen.missed_deadline && seen.dead_notifier) {
        if started.elapsed() > TIMEOUT {
            return Err("timed out before seeing a missed deadline and a dead notifier".into());
        }
        if !killed && started.elapsed() >= KILL_AFTER {
            children[0].kill()?;
            children[0].wait()?;
            killed = true;
            println!("[monitor ] killed {} (SIGKILL)", sensors[0].name);
        }
        let mut failure = None;
        let result = waitset.wait_and_process_once_with_timeout(
            |fired| {
                for ((sensor, guard), health) in sensors.iter().zip(&guards).zip(&mut health) {
                    if fired.has_event_from(guard)
                        && let Err(e) = take_events(sensor, health, &mut seen)
                    {
                        failure = Some(e);
                        return CallbackProgression::Stop;
                    }
                    if fired.has_missed_deadline(guard) {
                        missed_deadline(sensor, health, &mut seen);
                    }
                }
                if fired.has_event_from(&reap) {
                    for sensor in &sensors {
                        let reaped = sensor.service.reap_dead_nodes();
                        if reaped > 0 {
                            println!("[monitor ] reaped {reaped} dead node(s) of {}", sensor.service.name());
                        }
                    }
                }
                CallbackProgression::Continue
            },
            Duration::from_millis(100),
        )?;
        if let Some(e) = failure {
            return Err(e.into());
        }
        if result == WaitSetRunResult::TerminationRequest {
            println!("[monitor ] termination requested");
            break;
        }
    }

    for (child, sensor) in children.iter_mut().zip(&sensors) {
        let status = stop(child)?;
        println!("[monitor ] {} ended: {status}", sensor.name);
    }
    println!("[monitor ] done");
    Ok(())
}

/// Takes the ids fired at `sensor`: heartbeats, or its notifier's death.
fn take_events(sensor: &Sensor, health: &mut Health, seen: &mut Seen) -> Result<(), iox2_host::ListenerWaitError> {
    let now = Instant::now();
    sensor.listener.try_wait_all(|id| {
        if id == NOTIFIER_DEAD {
            println!("[monitor ] {}: notifier dead (node reaped)", sensor.name);
            health.dead = true;
            seen.dead_notifier = true;
        } else if id == HEARTBEAT {
            match health.last_heartbeat {
                None => println!("[monitor ] {}: first heartbeat", sensor.name),
                Some(last) if now - last > DEADLINE => {
                    println!(
                        "[monitor ] {}: heartbeat back after {} ms",
                        sensor.name,
                        (now - last).as_millis()
                    );
                }
                Some(_) => {}
            }
            health.last_heartbeat = Some(now);
        }
    })
}

/// Reports that `sensor` sent no heartbeat within the deadline.
fn missed_deadline(sensor: &Sensor, health: &Health, seen: &mut Seen) {
    if health.dead {
        return;
    }
    match health.last_heartbeat {
        None => println!("[monitor ] {}: missed deadline (no heartbeat yet)", sensor.name),
        Some(last) => {
            println!(
                "[monitor ] {}: missed deadline (no heartbeat for {} ms)",
                sensor.name,
                last.elapsed().as_millis()
            );
            seen.missed_deadline = true;
        }
    }
}

/// Asks a sensor to stop by closing its stdin; kills it if it has not
/// stopped within a second.
fn stop(child: &mut Child) -> io::Result<ExitStatus> {
    drop(child.stdin.take());
    let asked = Instant::now();
    while asked.elapsed() < Duration::from_secs(1) {
        if let Some(status) = child.try_wait()? {
            return Ok(status);
        }
        thread::sleep(Duration::from_millis(10));
    }
    child.kill()?;
    child.wait()
}
