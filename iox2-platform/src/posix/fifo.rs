//! Wake channels: every sleeper gets a FIFO of its own, linked into one
//! directory per word it sleeps on (`FIFO_DIR/<region>.<offset>/`); a
//! waker writes one byte into each FIFO of the word's directory.
//!
//! INV-FIFO (no lost wake-up): a sleeper makes its FIFO under a hidden
//! name, opens it for reading (and writing, so it never reports a hang-up),
//! links it into the word directories, THEN re-checks its words, then
//! `poll`s. A waker changes its word, then lists the directory. Either the
//! sleeper's re-check sees the change, or its FIFO was listed and gets the
//! byte. Nobody else reads a sleeper's FIFO, so no wake is stolen; a FIFO
//! that is listed but has no reader (ENXIO) belongs to a sleeper that is
//! gone, and the waker removes it. A leaving sleeper removes its names and
//! then tries to remove the directories (only empty ones go); a sleeper
//! that finds its directory gone while it sets up simply makes it again.

use super::os::{c_string, ensure_dir, errno, errno_of};
use crate::clock::Instant;
use crate::rmw::{NativeRmw, Rmw};
use crate::sync::{AtomicU32, Ordering};
use crate::wait::WaitOutcome;
use std::fs::{File, OpenOptions};
use std::io::{ErrorKind, Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::string::String;
use std::vec::Vec;

/// Where the wake directories live.
pub const FIFO_DIR: &str = "/tmp/iox2/fifo";

/// Serial numbers of this process's sleeper FIFOs.
static SERIAL: AtomicU32 = AtomicU32::new(0);

/// The wake directory of the word at `offset` of region `region`.
pub(crate) fn dir(region: &str, offset: usize) -> String {
    std::format!("{FIFO_DIR}/{region}.{offset}")
}

/// A sleeper's FIFO: both its ends, and the names it is linked under.
#[derive(Debug)]
pub(crate) struct Listener {
    reader: File,
    /// Held only so that the FIFO always has a writer (no POLLHUP).
    _writer: File,
    names: Vec<String>,
}

impl Drop for Listener {
    fn drop(&mut self) {
        // Unlinked first, closed after (fields drop after this body).
        for name in &self.names {
            let _ = std::fs::remove_file(name);
        }
        // Fails (ENOTEMPTY) while other sleepers are linked in.
        for name in &self.names {
            if let Some((dir, _)) = name.rsplit_once('/') {
                let _ = std::fs::remove_dir(dir);
            }
        }
    }
}

/// Opens a FIFO without blocking; `write` selects the end.
fn open(path: &str, write: bool) -> std::io::Result<File> {
    OpenOptions::new()
        .read(!write)
        .write(write)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
}

/// How often `listen` starts over when a leaving sleeper removed a
/// directory under its feet.
const LISTEN_ATTEMPTS: usize = 8;

/// Makes a sleeper FIFO and links it into every directory of `dirs`
/// (INV-FIFO).
pub(crate) fn listen(dirs: &[String]) -> Result<Listener, i32> {
    let mut result = Err(libc::ENOENT);
    for _ in 0..LISTEN_ATTEMPTS {
        result = try_listen(dirs);
        if result.as_ref().err() != Some(&libc::ENOENT) {
            break;
        }
    }
    result
}

/// One attempt of `listen`; ENOENT if a directory vanished meanwhile.
fn try_listen(dirs: &[String]) -> Result<Listener, i32> {
    let first = dirs.first().ok_or(libc::EINVAL)?;
    for dir in dirs {
        ensure_dir(dir)?;
    }
    let serial = NativeRmw::fetch_add(&SERIAL, 1, Ordering::Relaxed);
    let leaf = std::format!("{}.{serial}", std::process::id());
    let hidden = std::format!("{first}/.{leaf}");
    let c_hidden = c_string(&hidden)?;
    // SAFETY: `c_hidden` is a valid C string for the call.
    if unsafe { libc::mkfifo(c_hidden.as_ptr(), 0o600 as libc::mode_t) } != 0 {
        return Err(errno());
    }
    let listener = open_ends(&hidden).and_then(|(reader, writer)| {
        let mut listener = Listener {
            reader,
            _writer: writer,
            names: Vec::with_capacity(dirs.len()),
        };
        for dir in dirs {
            let name = std::format!("{dir}/{leaf}");
            std::fs::hard_link(&hidden, &name).map_err(|e| errno_of(&e))?;
            listener.names.push(name);
        }
        Ok(listener)
    });
    let _ = std::fs::remove_file(&hidden);
    listener
}

/// Opens both ends of the FIFO at `path`, refusing anything but a FIFO.
fn open_ends(path: &str) -> Result<(File, File), i32> {
    let reader = open(path, false).map_err(|e| errno_of(&e))?;
    if !reader.metadata().is_ok_and(|m| m.file_type().is_fifo()) {
        return Err(libc::EINVAL);
    }
    let writer = open(path, true).map_err(|e| errno_of(&e))?;
    Ok((reader, writer))
}

/// Rings up to `count` sleepers of the word directory `dir`; returns how
/// many were rung.
pub(crate) fn ring(dir: &str, count: u32) -> Result<u32, i32> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(errno_of(&e)),
    };
    let mut rung = 0;
    for entry in entries.flatten() {
        if rung >= count {
            break;
        }
        if entry.file_name().to_str().is_none_or(|n| n.starts_with('.')) {
            continue;
        }
        let path = entry.path();
        match OpenOptions::new()
            .write(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(&path)
        {
            Ok(mut fifo) => {
                // Full (WouldBlock): the sleeper has bytes waiting already.
                let _ = fifo.write(&[1]);
                rung += 1;
            }
            // Listed but nobody reads: its sleeper is gone (INV-FIFO).
            Err(e) if e.raw_os_error() == Some(libc::ENXIO) => {
                let _ = std::fs::remove_file(&path);
            }
            Err(_) => {}
        }
    }
    Ok(rung)
}

