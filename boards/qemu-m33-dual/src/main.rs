//! iox2 integration firmware for QEMU's mps2-an521: two Cortex-M33 cores
//! running this one image and sharing its RAM, services in `.bss`,
//! read-modify-write by LDREX/STREX (sound across cores: each core's
//! exclusive monitor sees the other's stores). Core 0 runs `main` and
//! starts core 1, which QEMU holds at reset (CPUWAIT), with a vector table
//! of its own. Run with `cargo run --release` here.
//!
//! Core 0 is also core 1's supervisor (`halt_mid_stream`): core 1's own
//! SysTick interrupts it every few microseconds at whatever instruction it
//! runs; once core 0 raised the halt request, the handler never returns.
//! It parks in `WFE` until core 0 asks for a restart (and `SEV`s), then
//! starts core 1 afresh on a fresh stack.

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
#[path = "../../common/dual_blackboard.rs"]
mod dual_blackboard;
#[path = "../../common/dual_halt.rs"]
mod dual_halt;
#[path = "../../common/dual_reqres.rs"]
mod dual_reqres;
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

/// Core 1's vector table: initial stack pointer, reset, the fault
/// handlers and SysTick (128-byte aligned, as VTOR requires for 16 entries
/// or fewer).
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
    dual::core1_main(Some(arm_halt));
    loop {
        cortex_m::asm::wfe();
    }
}

/// Core 1 after a restart: its exchange on the reset services, then park.
extern "C" fn core1_restart() -> ! {
    dual::core1_restarted();
    loop {
        cortex_m::asm::wfe();
    }
}

/// The SysTick registers (each core has its own, at the same address).
const SYST_CSR: *mut u32 = 0xE000_E010 as *mut u32;
const SYST_RVR: *mut u32 = 0xE000_E014 as *mut u32;
const SYST_CVR: *mut u32 = 0xE000_E018 as *mut u32;
/// Core 1's SysTick reload: the halt's latency, in core clock cycles.
const CORE1_SYSTICK_RELOAD: u32 = 500;

/// 1 once core 0 asks core 1 to halt. Core 0 only.
static HALT_REQUEST: AtomicU32 = AtomicU32::new(0);

/// Core 0's powers over core 1.
struct Supervisor;

impl dual_halt::Supervisor for Supervisor {
    fn halt_core1() {
        // SYNC: Release pairs with the Acquire of core 1's SysTick handler.
        HALT_REQUEST.store(1, Ordering::Release);
    }

    fn restart_core1() {
        // Core 1 parks in WFE: the event ends it (the restart flag is set).
        cortex_m::asm::dsb();
        cortex_m::asm::sev();
    }
}

/// On core 1: starts its own SysTick, whose handler takes the halt.
fn arm_halt() {
    // SAFETY: core 1's own SysTick registers (the PPB is per core); core 1
    // uses no SysTick otherwise, and its handler is `core1_systick`.
    unsafe {
        SYST_RVR.write_volatile(CORE1_SYSTICK_RELOAD);
        SYST_CVR.write_volatile(0);
        SYST_CSR.write_volatile(0b111); // enable, interrupt, core clock
    }
}

/// Core 1's SysTick: returns at once unless core 0 asked for the halt;
/// then acknowledges, stops the tick, parks until core 0 asks for a
/// restart, and starts core 1 afresh on its stack's top, abandoning every
/// frame (and handle) below — this exception is never returned from.
extern "C" fn core1_systick() {
    // SYNC: Acquire pairs with core 0's Release of the request.
    if HALT_REQUEST.load(Ordering::Acquire) == 0 {
        return;
    }
    // SAFETY: core 1's own SysTick control register: stops its tick.
    unsafe { SYST_CSR.write_volatile(0) };
    dual_halt::core1_halted();
    while !dual_halt::restart_requested() {
        cortex_m::asm::wfe();
    }
    let top = CORE1_STACK.0.get() as usize + CORE1_STACK_BYTES;
    // SAFETY: `top` is the end of core 1's own stack (8-byte aligned), which
    // only core 1 uses; every frame on it is abandoned, never returned to,
    // so the main stack pointer may start there again. We stay in handler
    // mode (SysTick active, now stopped): `core1_restart` needs no further
    // exception. It never returns.
    unsafe {
        core::arch::asm!(
            "msr msp, {top}",
            "bx {entry}",
            top = in(reg) top,
            entry = in(reg) core1_restart as *const () as usize,
            options(noreturn)
        )
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
    for vector in &vectors[2..15] {
        vector.store(core1_fault as *const () as usize as u32, Ordering::Relaxed);
    }
    vectors[15].store(core1_systick as *const () as usize as u32, Ordering::Relaxed);
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
        ("reqres_cross_core", dual_reqres::reqres_cross_core(&mut details)),
        (
            "blackboard_cross_core",
            dual_blackboard::blackboard_cross_core(&mut details),
        ),
        (
            "halt_mid_stream",
            dual_halt::halt_mid_stream::<Supervisor>(&mut details),
        ),
    ];
    heprintln!(
        "pubsub_cross_core: {} samples each way; resends after a full buffer: core 0 {}, core 1 {}",
        dual::SAMPLES,
        details.core0_resends,
        details.core1_resends
    );
    heprintln!("event_cross_core: {} wake-ups", details.wakeups);
    heprintln!(
        "reqres_cross_core: {} responses; responses sent again after a full buffer: {}",
        details.responses,
        details.response_resends
    );
    heprintln!(
        "blackboard_cross_core: {} reads, {} distinct values, {} fell back on the last good value",
        details.reads,
        details.distinct_values,
        details.busy_reads
    );
    heprintln!(
        "halt_mid_stream: {} sends after the halt, {} of them discarded (core 1's buffer was full)",
        details.sends_after_halt,
        details.discarded_after_halt
    );
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
