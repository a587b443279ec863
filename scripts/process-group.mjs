// A unit that runs in a process group of its own (`detached: true`, e.g. nginx: a master and its workers) is
// signalled as a group, so that a killed leader cannot leave children holding its ports.

/** Sends `signal` to the process group led by `pid`; false when the group is gone (or there is no pid). */
export function signalProcessGroup(pid, signal) {
  if (!pid) return false;
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false; // ESRCH: nothing left in the group
  }
}
