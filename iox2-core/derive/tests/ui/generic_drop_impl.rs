// A generic type's checks run for each instance it is used with: here when
// a `const` descriptor is evaluated; in a `cargo build`, at any use.
use iox2_core::payload::{TypeDescriptor, ZeroCopySend};

#[derive(ZeroCopySend)]
#[repr(transparent)]
struct Handle<T>(T);

impl<T> Drop for Handle<T> {
    fn drop(&mut self) {}
}

const HANDLE: TypeDescriptor = TypeDescriptor::of::<Handle<u32>>();

fn main() {
    let _ = HANDLE;
}
