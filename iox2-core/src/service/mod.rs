//! What every service shares, whatever its pattern: its name and the names
//! of its regions.

mod name;

pub use name::{MAX_SERVICE_NAME_LEN, RegionNameBuffer, ServiceName, ServiceNameError};
