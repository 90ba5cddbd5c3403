//! `cacheline`, the physical floor: one `AtomicU32` per direction, each
//! alone on its own 128-byte (adjacent-line-prefetch) pair of cache lines,
//! in a `MAP_SHARED` memory file both processes map. The pinger stores the
//! token in the ping word and spins on the pong word; the ponger spins on
//! the ping word and copies it to the pong word. No payload moves and there
//! is no fan-out: the same floor brackets every case.

use core::sync::atomic::{AtomicU32, Ordering};
use std::os::fd::OwnedFd;

use super::sys::{SharedMap, memfd};
use super::transport::{Passive, Pinger, Ponger, Result, Spec, Transport, spin_until};

/// The memory file's length: one page.
const LEN: usize = 4096;
/// Byte offset of the word the pinger writes.
const PING: usize = 0;
/// Byte offset of the word the ponger writes.
const PONG: usize = 128;

/// The floor transport.
#[derive(Debug)]
pub struct Cacheline;

/// The two words, in a mapping of the shared memory file.
#[derive(Debug)]
pub struct Lines {
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

/// The parent's end of the floor.
#[derive(Debug)]
pub struct FloorPinger {
    lines: Lines,
    sent: u32,
}

impl Pinger for FloorPinger {
    #[inline]
    fn ping(&mut self, token: u32) {
        self.lines.word(PING).store(token, Ordering::Release);
        self.sent = token;
    }

    #[inline]
    fn wait_pong(&mut self) -> u32 {
        let (pong, sent) = (self.lines.word(PONG), self.sent);
        spin_until("the floor's pong", || {
            let token = pong.load(Ordering::Acquire);
            (token == sent).then_some(token)
        })
    }
}

/// The child's end of the floor.
#[derive(Debug)]
pub struct FloorPonger {
    lines: Lines,
    last: u32,
}

impl Ponger for FloorPonger {
    #[inline]
    fn echo(&mut self) -> u32 {
        let ping = self.lines.word(PING);
        let last = self.last;
        let token = spin_until("the floor's ping", || {
            let token = ping.load(Ordering::Acquire);
            (token != last).then_some(token)
        });
        self.lines.word(PONG).store(token, Ordering::Release);
        self.last = token;
        token
    }
}

/// The floor has no passive receivers.
#[derive(Debug)]
pub enum NoPassive {}

impl Passive for NoPassive {
    fn drain(&mut self) -> usize {
        match *self {}
    }
}

impl Transport for Cacheline {
    const NAME: &'static str = "cacheline";
    type Pinger = FloorPinger;
    type Ponger = FloorPonger;
    type Passive = NoPassive;

    fn receivers(_: &Spec) -> usize {
        1
    }

    fn setup(_: &Spec) -> Result<(FloorPinger, Vec<Vec<OwnedFd>>)> {
        let fd = memfd(c"iox2-bench-floor", LEN).map_err(|e| format!("cannot create the floor's memory file: {e}"))?;
        let lines = Lines::map(&fd)?;
        let child = fd
            .try_clone()
            .map_err(|e| format!("cannot duplicate the floor's memory file: {e}"))?;
        Ok((FloorPinger { lines, sent: 0 }, vec![vec![child]]))
    }

    fn connect_ponger(_: &Spec, fds: Vec<OwnedFd>) -> Result<FloorPonger> {
        let fd = fds.first().ok_or("the floor's ponger got no memory file")?;
        let lines = Lines::map(fd)?;
        let last = lines.word(PING).load(Ordering::Acquire);
        Ok(FloorPonger { lines, last })
    }

    fn connect_passive(_: &Spec, _: Vec<OwnedFd>) -> Result<NoPassive> {
        Err("the floor has no passive receivers".to_owned())
    }
}
