//! What every service shares, whatever its pattern: its name and the names
//! of its regions.

mod name;

pub use name::{fnv1a64, RegionNameBuffer, ServiceName, ServiceNameError, MAX_SERVICE_NAME_LEN};
