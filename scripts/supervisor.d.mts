export const RESTART_POLICY: {
  initialMs: number;
  maxMs: number;
  resetAfterMs: number;
  crashLoopAfter: number;
};
/** The wait before the next start, from the previous wait (null: none yet) and how long the unit was ready. */
export function nextRestartDelay(
  previousMs: number | null,
  healthyForMs: number,
  policy?: typeof RESTART_POLICY,
): number;
