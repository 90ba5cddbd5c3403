//! The baseline of `minimal_iox2`, for `cargo xtask size`: the same
//! hand-off of four 32-byte samples through a `heapless::spsc::Queue` of
//! capacity four (copied in and out, where iox2 lends a chunk in place).
//! Run: `cargo run --release --example minimal_heapless`.

#![no_std]
#![no_main]

use core::hint::black_box;

use cortex_m_rt::entry;
use cortex_m_semihosting::debug;
use heapless::spsc::Queue;
use static_cell::StaticCell;

/// Capacity N - 1 = 4; in a `static` (`.bss`), as iox2's service is.
static QUEUE: StaticCell<Queue<[u32; 8], 5>> = StaticCell::new();

fn hand_off() -> bool {
    let queue = QUEUE.init(Queue::new());
    let (mut producer, mut consumer) = queue.split();
    for round in 0..4u32 {
        let value = black_box([round; 8]);
        if producer.enqueue(value).is_err() {
            return false;
        }
        match consumer.dequeue() {
            Some(sample) if sample == value => {}
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
