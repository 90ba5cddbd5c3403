//! A firmware to copy: a sensor interrupt publishes readings through a
//! static iox2 pub-sub service; the main loop sleeps until readings come,
//! consumes them, and acts on an alarm event the interrupt fires when a
//! reading crosses a threshold.
//!
//! Runs in QEMU (lm3s6965evb, Cortex-M3), SysTick standing in for the
//! sensor's data-ready interrupt: `cargo run --release` in this directory.
//! To port it, keep the service, event and handler code and change
//! `Board` (the RMW backend, wait hooks and clock of your part) and the
//! interrupt.

#![no_std]
#![no_main]

use core::cell::RefCell;
use core::sync::atomic::{AtomicU32, Ordering};

use cortex_m::peripheral::syst::SystClkSource;
use cortex_m_rt::{entry, exception};
use cortex_m_semihosting::{debug, heprintln, hprintln};
use critical_section::Mutex;
use iox2_core::payload::ZeroCopySend;
use iox2_embedded::event::Event;
use iox2_embedded::pubsub::Publisher;
use iox2_embedded::wait::{WaitHook, WfeSev};
use iox2_platform::Instant;
use iox2_platform::rmw::NativeRmw;
use iox2_platform::static_ram::{NodeTable, Nodes, RegionTable, Regions, StaticRamBoard};
use panic_semihosting as _;

// ---- the board: what iox2 needs from this part ------------------------------

static REGIONS: RegionTable<NativeRmw, 1> = RegionTable::new();
static NODES: NodeTable<NativeRmw, 1> = NodeTable::new();
/// Sensor interrupts so far: the clock (the interrupt alone writes it).
static TICKS: AtomicU32 = AtomicU32::new(0);
/// Nanoseconds between sensor interrupts, roughly, as QEMU runs them.
const TICK_NS: u64 = 400_000;

/// A Cortex-M3: compare-and-swap in hardware (`NativeRmw`), `WFE` to sleep
/// and `SEV` to wake, the sensor interrupt as the clock.
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
        Instant::from_nanos(u64::from(TICKS.load(Ordering::Relaxed)) * TICK_NS)
    }

    fn wait_hook(deadline: Option<Instant>) {
        WfeSev::idle(deadline);
    }

    fn wake_hook() {
        WfeSev::wake();
    }
}

// ---- the services --------------------------------------------------------------

/// What the sensor measures.
#[derive(Debug, Clone, Copy, ZeroCopySend)]
#[repr(C)]
struct Reading {
    /// 0, 1, 2, ...: a gap means readings were dropped (safe overflow keeps
    /// the newest when the main loop falls behind).
    sequence: u32,
    /// The supply voltage.
    millivolts: u32,
}

// One publisher (the interrupt), one subscriber (main), 8 readings buffered.
iox2_embedded::pubsub!(READINGS: Reading, Board, buffer = 8);

/// Fired by the interrupt when a reading crosses the alarm threshold.
static ALARMS: Event<Board> = Event::new();
/// Event id: the voltage rose above `HIGH_MV`.
const OVERVOLTAGE: u32 = 0;
/// Event id: the voltage fell back below it.
const RECOVERED: u32 = 1;
const HIGH_MV: u32 = 3_500;

/// The publisher, handed to the interrupt once at init.
static SENSOR: Mutex<RefCell<Option<Publisher<'static, Reading, Board>>>> = Mutex::new(RefCell::new(None));

/// Readings the example takes before it ends.
const READINGS_TO_TAKE: u32 = 400;

/// The simulated supply: a slow ramp with two spikes above the threshold.
fn millivolts(sequence: u32) -> u32 {
    let base = 3_300 + (sequence % 100);
    match sequence {
        120..=139 | 300..=309 => base + 400,
        _ => base,
    }
}

// ---- the sensor interrupt ----------------------------------------------------------

#[exception]
fn SysTick() {
    let sequence = TICKS.load(Ordering::Relaxed);
    TICKS.store(sequence + 1, Ordering::Relaxed);
    let reading = Reading {
        sequence,
        millivolts: millivolts(sequence),
    };
    critical_section::with(|cs| {
        if let Some(sensor) = SENSOR.borrow_ref_mut(cs).as_mut() {
            // Never blocks; with safe overflow it always finds a chunk.
            let _ = sensor.send_copy(reading);
        }
    });
    let was_high = sequence > 0 && millivolts(sequence - 1) > HIGH_MV;
    let is_high = reading.millivolts > HIGH_MV;
    if is_high != was_high {
        let _ = ALARMS.notify(if is_high { OVERVOLTAGE } else { RECOVERED });
    }
}

// ---- the main loop -------------------------------------------------------------------

#[entry]
fn main() -> ! {
    let (Ok(publisher), Ok(readings), Ok(alarms)) = (READINGS.publisher(), READINGS.subscriber(), ALARMS.listener())
    else {
        hprintln!("claiming the ports failed");
        debug::exit(debug::EXIT_FAILURE);
        loop {
            cortex_m::asm::wfi();
        }
    };
    critical_section::with(|cs| SENSOR.borrow_ref_mut(cs).replace(publisher));

    let mut peripherals = cortex_m::Peripherals::take().expect("taken once");
    let syst = &mut peripherals.SYST;
    syst.set_clock_source(SystClkSource::Core);
    syst.set_reload(20_000);
    syst.clear_current();
    syst.enable_interrupt();
    syst.enable_counter();

    let (mut taken, mut lost, mut next, mut peak) = (0u32, 0u32, 0u32, 0u32);
    let mut overvoltage = false;
    while taken < READINGS_TO_TAKE {
        // Sleep (WFE) until the interrupt sends.
        let _ = readings.wait(None);
        while let Ok(Some(reading)) = readings.receive() {
            lost += reading.sequence - next;
            next = reading.sequence + 1;
            taken += 1;
            if overvoltage {
                peak = peak.max(reading.millivolts);
            }
        }
        alarms.try_wait(|id| match id {
            OVERVOLTAGE => {
                overvoltage = true;
                peak = 0;
                hprintln!("alarm: over {} mV, load shed", HIGH_MV);
            }
            RECOVERED => {
                overvoltage = false;
                hprintln!("recovered, load restored");
                heprintln!("  (peak {} mV)", peak);
            }
            _ => {}
        });
    }
    syst.disable_counter();
    hprintln!("{} readings, {} lost", taken, lost);
    debug::exit(if lost == 0 {
        debug::EXIT_SUCCESS
    } else {
        debug::EXIT_FAILURE
    });
    loop {
        cortex_m::asm::wfi();
    }
}
