//! iox2 integration firmware for QEMU's mps2-an521: two Cortex-M33 cores
//! running this one image and sharing its RAM, services in `.bss`,
//! read-modify-write by LDREX/STREX (sound across cores: each core's
//! exclusive monitor sees the other's stores). Core 0 runs `main` and
//! starts core 1, which QEMU holds at reset (CPUWAIT), with a vector table
//! of its own. Run with `cargo run --release` here.

#![no_std]
#![no_main]

use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicU32, Ordering};

use cortex_m::peripheral::syst::SystClkSource;
use cortex_m_rt::{entry, exception};
use cortex_m_semihosting::{debug, heprintln, hprintln};
use iox2_embedded::wait::{WaitHook, WfeSev};
use iox2_platform::Instant;
use iox2_platform::rmw::NativeRmw;
use iox2_platform::static_ram::{NodeTable, Nodes, RegionTable, Regions, StaticRamBoard};
use panic_semihosting as _;

#[path = "../../common/dual.rs"]
mod dual;
#[path = "../../common/tick.rs"]
mod tick;

static REGIONS: RegionTable<NativeRmw, 1> = RegionTable::new();
static NODES: NodeTable<NativeRmw, 2> = NodeTable::new();
/// Core 0's SysTick periods: the board clock. Core 0's SysTick only.
static TICKS: AtomicU32 = AtomicU32::new(0);
/// SysTick reload in core clock cycles.
const SYSTICK_RELOAD: u32 = 2_000;
/// Nanoseconds per SysTick period, roughly, as QEMU runs it.
const TICK_NS: u64 = 80_000;

/// This board for iox2: native RMW across both cores, `WFE`/`SEV` (`SEV`
/// reaches the other core), core 0's SysTick as the clock.
pub struct Board;

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

/// The SSE-200 system control register that holds the start address
/// (vector table) of CPU 1.
const INITSVTOR1: *mut u32 = 0x5002_1114 as *mut u32;
/// The SSE-200 register whose bits hold CPUs at reset (bit 1: CPU 1).
const CPUWAIT: *mut u32 = 0x5002_1118 as *mut u32;
/// Bytes of core 1's stack.
const CORE1_STACK_BYTES: usize = 16 * 1024;

/// Core 1's vector table: initial stack pointer, reset, and the fault
/// handlers (128-byte aligned, as VTOR requires for 16 entries or fewer).
#[repr(C, align(128))]
struct Vectors([AtomicU32; 16]);

static CORE1_VECTORS: Vectors = Vectors([const { AtomicU32::new(0) }; 16]);

/// Core 1's stack: all zero, in `.bss`.
#[repr(C, align(8))]
struct Stack(UnsafeCell<[u8; CORE1_STACK_BYTES]>);

// SAFETY: only core 1 uses the stack (through its stack pointer); no Rust
// reference to it is ever made.
unsafe impl Sync for Stack {}

static CORE1_STACK: Stack = Stack(UnsafeCell::new([0; CORE1_STACK_BYTES]));

/// Core 1's reset handler: runs its half of the tests, then parks.
extern "C" fn core1_reset() -> ! {
    dual::core1_main();
    loop {
        cortex_m::asm::wfe();
    }
}

/// Core 1's fault handlers: park (core 0 notices the silence).
extern "C" fn core1_fault() -> ! {
    loop {
        cortex_m::asm::wfe();
    }
}

/// Writes core 1's vector table, points CPU 1 at it and releases it.
fn start_core1() {
    let stack_top = CORE1_STACK.0.get() as usize + CORE1_STACK_BYTES;
    let vectors = &CORE1_VECTORS.0;
    vectors[0].store(stack_top as u32, Ordering::Relaxed);
    vectors[1].store(core1_reset as *const () as usize as u32, Ordering::Relaxed);
    for vector in &vectors[2..] {
        vector.store(core1_fault as *const () as usize as u32, Ordering::Relaxed);
    }
    cortex_m::asm::dsb();
    // SAFETY: INITSVTOR1 and CPUWAIT are SSE-200 system control registers
    // (memory-mapped, 32-bit) that exist on mps2-an521; CPU 1 is held in
    // reset until CPUWAIT is cleared, so its start address is set first.
    unsafe {
        INITSVTOR1.write_volatile(CORE1_VECTORS.0.as_ptr() as u32);
        CPUWAIT.write_volatile(0);
    }
    cortex_m::asm::dsb();
    cortex_m::asm::sev();
}

#[exception]
fn SysTick() {
    TICKS.store(TICKS.load(Ordering::Relaxed).wrapping_add(1), Ordering::Relaxed);
}

#[entry]
fn main() -> ! {
    let Some(mut peripherals) = cortex_m::Peripherals::take() else {
        hprintln!("core peripherals already taken");
        debug::exit(debug::EXIT_FAILURE);
        loop {
            cortex_m::asm::wfi();
        }
    };
    let syst = &mut peripherals.SYST;
    syst.set_clock_source(SystClkSource::Core);
    syst.set_reload(SYSTICK_RELOAD);
    syst.clear_current();
    syst.enable_interrupt();
    syst.enable_counter();

    let mut details = dual::Details::default();
    let results = [
        ("pubsub_cross_core", dual::pubsub_cross_core(start_core1, &mut details)),
        ("event_cross_core", dual::event_cross_core(&mut details)),
    ];
    heprintln!(
        "pubsub_cross_core: {} samples each way; resends after a full buffer: core 0 {}, core 1 {}",
        dual::SAMPLES,
        details.core0_resends,
        details.core1_resends
    );
    heprintln!("event_cross_core: {} wake-ups", details.wakeups);
    let (mut passed, mut failed) = (0, 0);
    for (name, result) in results {
        match result {
            Ok(()) => {
                passed += 1;
                hprintln!("test {} ... ok", name);
            }
            Err(why) => {
                failed += 1;
                hprintln!("test {} ... FAILED: {}", name, why);
            }
        }
    }
    hprintln!("{} passed, {} failed", passed, failed);
    debug::exit(if failed == 0 {
        debug::EXIT_SUCCESS
    } else {
        debug::EXIT_FAILURE
    });
    loop {
        cortex_m::asm::wfi();
    }
}
