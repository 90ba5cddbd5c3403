//! Small helpers over libc: the last error number, C strings of paths,
//! directories made on demand.

use std::ffi::CString;
use std::os::unix::fs::DirBuilderExt;

/// The calling thread's last OS error number.
pub(crate) fn errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

/// The error number of an I/O error (EIO if it has none).
pub(crate) fn errno_of(error: &std::io::Error) -> i32 {
    error.raw_os_error().unwrap_or(libc::EIO)
}

/// `text` as a C string. Paths and names here are built from checked names
/// (`[A-Za-z0-9._-]`) and digits, so a NUL byte cannot occur; if it did,
/// the call fails with EINVAL rather than panicking.
pub(crate) fn c_string(text: &str) -> Result<CString, i32> {
    CString::new(text).map_err(|_| libc::EINVAL)
}

/// Creates `dir` and its parents (mode 0700) if needed.
pub(crate) fn ensure_dir(dir: &str) -> Result<(), i32> {
    match std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir) {
        Ok(()) => Ok(()),
        Err(e) => Err(errno_of(&e)),
    }
}
