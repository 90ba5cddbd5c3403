//! Clock and platform-level checks.

use iox2_platform::{Clock, Platform};

pub fn monotonic<P: Platform>() {
    let mut last = P::Clock::now();
    for _ in 0..10_000 {
        let now = P::Clock::now();
        assert!(now >= last, "clock went back: {last:?} -> {now:?}");
        last = now;
    }
    let start = P::Clock::now();
    std::thread::sleep(core::time::Duration::from_millis(5));
    let slept = P::Clock::now().nanos_since(start);
    assert!(slept >= 5_000_000, "5 ms sleep measured as {slept} ns");
    let later = P::Clock::deadline_after(core::time::Duration::from_secs(1));
    assert!(later.nanos_since(P::Clock::now()) <= 1_000_000_000);
}

pub fn fence_and_name<P: Platform>() {
    P::fence_system();
    assert!(!P::NAME.is_empty());
}
