//! Reading a sample's bytes as values for `iox2 service echo`: the shape
//! of a payload from its type name (the fixed-width primitives, arrays of
//! them, and iox2's own discovery types), or from a `--fields` description
//! of a `repr(C)` struct (`sequence:u64,temperature:i32,values:[f32; 4]`).
//! A shape is used only when its size is the payload's; otherwise the
//! bytes are printed as hex.

use super::CliError;
use core::fmt::Write as _;
use iox2_host::core::payload::{AnyBitPattern, TypeDescriptor, TypeKind, ZeroCopySend};
use iox2_host::discovery::{DiscoveryChange, ServiceEntry, SnapshotResponse};
use serde_json::{Map, Value, json};

/// A fixed-width primitive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scalar {
    U8,
    U16,
    U32,
    U64,
    U128,
    I8,
    I16,
    I32,
    I64,
    I128,
    F32,
    F64,
    Bool,
    Char,
}

impl Scalar {
    fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "u8" => Self::U8,
            "u16" => Self::U16,
            "u32" => Self::U32,
            "u64" => Self::U64,
            "u128" => Self::U128,
            "i8" => Self::I8,
            "i16" => Self::I16,
            "i32" => Self::I32,
            "i64" => Self::I64,
            "i128" => Self::I128,
            "f32" => Self::F32,
            "f64" => Self::F64,
            "bool" => Self::Bool,
            "char" => Self::Char,
            _ => return None,
        })
    }

    fn size(self) -> usize {
        match self {
            Self::U8 | Self::I8 | Self::Bool => 1,
            Self::U16 | Self::I16 => 2,
            Self::U32 | Self::I32 | Self::F32 | Self::Char => 4,
            Self::U64 | Self::I64 | Self::F64 => 8,
            Self::U128 | Self::I128 => 16,
        }
    }

    /// The value of `bytes` (exactly `size()` of them, native byte order).
    fn decode(self, bytes: &[u8]) -> Value {
        fn array<const N: usize>(bytes: &[u8]) -> [u8; N] {
            let mut out = [0; N];
            out.copy_from_slice(&bytes[..N]);
            out
        }
        match self {
            Self::U8 => json!(bytes[0]),
            Self::U16 => json!(u16::from_ne_bytes(array(bytes))),
            Self::U32 => json!(u32::from_ne_bytes(array(bytes))),
            Self::U64 => json!(u64::from_ne_bytes(array(bytes))),
            // Beyond JSON's numbers: as decimal strings.
            Self::U128 => json!(u128::from_ne_bytes(array(bytes)).to_string()),
            Self::I8 => json!(i8::from_ne_bytes(array(bytes))),
            Self::I16 => json!(i16::from_ne_bytes(array(bytes))),
            Self::I32 => json!(i32::from_ne_bytes(array(bytes))),
            Self::I64 => json!(i64::from_ne_bytes(array(bytes))),
            Self::I128 => json!(i128::from_ne_bytes(array(bytes)).to_string()),
            Self::F32 => json!(f32::from_ne_bytes(array(bytes))),
            Self::F64 => json!(f64::from_ne_bytes(array(bytes))),
            // An invalid bool or char is shown as its number.
            Self::Bool => match bytes[0] {
                0 => json!(false),
                1 => json!(true),
                other => json!(other),
            },
            Self::Char => {
                let raw = u32::from_ne_bytes(array(bytes));
                char::from_u32(raw).map_or_else(|| json!(raw), |c| json!(c.to_string()))
            }
        }
    }
}

/// iox2's own payload types, read through their Rust definitions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Known {
    Change,
    Entry,
    Snapshot,
}

/// How a value is laid out.
#[derive(Debug, Clone, PartialEq)]
enum Shape {
    Scalar(Scalar),
    Array(Box<Shape>, usize),
    /// A `repr(C)` struct: each field's name, offset and shape.
    Struct(Vec<(String, usize, Shape)>),
    Known(Known),
}

impl Shape {
    fn size(&self) -> usize {
        match self {
            Self::Scalar(s) => s.size(),
            Self::Array(element, n) => element.size() * n,
            Self::Struct(fields) => {
                let end = fields.last().map_or(0, |(_, offset, shape)| offset + shape.size());
                end.next_multiple_of(self.align())
            }
            Self::Known(Known::Change) => size_of::<DiscoveryChange>(),
            Self::Known(Known::Entry) => size_of::<ServiceEntry>(),
            Self::Known(Known::Snapshot) => size_of::<SnapshotResponse>(),
        }
    }

