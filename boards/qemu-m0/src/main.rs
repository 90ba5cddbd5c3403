//! iox2 integration firmware for QEMU's microbit (nRF51, Cortex-M0): no
//! compare-and-swap, so the queues' multi-writer words go through a
//! single-core critical section. Run with `cargo run --release` here.

#![no_std]
#![no_main]

use cortex_m_rt::entry;
use panic_semihosting as _;

/// Read-modify-write of this board: interrupts masked around each RMW
/// (sound on a single core only).
type BoardRmw = iox2_platform::rmw::CriticalSectionRmw;

#[path = "../../common/firmware.rs"]
mod firmware;
#[path = "../../common/tick.rs"]
mod tick;

#[entry]
fn main() -> ! {
    firmware::run()
}
