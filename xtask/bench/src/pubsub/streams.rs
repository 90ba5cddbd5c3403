//! The kernel baselines: `uds`, a Unix stream socket pair per receiver, and
//! `pipe`, a pipe per receiver plus one back from receiver 0. Every message
//! is written with `write` and read with blocking `read` calls in full, in
//! both variants: a stream has to carry the bytes, so `untouched` only
//! spares the receiver reading them once they are in its buffer (and the
//! sender refilling its buffer). Default buffer sizes (a pipe holds 64 KiB,
//! a socket about 200 KiB), so large messages take several wake-ups.
//!
//! Passive receivers set their end non-blocking and drain it every
//! millisecond (see `child.rs`).

use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::OwnedFd;
use std::os::unix::net::UnixStream;

use crate::pingpong::sys::set_nonblocking;
use crate::pingpong::transport::{Passive, Pinger, Ponger, Result, Spec, Transport, read_message, write_message};

/// A Unix stream socket pair per receiver.
#[derive(Debug)]
pub struct Uds;

/// A pipe per receiver, and one from receiver 0 back to the pinger.
#[derive(Debug)]
pub struct Pipe;

/// The parent's end of either: one writer per receiver, receiver 0's last.
#[derive(Debug)]
pub struct StreamPinger {
    to: Vec<File>,
    from: File,
    buffer: Vec<u8>,
    read: bool,
}

impl Pinger for StreamPinger {
    fn ping(&mut self, token: u32) {
        // SAFETY: the buffer holds `len` (>= 8) bytes.
        unsafe { write_message(self.buffer.as_mut_ptr(), self.buffer.len(), token, self.read) };
        for to in &mut self.to {
            to.write_all(&self.buffer).expect("cannot write a ping");
        }
    }

    fn wait_pong(&mut self) -> u32 {
        self.from.read_exact(&mut self.buffer).expect("cannot read a pong");
        read_message(&self.buffer, self.read)
    }
}

/// Receiver 0's end of either.
#[derive(Debug)]
pub struct StreamPonger {
    from: File,
    to: File,
    buffer: Vec<u8>,
    read: bool,
}

impl Ponger for StreamPonger {
    fn echo(&mut self) -> u32 {
        self.from.read_exact(&mut self.buffer).expect("cannot read a ping");
        let token = read_message(&self.buffer, self.read);
        // SAFETY: the buffer holds `len` (>= 8) bytes.
        unsafe { write_message(self.buffer.as_mut_ptr(), self.buffer.len(), token, self.read) };
        self.to.write_all(&self.buffer).expect("cannot write a pong");
        token
    }
}

/// Another receiver's end of either: non-blocking, reassembling messages.
#[derive(Debug)]
pub struct StreamPassive {
    from: File,
    buffer: Vec<u8>,
    filled: usize,
    read: bool,
}

impl Passive for StreamPassive {
    fn drain(&mut self) -> usize {
        let mut messages = 0;
        loop {
            match self.from.read(&mut self.buffer[self.filled..]) {
                Ok(0) => panic!("the pinger closed a passive receiver's stream"),
                Ok(n) => {
                    self.filled += n;
                    if self.filled == self.buffer.len() {
                        read_message(&self.buffer, self.read);
                        self.filled = 0;
                        messages += 1;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return messages,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => panic!("cannot read a passive receiver's stream: {e}"),
            }
        }
    }
}

fn buffer(spec: &Spec) -> Vec<u8> {
    vec![0; spec.payload]
}

fn one(fds: Vec<OwnedFd>, what: &str) -> Result<File> {
    let [fd]: [OwnedFd; 1] = fds
        .try_into()
        .map_err(|fds: Vec<_>| format!("{what} got {} descriptors, not 1", fds.len()))?;
    Ok(File::from(fd))
}

fn passive(spec: &Spec, fds: Vec<OwnedFd>) -> Result<StreamPassive> {
    let from = one(fds, "a passive receiver")?;
    set_nonblocking(&from).map_err(|e| format!("cannot make a passive receiver's stream non-blocking: {e}"))?;
    Ok(StreamPassive {
        from,
        buffer: buffer(spec),
        filled: 0,
        read: spec.read,
    })
}

/// Puts receiver 0's writer last (a fan-out serves the answering receiver last).
fn answering_last(mut to: Vec<File>) -> Vec<File> {
    to.rotate_left(1);
    to
}

impl Transport for Uds {
    const NAME: &'static str = "uds";
    type Pinger = StreamPinger;
    type Ponger = StreamPonger;
    type Passive = StreamPassive;

    fn setup(spec: &Spec) -> Result<(StreamPinger, Vec<Vec<OwnedFd>>)> {
        let error = |e: io::Error| format!("cannot create a socket pair: {e}");
        let mut to = Vec::new();
        let mut children = Vec::new();
        for _ in 0..spec.subscribers {
            let (ours, theirs) = UnixStream::pair().map_err(error)?;
            to.push(File::from(OwnedFd::from(ours)));
            children.push(vec![OwnedFd::from(theirs)]);
        }
        let from = to.first().ok_or("no receivers")?.try_clone().map_err(error)?;
        let pinger = StreamPinger {
            to: answering_last(to),
            from,
            buffer: buffer(spec),
            read: spec.read,
        };
        Ok((pinger, children))
    }

    fn connect_ponger(spec: &Spec, fds: Vec<OwnedFd>) -> Result<StreamPonger> {
        let from = one(fds, "the uds ponger")?;
        let to = from
            .try_clone()
            .map_err(|e| format!("cannot duplicate a socket: {e}"))?;
        Ok(StreamPonger {
            from,
            to,
            buffer: buffer(spec),
            read: spec.read,
        })
    }

    fn connect_passive(spec: &Spec, fds: Vec<OwnedFd>) -> Result<StreamPassive> {
        passive(spec, fds)
    }
}

impl Transport for Pipe {
    const NAME: &'static str = "pipe";
    type Pinger = StreamPinger;
    type Ponger = StreamPonger;
    type Passive = StreamPassive;

    fn setup(spec: &Spec) -> Result<(StreamPinger, Vec<Vec<OwnedFd>>)> {
        let error = |e: io::Error| format!("cannot create a pipe: {e}");
        let mut to = Vec::new();
        let mut children = Vec::new();
        for _ in 0..spec.subscribers {
            let (reader, writer) = io::pipe().map_err(error)?;
            to.push(File::from(OwnedFd::from(writer)));
            children.push(vec![OwnedFd::from(reader)]);
        }
        let (from, back) = io::pipe().map_err(error)?;
        children.first_mut().ok_or("no receivers")?.push(OwnedFd::from(back));
        let pinger = StreamPinger {
            to: answering_last(to),
            from: File::from(OwnedFd::from(from)),
            buffer: buffer(spec),
            read: spec.read,
        };
        Ok((pinger, children))
    }

    fn connect_ponger(spec: &Spec, fds: Vec<OwnedFd>) -> Result<StreamPonger> {
        let [from, to]: [OwnedFd; 2] = fds
            .try_into()
            .map_err(|fds: Vec<_>| format!("the pipe ponger got {} descriptors, not 2", fds.len()))?;
        Ok(StreamPonger {
            from: File::from(from),
            to: File::from(to),
            buffer: buffer(spec),
            read: spec.read,
        })
    }

    fn connect_passive(spec: &Spec, fds: Vec<OwnedFd>) -> Result<StreamPassive> {
        passive(spec, fds)
    }
}