    fn align(&self) -> usize {
        match self {
            Self::Scalar(s) => s.size(),
            Self::Array(element, _) => element.align(),
            Self::Struct(fields) => fields.iter().map(|(_, _, s)| s.align()).max().unwrap_or(1),
            Self::Known(_) => 8,
        }
    }

    /// A primitive or an array of them, named as iox2 names them
    /// (`u32`, `[f32; 4]`, `[[u8; 2]; 3]`), or one of iox2's own types.
    fn parse_type(name: &str) -> Option<Self> {
        let name = name.trim();
        if let Some(inner) = name.strip_prefix('[').and_then(|n| n.strip_suffix(']')) {
            let (element, count) = inner.rsplit_once(';')?;
            return Some(Self::Array(
                Box::new(Self::parse_type(element)?),
                count.trim().parse().ok()?,
            ));
        }
        let known = |ty: &str| name == ty;
        if known(DiscoveryChange::TYPE_NAME) {
            return Some(Self::Known(Known::Change));
        }
        if known(ServiceEntry::TYPE_NAME) {
            return Some(Self::Known(Known::Entry));
        }
        if known(SnapshotResponse::TYPE_NAME) {
            return Some(Self::Known(Known::Snapshot));
        }
        Scalar::parse(name).map(Self::Scalar)
    }

    /// A `repr(C)` struct from `name:type,name:type,...`.
    fn parse_fields(spec: &str) -> Result<Self, CliError> {
        let mut fields = Vec::new();
        let mut offset = 0;
        for field in split_fields(spec) {
            let (name, ty) = field
                .split_once(':')
                .ok_or_else(|| CliError(format!("--fields: {field:?} is not name:type")))?;
            let shape = Self::parse_type(ty).ok_or_else(|| {
                CliError(format!(
                    "--fields: unknown type {:?} (primitives and arrays)",
                    ty.trim()
                ))
            })?;
            offset = usize::next_multiple_of(offset, shape.align());
            let size = shape.size();
            fields.push((name.trim().to_owned(), offset, shape));
            offset += size;
        }
        if fields.is_empty() {
            return Err(CliError(String::from("--fields: no field given")));
        }
        Ok(Self::Struct(fields))
    }

    /// The value of `bytes`, exactly `size()` of them.
    fn decode(&self, bytes: &[u8]) -> Value {
        match self {
            Self::Scalar(s) => s.decode(bytes),
            Self::Array(element, _) => Value::Array(
                bytes
                    .chunks_exact(element.size().max(1))
                    .map(|b| element.decode(b))
                    .collect(),
            ),
            Self::Struct(fields) => Value::Object(
                fields
                    .iter()
                    .map(|(name, offset, shape)| (name.clone(), shape.decode(&bytes[*offset..offset + shape.size()])))
                    .collect::<Map<_, _>>(),
            ),
            Self::Known(Known::Change) => read::<DiscoveryChange>(bytes).map_or(Value::Null, |c| change_value(&c)),
            Self::Known(Known::Entry) => read::<ServiceEntry>(bytes).map_or(Value::Null, |e| entry_value(&e)),
            Self::Known(Known::Snapshot) => read::<SnapshotResponse>(bytes).map_or(Value::Null, |r| {
                json!({"generation": r.generation, "index": r.index, "total": r.total, "entry": entry_value(&r.entry)})
            }),
        }
    }
}

