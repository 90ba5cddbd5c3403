//! What every implementation of a ping-pong suite provides: a [`Transport`] sets up
//! its channels in the parent (the pinger), connects them in each child
//! (receiver 0 answers, the others only receive), and moves one message
//! per call. The messages themselves are written and checked by
//! [`write_message`] and [`read_message`], the same for every transport.

use core::hint::spin_loop;
use core::time::Duration;
use std::os::fd::OwnedFd;
use std::time::Instant;

/// A transport's failure to set up or connect, as a message.
pub type Result<T> = core::result::Result<T, String>;

/// How long a spin or a connection wait may take before the suite gives
/// up on a peer that is gone or stuck (a run takes well under a second).
pub const PATIENCE: Duration = Duration::from_secs(10);

/// What one case moves, the same in the parent and in every child.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spec {
    /// Bytes per message, a multiple of 8 and at least 8 (0 for a bare
    /// notification, which carries no message).
    pub payload: usize,
    /// `read`: the sender writes every byte and the receiver reads every
    /// byte into a checksum; `untouched`: only the 4-byte token is written
    /// and read.
    pub read: bool,
    /// Receivers of each ping; receiver 0 answers.
    pub subscribers: usize,
    /// Unique per parent process and case (names iox2's services).
    pub tag: String,
}

/// The parent's end: sends pings to every receiver, waits for receiver 0's pong.
pub trait Pinger: core::fmt::Debug {
    /// Sends a message carrying `token` to every receiver, receiver 0 last.
    fn ping(&mut self, token: u32);
    /// Spins (or blocks) until receiver 0's answer arrives; returns its token.
    fn wait_pong(&mut self) -> u32;
}

/// Receiver 0, in a child: answers every ping with a pong of the same size
/// carrying the same token.
pub trait Ponger {
    /// Waits for a ping, answers it, and returns its token.
    fn echo(&mut self) -> u32;
}

/// Receivers 1.., in children: take every ping (reading it as the variant
/// says) and never answer.
pub trait Passive {
    /// Takes every ping that has arrived; returns how many.
    fn drain(&mut self) -> usize;
}

/// The receivers of a transport without fan-out: there are none.
#[derive(Debug)]
pub enum NoPassive {}

impl Passive for NoPassive {
    fn drain(&mut self) -> usize {
        match *self {}
    }
}

/// One implementation under test.
pub trait Transport {
    /// Its name in the table and the CSV.
    const NAME: &'static str;
    /// The parent's end.
    type Pinger: Pinger;
    /// Receiver 0's end.
    type Ponger: Ponger;
    /// The other receivers' end.
    type Passive: Passive;

    /// How many receiver processes a case with `spec` runs (the floor has
    /// no fan-out: always one).
    fn receivers(spec: &Spec) -> usize {
        spec.subscribers
    }

    /// In the parent, before any child starts: creates the channels and
    /// returns the pinger and, per receiver (0 answers), the descriptors
    /// that receiver's process inherits.
    fn setup(spec: &Spec) -> Result<(Self::Pinger, Vec<Vec<OwnedFd>>)>;

    /// In receiver 0's process: connects its descriptors.
    fn connect_ponger(spec: &Spec, fds: Vec<OwnedFd>) -> Result<Self::Ponger>;

    /// In the process of another receiver: connects its descriptors.
    fn connect_passive(spec: &Spec, fds: Vec<OwnedFd>) -> Result<Self::Passive>;

    /// In the parent, once every receiver said it is connected.
    fn finish(pinger: &mut Self::Pinger) -> Result<()> {
        let _ = pinger;
        Ok(())
    }
}

/// Spins with `spin_loop()` until `poll` returns a value. A peer that stays
/// silent for [`PATIENCE`] is a bug or a dead process: panics naming `what`.
#[inline(always)]
pub fn spin_until<T>(what: &str, mut poll: impl FnMut() -> Option<T>) -> T {
    let mut spins: u32 = 0;
    let mut since: Option<Instant> = None;
    loop {
        if let Some(value) = poll() {
            return value;
        }
        spin_loop();
        spins = spins.wrapping_add(1);
        if spins.is_multiple_of(1 << 20) {
            check_patience(what, &mut since);
        }
    }
}

