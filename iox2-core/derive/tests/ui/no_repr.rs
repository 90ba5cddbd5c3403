// The default Rust layout is not a contract another process can rely on;
// enums need a fixed-width discriminant and no fields.
use iox2_core::payload::ZeroCopySend;

#[derive(ZeroCopySend)]
struct NoRepr {
    value: u32,
}

#[derive(ZeroCopySend)]
#[repr(C)]
enum CEnum {
    A,
    B,
}

#[derive(ZeroCopySend)]
#[repr(u8)]
enum WithData {
    A,
    B(u32),
}

fn main() {}
