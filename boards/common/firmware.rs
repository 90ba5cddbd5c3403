//! The integration tests every QEMU board runs, shared by the board crates
//! (`#[path]`-included; the board picks `crate::BoardRmw`).
//!
//! A SysTick interrupt at a high rate plays a second execution context
//! that preempts the main loop at arbitrary instructions:
//! - `spsc_systick`: the interrupt publishes 10,000 samples (sequence number
//!   and a checksum packed into 31 bits) through a static SPSC queue; the
//!   main loop must receive every one, intact and in order.
//! - `mpmc_preempt` (INV-PREEMPT): the interrupt and the main loop both move
//!   unique indices between two static MPMC queues (a free list and a used
//!   list), at least 100,000 queue operations in all; neither may hang, no
//!   index may be held twice, and every index is in exactly one queue at the end.
//!
//! State is shared through the queues, atomics with a single writer each
//! (loads and stores only, so thumbv6m needs no CAS for them), and one
//! `critical_section::Mutex` that hands the SPSC producer to the interrupt.
//! The verdicts go to stdout (compared with `expected.txt` by
//! `cargo xtask qemu`), timing-dependent details to stderr.

use core::cell::RefCell;
use core::sync::atomic::{AtomicBool, AtomicU8, AtomicU32, Ordering};

use cortex_m::peripheral::SYST;
use cortex_m::peripheral::syst::SystClkSource;
use cortex_m_rt::exception;
use cortex_m_semihosting::{debug, heprintln, hprintln};
use critical_section::Mutex;
use iox2_core::mpmc::MpmcQueue;
use iox2_core::spsc::{Producer, SpscQueue};

use crate::BoardRmw;

/// SysTick reload in core clock cycles: the interrupt rate.
const SYSTICK_RELOAD: u32 = 500;

// ---- what the interrupt does (written by main only) -------------------------

const MODE_IDLE: u8 = 0;
const MODE_SPSC: u8 = 1;
const MODE_MPMC: u8 = 2;
/// Which test the SysTick handler serves. Written by main only.
static MODE: AtomicU8 = AtomicU8::new(MODE_IDLE);

// ---- spsc_systick ------------------------------------------------------------

/// Samples the interrupt publishes.
const SAMPLES: u32 = 10_000;
/// All-zero: lands in `.bss`.
static SAMPLE_QUEUE: SpscQueue<BoardRmw, 64> = SpscQueue::new();
/// The producer end, lent to the interrupt for the test's duration.
static PRODUCER: Mutex<RefCell<Option<Producer<'static, BoardRmw>>>> = Mutex::new(RefCell::new(None));
/// The next sequence number to publish. Written by the interrupt only.
static NEXT_SEQ: AtomicU32 = AtomicU32::new(0);
/// Ticks that found the queue full (the sample is retried). Interrupt only.
static FULL_TICKS: AtomicU32 = AtomicU32::new(0);
/// Pushes that failed otherwise. Interrupt only.
static PUSH_ERRORS: AtomicU32 = AtomicU32::new(0);

/// `seq` (14 bits) with a 17-bit checksum above it: 31 bits.
fn encode(seq: u32) -> u32 {
    seq | (checksum(seq) << 14)
}

fn checksum(seq: u32) -> u32 {
    (seq.wrapping_mul(0x9E37_79B9) >> 15) & 0x1_FFFF
}

/// The sequence number, if the checksum matches.
fn decode(value: u32) -> Option<u32> {
    let seq = value & 0x3FFF;
    (value >> 14 == checksum(seq)).then_some(seq)
}

fn spsc_tick() {
    critical_section::with(|cs| {
        let mut producer = PRODUCER.borrow_ref_mut(cs);
        let Some(producer) = producer.as_mut() else { return };
        let seq = NEXT_SEQ.load(Ordering::Relaxed);
        if seq >= SAMPLES {
            return;
        }
        match producer.push(encode(seq)) {
            Ok(()) => NEXT_SEQ.store(seq + 1, Ordering::Relaxed),
            Err(iox2_core::error::SpscPushError::Full(_)) => bump(&FULL_TICKS),
            Err(_) => bump(&PUSH_ERRORS),
        }
    });
}

