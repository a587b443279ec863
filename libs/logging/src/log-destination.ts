import pino from 'pino';
import { Counter, register } from 'prom-client';

/** What may wait in memory for a slow stdout reader before lines are dropped (and counted). */
export const LOG_BUFFER_MAX_BYTES = 16 * 1024 * 1024;

const DROPPED = 'log_lines_dropped_total';

/** Several apps may share a process (tests): one series for all of them. */
const droppedLines =
  (register.getSingleMetric(DROPPED) as Counter | undefined) ??
  new Counter({
    name: DROPPED,
    help: 'Log lines dropped because the stdout reader fell more than 16 MB behind',
  });

/**
 * An asynchronous log destination: lines written while a write is in flight go out together in one write instead
 * of one blocking write each, and pino flushes what is left when the process exits. The buffer is bounded: a
 * reader that stops (a stuck log shipper) costs dropped lines, counted in `log_lines_dropped_total`, never
 * unbounded memory or a blocked event loop.
 */
export function createLogDestination(fd: number, maxBytes = LOG_BUFFER_MAX_BYTES): pino.DestinationStream {
  const destination = pino.destination({ dest: fd, sync: false, maxLength: maxBytes });
  destination.on('drop', () => droppedLines.inc());
  return destination;
}

let stdout: pino.DestinationStream | undefined;

/** The process's stdout destination, shared by every logger of every app in the process. */
export function stdoutDestination(): pino.DestinationStream {
  stdout ??= createLogDestination(1);
  return stdout;
}
