//! `udp-unix`: a Unix datagram socket pair (`socketpair(AF_UNIX,
//! SOCK_DGRAM)`); each hop is one 4-byte datagram carrying the token, sent
//! with `send` and taken with a blocking `recv`, so the receiver sleeps in
//! the kernel like a blocked listener.

use std::os::fd::OwnedFd;
use std::os::unix::net::UnixDatagram;

use crate::pingpong::{NoPassive, Pinger, Ponger, Result, Spec, Transport};

/// The datagram transport.
#[derive(Debug)]
pub struct UdpUnix;

/// Either end of the socket pair.
#[derive(Debug)]
pub struct DatagramEnd {
    socket: UnixDatagram,
}

impl DatagramEnd {
    fn send(&self, token: u32) {
        let sent = self.socket.send(&token.to_le_bytes()).expect("cannot send a datagram");
        assert_eq!(sent, 4, "a datagram went out short");
    }

    fn receive(&self) -> u32 {
        let mut bytes = [0; 4];
        let got = self.socket.recv(&mut bytes).expect("cannot receive a datagram");
        assert_eq!(got, 4, "a datagram came in short");
        u32::from_le_bytes(bytes)
    }
}

impl Pinger for DatagramEnd {
    fn ping(&mut self, token: u32) {
        self.send(token);
    }

    fn wait_pong(&mut self) -> u32 {
        self.receive()
    }
}

impl Ponger for DatagramEnd {
    fn echo(&mut self) -> u32 {
        let token = self.receive();
        self.send(token);
        token
    }
}

impl Transport for UdpUnix {
    const NAME: &'static str = "udp-unix";
    type Pinger = DatagramEnd;
    type Ponger = DatagramEnd;
    type Passive = NoPassive;

    fn setup(_: &Spec) -> Result<(DatagramEnd, Vec<Vec<OwnedFd>>)> {
        let (ours, theirs) = UnixDatagram::pair().map_err(|e| format!("cannot create a datagram socket pair: {e}"))?;
        Ok((DatagramEnd { socket: ours }, vec![vec![OwnedFd::from(theirs)]]))
    }

    fn connect_ponger(_: &Spec, mut fds: Vec<OwnedFd>) -> Result<DatagramEnd> {
        let fd = fds.pop().ok_or("the udp-unix ponger got no socket")?;
        Ok(DatagramEnd {
            socket: UnixDatagram::from(fd),
        })
    }

    fn connect_passive(_: &Spec, _: Vec<OwnedFd>) -> Result<NoPassive> {
        Err("udp-unix has no passive receivers".to_owned())
    }
}
