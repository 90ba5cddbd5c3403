//! The smallest useful iox2 firmware, for `cargo xtask size`: a static
//! pub-sub service with one publisher, one subscriber and a pool of four
//! 32-byte samples; main sends four samples and receives them, then exits
//! (status 0 if all came back intact). Compare with `minimal_heapless`,
//! the same hand-off through `heapless::spsc::Queue`.
//! Run: `cargo run --release --example minimal_iox2`.

#![no_std]
#![no_main]

use core::hint::black_box;

use cortex_m_rt::entry;
use cortex_m_semihosting::debug;
use iox2_embedded::wait::{Polling, WaitHook};
use iox2_platform::Instant;
use iox2_platform::rmw::NativeRmw;
use iox2_platform::static_ram::{NodeTable, Nodes, RegionTable, Regions, StaticRamBoard};

static REGIONS: RegionTable<NativeRmw, 1> = RegionTable::new();
static NODES: NodeTable<NativeRmw, 1> = NodeTable::new();

/// A board with native RMW, polling waits and no clock.
struct Board;

impl StaticRamBoard for Board {
    type Rmw = NativeRmw;

    fn regions() -> Regions<'static, NativeRmw> {
        REGIONS.view()
    }

    fn nodes() -> Nodes<'static, NativeRmw> {
        NODES.view()
    }

    fn now() -> Instant {
        Instant::from_nanos(0)
    }

    fn wait_hook(deadline: Option<Instant>) {
        Polling::idle(deadline);
    }
}

// Defaults: 1 publisher, 1 subscriber, buffer 2, 1 loan, 1 borrow: 4 chunks.
iox2_embedded::pubsub!(SAMPLES: [u32; 8], Board);

fn hand_off() -> bool {
    let (Ok(mut publisher), Ok(subscriber)) = (SAMPLES.publisher(), SAMPLES.subscriber()) else {
        return false;
    };
    for round in 0..4u32 {
        let value = black_box([round; 8]);
        if publisher.send_copy(value).is_err() {
            return false;
        }
        match subscriber.receive() {
            Ok(Some(sample)) if *sample == value => {}
            _ => return false,
        }
    }
    true
}

#[entry]
fn main() -> ! {
    debug::exit(if hand_off() {
        debug::EXIT_SUCCESS
    } else {
        debug::EXIT_FAILURE
    });
    loop {
        cortex_m::asm::wfi();
    }
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    debug::exit(debug::EXIT_FAILURE);
    loop {
        cortex_m::asm::wfi();
    }
}
