//! The control channel between the parent and each receiver process: a
//! Unix stream socket pair, blocking on both sides, so that a receiver
//! waiting for its next run sleeps instead of spinning on a CPU another
//! implementation is being measured on.
//!
//! Parent to child: a [`Command`] as a little-endian `u32`. Child to
//! parent: one byte, [`READY`] once connected, [`DONE`] after each run.

use std::io::{self, Read, Write};
use std::os::unix::net::UnixStream;

/// The child is connected and waits for commands.
pub const READY: u8 = b'R';
/// The child finished the run it was told to do.
pub const DONE: u8 = b'D';

/// What the parent tells a receiver.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// Receiver 0: answer this many pings, then say [`DONE`]. Other
    /// receivers: drain until [`Command::Stop`].
    Run(u32),
    /// Stop draining, say [`DONE`].
    Stop,
    /// Disconnect and exit.
    Exit,
}

impl Command {
    const EXIT: u32 = 0;
    const STOP: u32 = u32::MAX;

    /// Sends the command.
    pub fn send(self, control: &mut UnixStream) -> io::Result<()> {
        let word = match self {
            Command::Run(n) => {
                assert!(n != Self::EXIT && n != Self::STOP, "a run of {n} round trips");
                n
            }
            Command::Stop => Self::STOP,
            Command::Exit => Self::EXIT,
        };
        control.write_all(&word.to_le_bytes())
    }

    /// Receives the next command; a closed channel means [`Command::Exit`].
    pub fn receive(control: &mut UnixStream) -> io::Result<Self> {
        let mut word = [0; 4];
        match control.read_exact(&mut word) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(Command::Exit),
            Err(e) => return Err(e),
        }
        Ok(match u32::from_le_bytes(word) {
            Self::EXIT => Command::Exit,
            Self::STOP => Command::Stop,
            n => Command::Run(n),
        })
    }
}

/// Sends the one-byte `reply`.
pub fn reply(control: &mut UnixStream, reply: u8) -> io::Result<()> {
    control.write_all(&[reply])
}

/// Waits for the one-byte reply `expected`; a closed channel is an error.
pub fn expect(control: &mut UnixStream, expected: u8) -> io::Result<()> {
    let mut byte = [0];
    control.read_exact(&mut byte)?;
    if byte[0] == expected {
        Ok(())
    } else {
        Err(io::Error::other(format!(
            "expected {:?}, got {:?}",
            expected as char, byte[0] as char
        )))
    }
}
