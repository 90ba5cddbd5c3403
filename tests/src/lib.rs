//! Shared helpers of iox2's multi-process tests (in `tests/tests/`): running
//! this test binary again as a child process with a role to play.
