// A reference is an address, even a 'static one; and a payload cannot borrow.
use iox2_core::payload::ZeroCopySend;

#[derive(ZeroCopySend)]
#[repr(C)]
struct Label {
    text: &'static u8,
}

#[derive(ZeroCopySend)]
#[repr(C)]
struct Borrowed<'a> {
    value: &'a u32,
}

fn main() {}
