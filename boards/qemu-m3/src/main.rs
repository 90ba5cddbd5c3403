//! iox2 integration firmware for QEMU's lm3s6965evb (Cortex-M3): the queues
//! with the native compare-and-swap. Run with `cargo run --release` here.

#![no_std]
#![no_main]

use cortex_m_rt::entry;
use panic_semihosting as _;

/// Read-modify-write of this board: LDREX/STREX.
type BoardRmw = iox2_platform::rmw::NativeRmw;

#[path = "../../common/firmware.rs"]
mod firmware;
#[path = "../../common/tick.rs"]
mod tick;

#[entry]
fn main() -> ! {
    firmware::run()
}
