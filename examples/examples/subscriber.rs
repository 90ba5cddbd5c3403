//! Receives sensor readings from `robot/telemetry` and prints them, until
//! it has seen COUNT readings or nothing arrived for five seconds.
//!
//! `cargo run -p iox2-examples --example subscriber [COUNT]` (default 20).

use core::time::Duration;
use iox2_examples::{Reading, TELEMETRY_SERVICE};
use iox2_host::prelude::*;
use std::time::Instant;

fn main() -> Result<(), Box<dyn core::error::Error>> {
    let count: u64 = std::env::args().nth(1).map(|n| n.parse()).transpose()?.unwrap_or(20);
    let node = NodeBuilder::new().name("telemetry-subscriber")?.create::<Linux>()?;
    let service = node
        .service_builder(TELEMETRY_SERVICE)?
        .publish_subscribe::<Reading>()
        .history(1)
        // Room for send times: `iox2 service hz` then shows latency.
        .send_times(true)
        .open_or_create()?;
    let subscriber = service.subscriber_builder().create()?;
    let mut received = 0;
    let mut last = Instant::now();
    while received < count && last.elapsed() < Duration::from_secs(5) {
        match subscriber.receive()? {
            Some(sample) => {
                let reading: &Reading = &sample;
                println!(
                    "subscriber: #{} {:.2} °C, {} mA (read in place, zero-copy)",
                    reading.sequence,
                    f64::from(reading.temperature_milli_c) / 1000.0,
                    reading.current_ma
                );
                received += 1;
                last = Instant::now();
            }
            // Sleep until the publisher sends (a futex wake-up, no polling).
            None => {
                subscriber.wait(Some(Duration::from_secs(1)))?;
            }
        }
    }
    println!("subscriber: received {received} reading(s)");
    if received == 0 {
        return Err("no reading arrived".into());
    }
    Ok(())
}