/// Splits `a:u8,b:[u8; 2]` at the commas outside brackets.
fn split_fields(spec: &str) -> Vec<&str> {
    let mut fields = Vec::new();
    let (mut depth, mut start) = (0usize, 0);
    for (i, c) in spec.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                fields.push(&spec[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    fields.push(&spec[start..]);
    fields.into_iter().map(str::trim).filter(|f| !f.is_empty()).collect()
}

/// A value of `T` from its bytes; `None` if the length differs.
fn read<T: AnyBitPattern>(bytes: &[u8]) -> Option<T> {
    // SAFETY: `T: AnyBitPattern` makes every bit pattern of its size a
    // valid `T`; the length is checked, and the read is unaligned.
    (bytes.len() == size_of::<T>()).then(|| unsafe { bytes.as_ptr().cast::<T>().read_unaligned() })
}

fn descriptor_value(d: &TypeDescriptor) -> Value {
    json!({"name": d.name().as_str(), "size": d.size(), "align": d.align()})
}

pub(crate) fn entry_value(e: &ServiceEntry) -> Value {
    json!({
        "name": e.name(),
        "hash": format!("{:016x}", e.hash),
        "pattern": e.pattern().map(|p| p.name()),
        "payload": descriptor_value(&e.payload),
        "user_header": descriptor_value(&e.user_header),
    })
}

pub(crate) fn change_value(c: &DiscoveryChange) -> Value {
    let kind = match c.kind() {
        Some(iox2_host::discovery::ChangeKind::Added) => json!("added"),
        Some(iox2_host::discovery::ChangeKind::Removed) => json!("removed"),
        None => json!(c.kind),
    };
    json!({"generation": c.generation, "change": kind, "service": entry_value(&c.entry)})
}

/// How the samples of one service are read.
#[derive(Debug)]
pub(crate) struct Decoder {
    element: Option<Shape>,
    slice: bool,
}

impl Decoder {
    /// The decoder of payloads of type `payload`, or of `fields` if given
    /// (which must describe the payload's (element's) size exactly).
    pub(crate) fn new(payload: &TypeDescriptor, fields: Option<&str>) -> Result<Self, CliError> {
        let slice = payload.kind() == Some(TypeKind::Slice);
        let size = if slice { payload.element_size() } else { payload.size() } as usize;
        let element = match fields {
            Some(spec) => {
                let shape = Shape::parse_fields(spec)?;
                if shape.size() != size {
                    return Err(CliError(format!(
                        "--fields describe {} bytes, the payload type {} has {size}",
                        shape.size(),
                        payload.name().as_str()
                    )));
                }
                Some(shape)
            }
            None => Shape::parse_type(payload.name().as_str()).filter(|s| s.size() == size && size != 0),
        };
        Ok(Self { element, slice })
    }

    /// Whether the payload's type is known (from its name or `--fields`).
    pub(crate) fn knows_type(&self) -> bool {
        self.element.is_some()
    }

    /// The value of a sample's payload bytes, if its type is known.
    pub(crate) fn decode(&self, bytes: &[u8]) -> Option<Value> {
        let element = self.element.as_ref()?;
        let size = element.size();
        if self.slice {
            bytes
                .len()
                .is_multiple_of(size)
                .then(|| Value::Array(bytes.chunks_exact(size).map(|b| element.decode(b)).collect()))
        } else {
            (bytes.len() == size).then(|| element.decode(bytes))
        }
    }
}

/// `bytes` as hex, two digits per byte.
pub(crate) fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_names_and_fields_give_shapes() {
        assert_eq!(Shape::parse_type("u32"), Some(Shape::Scalar(Scalar::U32)));
        let nested = Shape::parse_type("[[u8; 2]; 3]").unwrap();
        assert_eq!((nested.size(), nested.align()), (6, 1));
        assert_eq!(Shape::parse_type("robot::Reading"), None);
        let s = Shape::parse_fields("sequence:u64, temperature:i32,current:u32").unwrap();
        assert_eq!((s.size(), s.align()), (16, 8));
        let padded = Shape::parse_fields("a:u8,b:u32,c:[u16; 3]").unwrap();
        assert_eq!(padded.size(), 16);
        assert!(Shape::parse_fields("a").is_err());
        assert!(Shape::parse_fields("a:String").is_err());
    }

    #[test]
    fn values_are_decoded_in_native_byte_order() {
        let shape = Shape::parse_fields("a:u16,b:[i8; 2],c:f32,d:bool").unwrap();
        let mut bytes = Vec::new();
        bytes.extend_from_slice(&7u16.to_ne_bytes());
        bytes.extend_from_slice(&[0xff, 2]);
        bytes.extend_from_slice(&1.5f32.to_ne_bytes());
        bytes.extend_from_slice(&[1, 0, 0, 0]);
        assert_eq!(shape.decode(&bytes), json!({"a": 7, "b": [-1, 2], "c": 1.5, "d": true}));
        assert_eq!(hex(&[0, 0xab]), "00ab");
    }
}
