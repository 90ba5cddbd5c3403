//! `uds-stream`, the kernel baseline of a response stream: a Unix stream
//! socket pair. The client writes a request (one message carrying the
//! count `n`); the server answers with messages `0..n`, one blocking
//! `write` per message, as a server that sends each response when it has
//! it; the client reads with blocking `read`s into a 64 KiB buffer, so one
//! call takes whatever has arrived, and checks every message's sequence
//! number (and in the `read` variant every byte). The socket's default
//! buffer (about 200 KiB) is the stream's backpressure.

use std::io::{Read, Write};
use std::os::fd::OwnedFd;
use std::os::unix::net::UnixStream;

use crate::pingpong::transport::{NoPassive, Pinger, Ponger, Result, Spec, Transport, read_message, write_message};

/// Bytes the client reads at most per call.
const READ_BUFFER: usize = 64 * 1024;

/// A response stream over a Unix stream socket pair.
#[derive(Debug)]
pub struct UdsStream;

/// Either end: the socket and a message's worth of bytes to write from.
#[derive(Debug)]
pub struct SocketEnd {
    socket: UnixStream,
    message: Vec<u8>,
    read: bool,
}

impl SocketEnd {
    fn new(socket: UnixStream, spec: &Spec) -> Self {
        Self {
            socket,
            message: vec![0; spec.payload],
            read: spec.read,
        }
    }

    /// Writes the message carrying `token` with one `write_all`.
    fn send(&mut self, token: u32) {
        // SAFETY: the buffer holds `payload` (>= 8) bytes.
        unsafe { write_message(self.message.as_mut_ptr(), self.message.len(), token, self.read) };
        self.socket.write_all(&self.message).expect("cannot write a message");
    }
}

/// The client's end: the request's count, and the read buffer.
#[derive(Debug)]
pub struct StreamClient {
    end: SocketEnd,
    buffer: Vec<u8>,
    count: u32,
}

impl Pinger for StreamClient {
    fn ping(&mut self, count: u32) {
        self.end.send(count);
        self.count = count;
    }

    fn wait_pong(&mut self) -> u32 {
        let len = self.end.message.len();
        let (mut filled, mut sequence) = (0, 0);
        while sequence < self.count {
            let got = self
                .end
                .socket
                .read(&mut self.buffer[filled..])
                .expect("cannot read the stream");
            assert!(
                got > 0,
                "the server closed the stream after {sequence} of {}",
                self.count
            );
            filled += got;
            let whole = filled - filled % len;
            for message in self.buffer[..whole].chunks_exact(len) {
                assert_eq!(
                    read_message(message, self.end.read),
                    sequence,
                    "the stream is out of order"
                );
                sequence += 1;
            }
            self.buffer.copy_within(whole..filled, 0);
            filled -= whole;
        }
        assert_eq!(filled, 0, "the stream went on after {} messages", self.count);
        self.count
    }
}

impl Ponger for SocketEnd {
    fn echo(&mut self) -> u32 {
        self.socket
            .read_exact(&mut self.message)
            .expect("cannot read a request");
        let count = read_message(&self.message, self.read);
        for sequence in 0..count {
            self.send(sequence);
        }
        count
    }
}

impl Transport for UdsStream {
    const NAME: &'static str = "uds-stream";
    type Pinger = StreamClient;
    type Ponger = SocketEnd;
    type Passive = NoPassive;

    fn receivers(_: &Spec) -> usize {
        1
    }

    fn setup(spec: &Spec) -> Result<(StreamClient, Vec<Vec<OwnedFd>>)> {
        let (ours, theirs) = UnixStream::pair().map_err(|e| format!("cannot create a socket pair: {e}"))?;
        let client = StreamClient {
            end: SocketEnd::new(ours, spec),
            // A whole number of messages.
            buffer: vec![0; READ_BUFFER - READ_BUFFER % spec.payload],
            count: 0,
        };
        Ok((client, vec![vec![OwnedFd::from(theirs)]]))
    }

    fn connect_ponger(spec: &Spec, mut fds: Vec<OwnedFd>) -> Result<SocketEnd> {
        let fd = fds.pop().ok_or("the uds-stream server got no socket")?;
        Ok(SocketEnd::new(UnixStream::from(fd), spec))
    }

    fn connect_passive(_: &Spec, _: Vec<OwnedFd>) -> Result<NoPassive> {
        Err("uds-stream has no passive receivers".to_owned())
    }
}
