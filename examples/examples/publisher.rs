//! Publishes sensor readings on `robot/telemetry`, ten per second.
//!
//! `cargo run -p iox2-examples --example publisher [COUNT]` (default 20), or
//! `cargo xtask demo` to see it talk to the subscriber example.

use core::time::Duration;
use iox2_examples::{Reading, TELEMETRY_SERVICE};
use iox2_host::prelude::*;

fn main() -> Result<(), Box<dyn core::error::Error>> {
    let count: u64 = std::env::args().nth(1).map(|n| n.parse()).transpose()?.unwrap_or(20);
    let node = NodeBuilder::new().name("telemetry-publisher")?.create::<Linux>()?;
    let service = node
        .service_builder(TELEMETRY_SERVICE)?
        .publish_subscribe::<Reading>()
        .history(1)
        // Room for send times: `iox2 service hz` then shows latency.
        .send_times(true)
        .open_or_create()?;
    let publisher = service.publisher_builder().create()?;
    for sequence in 0..count {
        let reading = Reading {
            sequence,
            temperature_milli_c: 21_000 + (sequence as i32 % 7) * 150,
            current_ma: 1_200 + (sequence as u32 % 5) * 40,
        };
        let delivery = publisher.loan_uninit()?.write_payload(reading).send();
        println!("publisher: sent #{sequence} to {} subscriber(s)", delivery.delivered);
        std::thread::sleep(Duration::from_millis(100));
    }
    println!("publisher: done");
    Ok(())
}
