//! iox2 integration firmware for QEMU's RISC-V virt machine with two harts
//! (RV32IMAC) running this one image and sharing its RAM: services in
//! `.bss`, read-modify-write by the A extension (AMOs and LR/SC, sound
//! across harts). Hart 0 runs the tests; hart 1 waits in `_mp_hook` for a
//! software interrupt (CLINT `msip`) and then runs its half. Output on the
//! 16550 UART, exit through the SiFive test device. Run with
//! `cargo run --release` here.
//!
//! Hart 0 is also hart 1's supervisor (`halt_mid_stream`): it halts hart 1
//! with a machine software interrupt (CLINT `msip`) whose handler never
//! returns — taken at whatever instruction hart 1 runs — and restarts it by
//! a second one, on which the parked handler starts hart 1 afresh on a
//! fresh stack.

#![no_std]
#![no_main]

use core::fmt::Write;
use core::sync::atomic::{AtomicUsize, Ordering};

use iox2_embedded::wait::{Polling, WaitHook};
use iox2_platform::Instant;
use iox2_platform::rmw::NativeRmw;
use iox2_platform::static_ram::{NodeTable, Nodes, RegionTable, Regions, StaticRamBoard};
use riscv::register::{mie, mip, mstatus};

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

/// CLINT: one `msip` word per hart (software interrupt pending).
const CLINT_MSIP: usize = 0x0200_0000;
/// CLINT `mtime`: 64 bits counting at 10 MHz.
const CLINT_MTIME: usize = 0x0200_BFF8;
/// Nanoseconds per `mtime` count.
const MTIME_NS: u64 = 100;
/// The 16550 UART's transmit register.
const UART_THR: *mut u8 = 0x1000_0000 as *mut u8;
/// The SiFive test device: `0x5555` exits QEMU with 0, `code << 16 | 0x3333` with `code`.
const TEST_DEVICE: *mut u32 = 0x0010_0000 as *mut u32;

static REGIONS: RegionTable<NativeRmw, 1> = RegionTable::new();
static NODES: NodeTable<NativeRmw, 2> = NodeTable::new();

/// This board for iox2: native RMW across both harts, polling waits (the
/// harts share no event register), the CLINT's `mtime` as the clock.
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
        let word = |offset: usize| {
            // SAFETY: `mtime` is a memory-mapped CLINT register of the virt
            // machine, readable as two 32-bit words.
            unsafe { ((CLINT_MTIME + offset) as *const u32).read_volatile() }
        };
        // High, low, high again: a carry between the reads shows as a change.
        let ticks = loop {
            let high = word(4);
            let low = word(0);
            if word(4) == high {
                break (u64::from(high) << 32) | u64::from(low);
            }
        };
        Instant::from_nanos(ticks * MTIME_NS)
    }

    fn wait_hook(deadline: Option<Instant>) {
        Polling::idle(deadline);
    }

    fn wake_hook() {
        Polling::wake();
    }
}

/// Hart 1 sleeps here (before RAM is initialised: no statics) until hart 0
/// sends it a software interrupt; hart 0 goes on to initialise RAM.
#[unsafe(export_name = "_mp_hook")]
pub extern "Rust" fn mp_hook(hartid: usize) -> bool {
    if hartid == 0 {
        return true;
    }
    let msip = (CLINT_MSIP + 4 * hartid) as *mut u32;
    // SAFETY: this hart's own CLINT `msip` word and interrupt-enable bit;
    // machine interrupts stay globally disabled (mstatus.MIE), so `wfi`
    // returns on the pending software interrupt without trapping. `msip`
    // is 0 at reset and not cleared before the wait: hart 0 may have set
    // it already (hart 1's thread can start late).
    unsafe {
        mie::set_msoft();
        while !mip::read().msoft() {
            riscv::asm::wfi();
        }
        mie::clear_msoft();
        msip.write_volatile(0);
    }
    false
}

/// Wakes hart 1 from `_mp_hook`, and later halts and restarts it: pends
/// hart 1's machine software interrupt.
fn signal_hart1() {
    core::sync::atomic::fence(Ordering::SeqCst);
    // SAFETY: hart 1's CLINT `msip` word; setting it pends its software interrupt.
    unsafe { ((CLINT_MSIP + 4) as *mut u32).write_volatile(1) };
}

