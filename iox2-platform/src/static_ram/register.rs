//! Registering a static buffer with a region table: a one-time claim of an
//! empty slot, checked against every other slot for the same buffer or the
//! same reserved name.

use super::error::RegisterError;
use super::name::NAME_CAPACITY;
use super::region_slot::state;
use super::regions::Regions;
use crate::error::check_name;
use crate::rmw::Rmw;

/// How a registered buffer starts out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Registration<'n> {
    /// In the pool: any create may bind a name to it.
    Pool,
    /// Reserved for one name; no region until it is created.
    Named(&'n str),
    /// Reserved for one name, and the region exists already (memory another
    /// core or image initialises); its bytes are left as they are.
    Existing(&'n str),
}

impl<R: Rmw> Regions<'_, R> {
    /// Registers `capacity` bytes at `base`.
    ///
    /// Meant for board initialisation. It never waits: two contexts that
    /// register the same buffer or name at the same moment may both be
    /// refused (INV-CLAIM, as for creates), never both accepted.
    pub(crate) fn register_raw(
        &self,
        base: *mut u8,
        capacity: usize,
        registration: Registration<'_>,
    ) -> Result<(), RegisterError> {
        let name = match registration {
            Registration::Pool => None,
            Registration::Named(name) | Registration::Existing(name) => Some(name),
        };
        if let Some(name) = name {
            check_name(name, NAME_CAPACITY)?;
        }
        let (slot, claimed) = self
            .slots()
            .iter()
            .find_map(|slot| {
                let word = slot.load();
                let claimed = word.with_state(state::WRITING);
                (word.state() == state::EMPTY && slot.transition::<R>(word, claimed).is_ok()).then_some((slot, claimed))
            })
            .ok_or(RegisterError::TableFull)?;
        slot.set_buffer(base, capacity, name);
        let pending = claimed.with_state(state::PENDING);
        // Cannot fail: nobody else moves a WRITING slot (INV-SLOT-WORD).
        let _ = slot.transition::<R>(claimed, pending);

        // INV-CLAIM: published (PENDING) first, then every other slot read by RMW.
        let mut refused = None;
        for other in self.slots().iter().filter(|s| !core::ptr::eq(*s, slot)) {
            let word = other.load_latest::<R>();
            if word.state() == state::EMPTY {
                continue;
            }
            if other.base() == base {
                refused = Some(RegisterError::DuplicateBuffer);
                break;
            }
            // Whether `other`'s name field names a region (or a reservation).
            let name_bound = match word.state() {
                state::WRITING => false,
                state::PENDING | state::LIVE => true,
                _ => other.is_reserved(),
            };
            if let Some(name) = name
                && name_bound
                && other.name().matches(name)
            {
                refused = Some(RegisterError::DuplicateName);
                break;
            }
        }
        let done = match (refused, registration) {
            (Some(_), _) => pending.with_state(state::EMPTY),
            (None, Registration::Existing(_)) => pending.with_state(state::LIVE).with_handles(0),
            (None, _) => pending.with_state(state::IDLE),
        };
        let _ = slot.transition::<R>(pending, done);
        refused.map_or(Ok(()), Err)
    }
}
