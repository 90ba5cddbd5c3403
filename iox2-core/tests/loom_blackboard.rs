//! Loom models of the blackboard's triple buffer: a reader never sees a
//! torn value or an older one than before, and never waits for the writer.
//!
//! Values are two words, both equal, so a torn copy shows. Loom runs the
//! reader to completion with the writer paused at every one of its steps,
//! which is what a reader interrupting a preempted writer (or outliving a
//! killed one) sees. Each model also records what its reads saw and checks
//! afterwards that the exploration reached the interesting cases, so a
//! model that explores less than it should fails instead of passing
//! vacuously.
//!
//! The writer runs on the model's main thread and the reader on a spawned
//! one: with the roles the other way round, loom 0.7 skips interleavings
//! of a thread that loads a word before it stores it (tokio-rs/loom#392),
//! which is what the writer does with its own words.
//!
//! Run with `RUSTFLAGS="--cfg iox2_loom" cargo test -p iox2-core --release
//! --test loom_blackboard` (preemption bound 3 unless `LOOM_MAX_PREEMPTIONS`
//! says otherwise). Under `--cfg iox2_weaken_release` the writer publishes
//! with `Relaxed`: values stay whole (the writer's Release fence still
//! orders its odd sequence before the new word), but a reader can follow
//! the new word before the buffer's completion reaches it, so its first try
//! can fail; the second model must catch that.
#![cfg(iox2_loom)]

use iox2_core::blackboard::{EntryReadError, TripleBuffer, buffer_words};
use loom::sync::Arc;
use std::collections::BTreeSet;
use std::sync::Mutex;

/// Two words per value.
type Value = [u32; 2];
type Cell = TripleBuffer<{ buffer_words(8) }>;

/// The default every model starts with.
const DEFAULT: u32 = 7;

/// What a read handed out, across all of a model's executions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Seen {
    /// A value of this rank: the default 0, then the writes in order.
    Value(u32),
    /// Every try met the writer.
    Busy,
}

/// Runs `reader` on a spawned thread against a writer on this thread that
/// writes `1..=writes`, in every interleaving loom explores; returns what
/// the reads saw.
fn explore(writes: u32, reader: fn(&Cell, u32) -> Vec<Seen>) -> BTreeSet<Seen> {
    let seen = std::sync::Arc::new(Mutex::new(BTreeSet::new()));
    let record = seen.clone();
    let mut builder = loom::model::Builder::new();
    if builder.preemption_bound.is_none() {
        builder.preemption_bound = Some(3);
    }
    builder.check(move || {
        let cell = Arc::new(Cell::new());
        // SAFETY: before any other thread sees the buffer; `Value`s only.
        unsafe { cell.init(&[DEFAULT; 2]) };
        let reading = {
            let cell = cell.clone();
            loom::thread::spawn(move || reader(&cell, writes))
        };
        for value in 1..=writes {
            // SAFETY: this thread is the one writer; `Value`s only.
            unsafe { cell.write(&[value; 2]) };
        }
        let saw = reading.join().unwrap();
        // SAFETY: as above.
        let last = unsafe { cell.read::<Value>() };
        assert_eq!(last, Ok([writes; 2]), "the last write is published");
        record.lock().unwrap().extend(saw);
    });
    seen.lock().unwrap().clone()
}

/// Checks a value a read handed out and returns its rank.
fn rank(value: Value, writes: u32) -> u32 {
    assert_eq!(value[0], value[1], "a torn value: {value:?}");
    match value[0] {
        DEFAULT => 0,
        v if (1..=writes).contains(&v) => v,
        _ => panic!("a value never written: {value:?}"),
    }
}

/// Reads twice; each value must be whole, and the second no older.
fn read_twice(cell: &Cell, writes: u32, read: impl Fn(&Cell) -> Result<Value, EntryReadError>) -> Vec<Seen> {
    let mut seen = Vec::new();
    let mut last = 0;
    for _ in 0..2 {
        match read(cell) {
            Ok(value) => {
                let rank = rank(value, writes);
                assert!(rank >= last, "went back from {last} to {rank}");
                last = rank;
                seen.push(Seen::Value(rank));
            }
            Err(EntryReadError::Busy) => seen.push(Seen::Busy),
            Err(e) => panic!("{e}"),
        }
    }
    seen
}

/// Three writes: the third comes round to the buffer a slow reader may
/// still be copying. No read hands out a torn value, a value never
/// written, or an older value than the read before it; when the writer
/// laps a try, another try succeeds.
#[test]
fn loom_blackboard_a_read_never_tears_or_goes_back() {
    let seen = explore(3, |cell, writes| {
        read_twice(cell, writes, |cell| {
            // SAFETY: the buffer holds `Value`s only.
            unsafe { cell.read::<Value>() }
        })
    });
    let expected: BTreeSet<Seen> = (0..=3).map(Seen::Value).collect();
    assert_eq!(seen, expected, "every value read somewhere, and no read gave up");
}

/// A single try, against three writes, does fail when the writer laps it:
/// the exploration reaches the case the retries are for.
#[test]
fn loom_blackboard_a_lapped_try_fails_and_hands_out_nothing() {
    let seen = explore(3, |cell, writes| {
        read_twice(cell, writes, |cell| {
            // SAFETY: the buffer holds `Value`s only.
            unsafe { cell.try_read_once::<Value>() }
        })
    });
    assert!(seen.contains(&Seen::Busy), "no try was lapped: {seen:?}");
}

/// Two writes never touch the buffer a reader found published, wherever
/// the writer is paused: each single try succeeds at once. This is the
/// interrupt's case: it reads while the writer it interrupted is stopped
/// mid-write, and must not wait for it.
#[test]
#[cfg_attr(iox2_weaken_release, should_panic(expected = "the first try succeeds"))]
fn loom_blackboard_a_reader_never_waits_for_the_writer() {
    let seen = explore(2, |cell, writes| {
        read_twice(cell, writes, |cell| {
            // SAFETY: the buffer holds `Value`s only.
            let first = unsafe { cell.try_read_once::<Value>() };
            assert!(first.is_ok(), "the first try succeeds, got {first:?}");
            first
        })
    });
    let expected: BTreeSet<Seen> = (0..=2).map(Seen::Value).collect();
    assert_eq!(seen, expected);
}