/// Sleeps until a byte arrives (drained; `Woken`), a signal or a caught
/// termination signal's byte in the signal pipe (`Interrupted`), or
/// `deadline` (`TimedOut`, never early).
pub(crate) fn sleep(listener: &Listener, deadline: Option<Instant>, now: fn() -> Instant) -> Result<WaitOutcome, i32> {
    let poll_fd = |fd| libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    };
    let signal_pipe = crate::signal::pipe_fd();
    let mut fds = [poll_fd(listener.reader.as_raw_fd()), poll_fd(signal_pipe.unwrap_or(-1))];
    let count: libc::nfds_t = if signal_pipe.is_some() { 2 } else { 1 };
    loop {
        let timeout_ms = match deadline {
            None => -1,
            Some(deadline) => {
                let now = now();
                if now >= deadline {
                    return Ok(WaitOutcome::TimedOut);
                }
                // Rounded up, so that poll never ends before the deadline.
                let ms = deadline.nanos_since(now).div_ceil(1_000_000);
                libc::c_int::try_from(ms).unwrap_or(libc::c_int::MAX)
            }
        };
        // SAFETY: `fds` holds `count` valid pollfds for the call.
        let ready = unsafe { libc::poll(fds.as_mut_ptr(), count, timeout_ms) };
        if ready < 0 {
            return match errno() {
                libc::EINTR => Ok(WaitOutcome::Interrupted),
                e => Err(e),
            };
        }
        // The signal pipe stays readable: every later wait ends too.
        if fds[1].revents != 0 {
            return Ok(WaitOutcome::Interrupted);
        }
        if ready > 0 {
            let mut buffer = [0u8; 64];
            while matches!((&listener.reader).read(&mut buffer), Ok(n) if n > 0) {}
            return Ok(WaitOutcome::Woken);
        }
    }
}

/// Removes the wake directories of region `name`.
pub(crate) fn remove_all(name: &str) -> Result<(), i32> {
    let entries = match std::fs::read_dir(FIFO_DIR) {
        Ok(entries) => entries,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(errno_of(&e)),
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(file_name) = file_name.to_str() else {
            continue;
        };
        let ours = file_name
            .strip_prefix(name)
            .and_then(|rest| rest.strip_prefix('.'))
            .is_some_and(|offset| !offset.is_empty() && offset.bytes().all(|b| b.is_ascii_digit()));
        if ours {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
    Ok(())
}