/// Hart 1's stack pointer when it entered `main`: where a restart starts
/// it again (the frames above belong to riscv-rt's start code, which is
/// never returned to). Hart 1 only.
static HART1_STACK_TOP: AtomicUsize = AtomicUsize::new(0);

/// Hart 0's powers over hart 1.
struct Supervisor;

impl dual_halt::Supervisor for Supervisor {
    fn halt_core1() {
        signal_hart1();
    }

    fn restart_core1() {
        signal_hart1();
    }
}

/// On hart 1: lets hart 0's software interrupt in (the halt).
fn arm_halt() {
    // SAFETY: enables this hart's machine software interrupt and machine
    // interrupts; its handler (`machine_soft`) is this firmware's, and
    // `msip` is clear (cleared in `_mp_hook`).
    unsafe {
        mie::set_msoft();
        mstatus::set_mie();
    }
}

/// The halt: hart 1 takes hart 0's software interrupt wherever it is and
/// never returns. It acknowledges, parks until hart 0 asks for a restart
/// (a second software interrupt), then starts afresh on its stack's top.
#[riscv_rt::core_interrupt(riscv::interrupt::Interrupt::MachineSoft)]
fn machine_soft() {
    let msip = (CLINT_MSIP + 4) as *mut u32;
    // SAFETY: hart 1's own CLINT `msip` word: clearing it ends the request.
    unsafe { msip.write_volatile(0) };
    dual_halt::core1_halted();
    // Machine interrupts are off in the handler (mstatus.MIE): `wfi` ends
    // on the pending software interrupt without trapping.
    while !dual_halt::restart_requested() {
        riscv::asm::wfi();
        // SAFETY: as above.
        unsafe { msip.write_volatile(0) };
    }
    let top = HART1_STACK_TOP.load(Ordering::Relaxed);
    // SAFETY: `top` is hart 1's stack pointer at its entry into `main`,
    // 16-byte aligned (riscv-rt aligns it; `main` never returns, so nothing
    // above it is live); everything below — the old frames, this handler's
    // trap frame — is abandoned, never returned to. `hart1_restart` never
    // returns.
    unsafe {
        core::arch::asm!(
            "mv sp, {top}",
            "jr {entry}",
            top = in(reg) top,
            entry = in(reg) hart1_restart as *const () as usize,
            options(noreturn)
        )
    }
}

/// Hart 1 after a restart: its exchange on the reset services, then park.
extern "C" fn hart1_restart() -> ! {
    dual::core1_restarted();
    loop {
        riscv::asm::wfi();
    }
}

/// Writes to the UART.
struct Uart;

impl Write for Uart {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        for byte in s.bytes() {
            // SAFETY: the virt machine's 16550 transmit register; QEMU's
            // model accepts a byte at any time.
            unsafe { UART_THR.write_volatile(byte) };
        }
        Ok(())
    }
}

fn exit(code: u32) -> ! {
    let value = if code == 0 { 0x5555 } else { (code << 16) | 0x3333 };
    // SAFETY: the SiFive test device of the virt machine: the write ends QEMU.
    unsafe { TEST_DEVICE.write_volatile(value) };
    loop {
        riscv::asm::wfi();
    }
}

#[riscv_rt::entry]
fn main(hartid: usize) -> ! {
    if hartid != 0 {
        let sp: usize;
        // SAFETY: reads the stack pointer; touches nothing.
        unsafe { core::arch::asm!("mv {0}, sp", out(reg) sp, options(nomem, nostack)) };
        HART1_STACK_TOP.store(sp & !15, Ordering::Relaxed);
        dual::core1_main(Some(arm_halt));
        loop {
            riscv::asm::wfi();
        }
    }
    let mut details = dual::Details::default();
    let results = [
        ("pubsub_cross_core", dual::pubsub_cross_core(signal_hart1, &mut details)),
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
    let mut uart = Uart;
    let (mut passed, mut failed) = (0, 0);
    for (name, result) in results {
        let _ = match result {
            Ok(()) => {
                passed += 1;
                writeln!(uart, "test {name} ... ok")
            }
            Err(why) => {
                failed += 1;
                writeln!(uart, "test {name} ... FAILED: {why}")
            }
        };
    }
    let _ = writeln!(uart, "{passed} passed, {failed} failed");
    exit(if failed == 0 { 0 } else { 1 })
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    let _ = writeln!(Uart, "panic: {info}");
    exit(101)
}
