//! How far a transfer is: the CLI draws a bar from it, a tool or an automation may ignore it.

/// Told the bytes done so far and the total (when known) as a transfer goes; called often, so keep it cheap.
pub trait Progress: Send + Sync {
    fn update(&self, done: u64, total: Option<u64>);
}

/// No progress shown.
pub struct NoProgress;

impl Progress for NoProgress {
    fn update(&self, _done: u64, _total: Option<u64>) {}
}

impl<F: Fn(u64, Option<u64>) + Send + Sync> Progress for F {
    fn update(&self, done: u64, total: Option<u64>) {
        self(done, total)
    }
}