fn spsc_systick(syst: &mut SYST) -> Result<(), &'static str> {
    let mut consumer = SAMPLE_QUEUE.consumer().map_err(|_| "consumer already claimed")?;
    let producer = SAMPLE_QUEUE.producer().map_err(|_| "producer already claimed")?;
    critical_section::with(|cs| PRODUCER.borrow_ref_mut(cs).replace(producer));
    start(syst, MODE_SPSC);
    let mut expected = 0;
    let mut idle: u32 = 0;
    let outcome = loop {
        if expected == SAMPLES {
            break Ok(());
        }
        match consumer.pop() {
            Some(value) => {
                idle = 0;
                match decode(value) {
                    None => break Err("corrupted sample"),
                    Some(seq) if seq != expected => break Err("sample lost or out of order"),
                    Some(_) => expected += 1,
                }
            }
            None => {
                idle += 1;
                if idle > 50_000_000 {
                    break Err("no sample for 50M polls");
                }
            }
        }
    };
    stop(syst);
    critical_section::with(|cs| PRODUCER.borrow_ref_mut(cs).take());
    heprintln!(
        "spsc_systick: received {} samples; {} ticks found the queue full",
        expected,
        FULL_TICKS.load(Ordering::Relaxed)
    );
    outcome?;
    if consumer.pop().is_some() {
        return Err("more samples than published");
    }
    if PUSH_ERRORS.load(Ordering::Relaxed) != 0 {
        return Err("push failed other than Full");
    }
    Ok(())
}

// ---- mpmc_preempt ------------------------------------------------------------

const INDICES: u32 = 16;
/// Operations (successful pops and pushes) the interrupt performs.
const ISR_OPS_QUOTA: u32 = 20_000;
/// Operations the main loop performs at least.
const MAIN_OPS_QUOTA: u32 = 80_000;
/// Index moves (2 operations each) per interrupt.
const MOVES_PER_TICK: u32 = 4;

/// Starts holding every index; not all-zero, so copied from flash at start-up.
static FREE: MpmcQueue<BoardRmw, 16> = MpmcQueue::with_all_indices(INDICES);
static USED: MpmcQueue<BoardRmw, 16> = MpmcQueue::new();
/// 1 while some context holds the index out of both queues. Written by the
/// holder only; a queue that handed an index out twice trips the check.
static HELD: [AtomicU8; INDICES as usize] = [const { AtomicU8::new(0) }; INDICES as usize];
/// Interrupt only: its operations, its errors, and how many of its ticks
/// preempted the main loop in the middle of a queue operation.
static ISR_OPS: AtomicU32 = AtomicU32::new(0);
static ISR_ERRORS: AtomicU32 = AtomicU32::new(0);
static PREEMPTIONS: AtomicU32 = AtomicU32::new(0);
/// Main only: set around each of the main loop's queue operations.
static MAIN_IN_OP: AtomicBool = AtomicBool::new(false);

/// Pops an index from `from` and pushes it to `to`: `Ok(false)` if `from`
/// was empty.
fn move_one(from: &MpmcQueue<BoardRmw, 16>, to: &MpmcQueue<BoardRmw, 16>) -> Result<bool, ()> {
    let Some(index) = from.pop() else { return Ok(false) };
    let held = HELD.get(index as usize).ok_or(())?;
    if held.load(Ordering::Relaxed) != 0 {
        return Err(());
    }
    held.store(1, Ordering::Relaxed);
    held.store(0, Ordering::Relaxed);
    to.push(index).map_err(|_| ())?;
    Ok(true)
}

/// One move in the preferred direction, else the other; 2 operations or none.
fn move_either(forward: bool) -> Result<u32, ()> {
    let (a, b) = if forward { (&FREE, &USED) } else { (&USED, &FREE) };
    if move_one(a, b)? || move_one(b, a)? {
        Ok(2)
    } else {
        Ok(0)
    }
}

fn mpmc_tick() {
    let mut ops = ISR_OPS.load(Ordering::Relaxed);
    if ops >= ISR_OPS_QUOTA {
        return;
    }
    if MAIN_IN_OP.load(Ordering::Relaxed) {
        bump(&PREEMPTIONS);
    }
    for n in 0..MOVES_PER_TICK {
        match move_either((ops / 2 + n).is_multiple_of(2)) {
            Ok(done) => ops += done,
            Err(()) => bump(&ISR_ERRORS),
        }
    }
    ISR_OPS.store(ops, Ordering::Relaxed);
}

