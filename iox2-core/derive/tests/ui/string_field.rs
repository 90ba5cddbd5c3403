// Heap types hold a pointer into one process's heap.
use iox2_core::payload::ZeroCopySend;

#[derive(ZeroCopySend)]
#[repr(C)]
struct Message {
    text: String,
}

fn main() {}
