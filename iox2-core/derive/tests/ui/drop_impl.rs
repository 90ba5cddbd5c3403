// A payload is released by returning its chunk to a pool: no destructor runs.
use iox2_core::payload::ZeroCopySend;

#[derive(ZeroCopySend)]
#[repr(C)]
struct Guarded {
    value: u32,
}

impl Drop for Guarded {
    fn drop(&mut self) {}
}

fn main() {}