fn mpmc_preempt(syst: &mut SYST) -> Result<(), &'static str> {
    start(syst, MODE_MPMC);
    let mut ops: u32 = 0;
    let mut errors = 0;
    let mut rounds: u32 = 0;
    while ops < MAIN_OPS_QUOTA || ISR_OPS.load(Ordering::Relaxed) < ISR_OPS_QUOTA {
        MAIN_IN_OP.store(true, Ordering::Relaxed);
        let moved = move_either(rounds.is_multiple_of(2));
        MAIN_IN_OP.store(false, Ordering::Relaxed);
        match moved {
            Ok(done) => ops += done,
            Err(()) => errors += 1,
        }
        rounds += 1;
        if rounds > 50_000_000 {
            break;
        }
    }
    stop(syst);
    let isr_ops = ISR_OPS.load(Ordering::Relaxed);
    heprintln!(
        "mpmc_preempt: {} ops in main, {} in SysTick; {} ticks preempted a main-loop operation",
        ops,
        isr_ops,
        PREEMPTIONS.load(Ordering::Relaxed)
    );
    if ops + isr_ops < MAIN_OPS_QUOTA + ISR_OPS_QUOTA {
        return Err("fewer than 100,000 operations (indices lost, or the interrupt starved)");
    }
    if errors != 0 || ISR_ERRORS.load(Ordering::Relaxed) != 0 {
        return Err("an index was handed out twice, out of range, or a push failed");
    }
    if PREEMPTIONS.load(Ordering::Relaxed) == 0 {
        return Err("the interrupt never preempted a main-loop operation");
    }
    // Every index in exactly one queue, none held.
    let mut seen: u32 = 0;
    for queue in [&FREE, &USED] {
        while let Some(index) = queue.pop() {
            if index >= INDICES || seen & (1 << index) != 0 {
                return Err("an index is duplicated or out of range");
            }
            seen |= 1 << index;
        }
    }
    if seen != (1 << INDICES) - 1 {
        return Err("an index is missing");
    }
    if HELD.iter().any(|held| held.load(Ordering::Relaxed) != 0) {
        return Err("an index is still marked held");
    }
    Ok(())
}

// ---- harness -----------------------------------------------------------------

/// `+= 1` on a word this context alone writes (no read-modify-write needed).
fn bump(counter: &AtomicU32) {
    counter.store(counter.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
}

fn start(syst: &mut SYST, mode: u8) {
    MODE.store(mode, Ordering::Release);
    syst.set_clock_source(SystClkSource::Core);
    syst.set_reload(SYSTICK_RELOAD);
    syst.clear_current();
    syst.enable_interrupt();
    syst.enable_counter();
}

fn stop(syst: &mut SYST) {
    syst.disable_interrupt();
    syst.disable_counter();
    MODE.store(MODE_IDLE, Ordering::Release);
}

#[exception]
fn SysTick() {
    match MODE.load(Ordering::Acquire) {
        MODE_SPSC => spsc_tick(),
        MODE_MPMC => mpmc_tick(),
        _ => {}
    }
}

/// A test: `Err` names what went wrong.
type Test = fn(&mut SYST) -> Result<(), &'static str>;

/// Runs every test, prints `N passed, N failed`, and exits QEMU with
/// status 0 only if all passed.
pub fn run() -> ! {
    let Some(mut peripherals) = cortex_m::Peripherals::take() else {
        hprintln!("core peripherals already taken");
        debug::exit(debug::EXIT_FAILURE);
        halt()
    };
    let syst = &mut peripherals.SYST;
    let tests: [(&str, Test); 2] = [("spsc_systick", spsc_systick), ("mpmc_preempt", mpmc_preempt)];
    let (mut passed, mut failed) = (0, 0);
    for (name, test) in tests {
        match test(syst) {
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
    let status = if failed == 0 {
        debug::EXIT_SUCCESS
    } else {
        debug::EXIT_FAILURE
    };
    debug::exit(status);
    halt()
}

/// Where the firmware rests if the semihosting exit returned (no debugger).
fn halt() -> ! {
    loop {
        cortex_m::asm::wfi();
    }
}
