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

export interface SupervisedStatus {
  service: string;
  instance: string;
  port: number | undefined;
  pid: number | null;
  state: 'new' | 'starting' | 'up' | 'restarting';
  restarts: number;
  started_at: string | null;
  ready_at: string | null;
  last_exit: { code: number | null; signal: string | null; at: string; ran_ms: number } | null;
  restart_delay_ms: number | null;
  next_start_at: string | null;
}

export interface SupervisedUnit {
  readonly instance: string;
}

export class Supervisor {
  constructor(options: { say: (line: string) => void; policy?: typeof RESTART_POLICY; readyPollMs?: number });
  add(unit: {
    service: string;
    instance: string;
    port?: number;
    spawn: () => import('node:child_process').ChildProcess;
    probe: () => Promise<boolean>;
    stopSignal?: NodeJS.Signals;
    /** The process was spawned `detached`: what is left of its process group is killed once it exited. */
    processGroup?: boolean;
  }): SupervisedUnit;
  /** Starts a unit; true once it is ready, false after `timeoutMs` (it stays supervised). */
  start(unit: SupervisedUnit, timeoutMs?: number): Promise<boolean>;
  stopAll(graceMs?: number): Promise<void>;
  status(): SupervisedStatus[];
  readonly registry: import('prom-client').Registry;
  serveStatus(port: number, host?: string): Promise<import('node:http').Server | null>;
}
