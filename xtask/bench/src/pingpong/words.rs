//! Word ping-pong, the floors: one `AtomicU32` per direction, each alone on
//! its own 128-byte (adjacent-line-prefetch) pair of cache lines, in a
//! `MAP_SHARED` memory file both processes map. The pinger stores the token
//! in the ping word and waits for it in the pong word; the ponger waits for
//! a new token in the ping word and copies it to the pong word. No payload
//! moves and there is no fan-out: the same floor brackets every case.
//!
//! How a side waits and wakes is a [`Handoff`]: [`Spin`] gives `cacheline`,
//! the physical floor (spin on the word, nothing to wake); the `event`
//! suite adds a shared futex, the floor of a blocking wake-up.

use core::marker::PhantomData;
use core::sync::atomic::{AtomicU32, Ordering};
use std::os::fd::OwnedFd;

use super::sys::{SharedMap, memfd};
use super::transport::{NoPassive, Pinger, Ponger, Result, Spec, Transport, spin_until};

/// The memory file's length: one page.
const LEN: usize = 4096;
/// Byte offset of the word the pinger writes.
const PING: usize = 0;
/// Byte offset of the word the ponger writes.
const PONG: usize = 128;

/// How one side waits for the other's store, and wakes the other after its own.
pub trait Handoff: core::fmt::Debug + 'static {
    /// The transport's name.
    const NAME: &'static str;
    /// Waits until `accept` takes the value of `word` and returns it;
    /// `what` names the word for a patience panic.
    fn wait_for(word: &AtomicU32, what: &str, accept: impl Fn(u32) -> bool) -> u32;
    /// Called right after each store to `word`.
    fn wake(word: &AtomicU32);
}

/// Both sides spin on the word; nothing to wake.
#[derive(Debug)]
pub struct Spin;

impl Handoff for Spin {
    const NAME: &'static str = "cacheline";

    #[inline(always)]
    fn wait_for(word: &AtomicU32, what: &str, accept: impl Fn(u32) -> bool) -> u32 {
        spin_until(what, || {
            let token = word.load(Ordering::Acquire);
            accept(token).then_some(token)
        })
    }

    #[inline(always)]
    fn wake(_: &AtomicU32) {}
}

/// The word ping-pong with handoff `H`.
#[derive(Debug)]
pub struct Words<H>(PhantomData<H>);

/// The physical floor.
pub type Cacheline = Words<Spin>;

/// The two words, in a mapping of the shared memory file; both start at 0.
#[derive(Debug)]
struct Lines {
    map: SharedMap,
}

impl Lines {
    fn map(fd: &OwnedFd) -> Result<Self> {
        let map = SharedMap::new(fd, LEN).map_err(|e| format!("cannot map the floor's memory file: {e}"))?;
        Ok(Self { map })
    }

    /// The word at byte `offset`.
    fn word(&self, offset: usize) -> &AtomicU32 {
        debug_assert!(offset + 4 <= self.map.len());
        // SAFETY: the mapping is page-aligned and `LEN` long, so `offset`
        // (a multiple of 4 below `LEN`) is an aligned word inside it; the
        // memory is only accessed atomically, by both processes, while `self`
        // keeps it mapped.
        unsafe { &*self.map.as_ptr().add(offset).cast::<AtomicU32>() }
    }
}

/// The parent's end of a floor.
#[derive(Debug)]
pub struct FloorPinger<H> {
    lines: Lines,
    sent: u32,
    _handoff: PhantomData<H>,
}

impl<H: Handoff> Pinger for FloorPinger<H> {
    #[inline]
    fn ping(&mut self, token: u32) {
        let ping = self.lines.word(PING);
        ping.store(token, Ordering::Release);
        H::wake(ping);
        self.sent = token;
    }

    #[inline]
    fn wait_pong(&mut self) -> u32 {
        let sent = self.sent;
        H::wait_for(self.lines.word(PONG), "the floor's pong", |token| token == sent)
    }
}

/// The child's end of a floor.
#[derive(Debug)]
pub struct FloorPonger<H> {
    lines: Lines,
    last: u32,
    _handoff: PhantomData<H>,
}

impl<H: Handoff> Ponger for FloorPonger<H> {
    #[inline]
    fn echo(&mut self) -> u32 {
        let last = self.last;
        let token = H::wait_for(self.lines.word(PING), "the floor's ping", |token| token != last);
        let pong = self.lines.word(PONG);
        pong.store(token, Ordering::Release);
        H::wake(pong);
        self.last = token;
        token
    }
}

impl<H: Handoff> Transport for Words<H> {
    const NAME: &'static str = H::NAME;
    type Pinger = FloorPinger<H>;
    type Ponger = FloorPonger<H>;
    type Passive = NoPassive;

    fn receivers(_: &Spec) -> usize {
        1
    }

    fn setup(_: &Spec) -> Result<(FloorPinger<H>, Vec<Vec<OwnedFd>>)> {
        let fd = memfd(c"iox2-bench-floor", LEN).map_err(|e| format!("cannot create the floor's memory file: {e}"))?;
        let lines = Lines::map(&fd)?;
        let child = fd
            .try_clone()
            .map_err(|e| format!("cannot duplicate the floor's memory file: {e}"))?;
        let pinger = FloorPinger {
            lines,
            sent: 0,
            _handoff: PhantomData,
        };
        Ok((pinger, vec![vec![child]]))
    }

    fn connect_ponger(_: &Spec, fds: Vec<OwnedFd>) -> Result<FloorPonger<H>> {
        let fd = fds.first().ok_or("the floor's ponger got no memory file")?;
        let lines = Lines::map(fd)?;
        let last = lines.word(PING).load(Ordering::Acquire);
        Ok(FloorPonger {
            lines,
            last,
            _handoff: PhantomData,
        })
    }

    fn connect_passive(_: &Spec, _: Vec<OwnedFd>) -> Result<NoPassive> {
        Err("the floor has no passive receivers".to_owned())
    }
}