/// The slow path of [`spin_until`]: starts the clock on the first call and
/// panics once [`PATIENCE`] has passed.
#[cold]
#[inline(never)]
fn check_patience(what: &str, since: &mut Option<Instant>) {
    let since = since.get_or_insert_with(Instant::now);
    if since.elapsed() > PATIENCE {
        panic!("waited {PATIENCE:?} for {what}: the peer is gone or stuck");
    }
}

/// Waits (polling every 100 µs, for at most [`PATIENCE`]) until `ready`;
/// for connection set-up, not for measurements.
pub fn wait_until(what: &str, mut ready: impl FnMut() -> bool) -> Result<()> {
    let started = Instant::now();
    while !ready() {
        if started.elapsed() > PATIENCE {
            return Err(format!("waited {PATIENCE:?} for {what}"));
        }
        std::thread::sleep(Duration::from_micros(100));
    }
    Ok(())
}

/// The byte a `read` sender fills a message for `token` with.
fn fill_byte(token: u32) -> u8 {
    (token as u8) ^ 0xa5
}

/// Writes the message carrying `token` to `dst`: the token in the first 4
/// bytes (little-endian); in the `read` variant every other byte is
/// [`fill_byte`]. In the `untouched` variant the rest is left as it is.
///
/// # Safety
/// `dst` is valid for writes of `len` bytes, and `len >= 4`.
#[inline(always)]
pub unsafe fn write_message(dst: *mut u8, len: usize, token: u32, read: bool) {
    // SAFETY: the caller guarantees `len` writable bytes at `dst`, 4 of them at least.
    unsafe {
        if read {
            core::ptr::write_bytes(dst, fill_byte(token), len);
        }
        core::ptr::copy_nonoverlapping(token.to_le_bytes().as_ptr(), dst, 4);
    }
}

/// Reads the token of the message in `src`; in the `read` variant also sums
/// every byte (as little-endian u64 words, wrapping) and panics unless the
/// sum is what [`write_message`] wrote.
#[inline(always)]
pub fn read_message(src: &[u8], read: bool) -> u32 {
    let token = u32::from_le_bytes([src[0], src[1], src[2], src[3]]);
    if read {
        let sum = checksum(src);
        let expected = expected_checksum(src.len(), token);
        assert_eq!(sum, expected, "message {token} arrived corrupted");
    }
    token
}

/// The wrapping sum of `bytes` taken as little-endian u64 words (a tail
/// shorter than a word is summed as bytes).
#[inline(always)]
fn checksum(bytes: &[u8]) -> u64 {
    let words = bytes.chunks_exact(8);
    let tail: u64 = words.remainder().iter().map(|&b| u64::from(b)).sum();
    words
        .map(|word| u64::from_le_bytes(word.try_into().unwrap_or_default()))
        .fold(tail, u64::wrapping_add)
}

/// [`checksum`] of a `read` message of `len` bytes carrying `token`.
fn expected_checksum(len: usize, token: u32) -> u64 {
    let fill = fill_byte(token);
    let [t0, t1, t2, t3] = token.to_le_bytes();
    let first = [t0, t1, t2, t3, fill, fill, fill, fill];
    let head = checksum(&first[..len.min(8)]);
    let word = u64::from_le_bytes([fill; 8]);
    let words = (len.saturating_sub(8) / 8) as u64;
    let tail = ((len.saturating_sub(8) % 8) as u64) * u64::from(fill);
    head.wrapping_add(word.wrapping_mul(words)).wrapping_add(tail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_round_trip_and_checksums_match() {
        for len in [4, 8, 12, 64, 4096] {
            for read in [false, true] {
                let mut buffer = vec![0u8; len];
                for token in [1u32, 0xdead_beef, u32::MAX] {
                    // SAFETY: `buffer` holds `len` bytes.
                    unsafe { write_message(buffer.as_mut_ptr(), len, token, read) };
                    assert_eq!(read_message(&buffer, read), token);
                }
            }
        }
    }

    #[test]
    #[should_panic(expected = "corrupted")]
    fn a_corrupted_read_message_panics() {
        let mut buffer = vec![0u8; 64];
        // SAFETY: `buffer` holds 64 bytes.
        unsafe { write_message(buffer.as_mut_ptr(), 64, 7, true) };
        buffer[40] ^= 1;
        read_message(&buffer, true);
    }
}
