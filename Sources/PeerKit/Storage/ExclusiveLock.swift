import Foundation

/// Takes an exclusive `flock` on `descriptor` without blocking, waiting up to 200 ms while it
/// is taken. A lock held by a running node or fetch stays taken and fails after the wait, with
/// `errno` EWOULDBLOCK. The wait is for a lock released a moment ago: a process being started by
/// this one holds a copy of every descriptor, the lock's included, until it execs, so a node or
/// fetch started right after another ended here may briefly find the lock still held.
///
/// Blocks for up to 200 ms: call it where blocking is allowed (start-up, a thread pool).
package func lockExclusively(_ descriptor: CInt) -> Bool {
    for attempt in 0..<20 {
        if flock(descriptor, LOCK_EX | LOCK_NB) == 0 { return true }
        guard errno == EWOULDBLOCK, attempt < 19 else { return false }
        usleep(10_000)
    }
    return false
}
