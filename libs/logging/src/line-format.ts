import type pino from 'pino';

let timestampMs = 0;
let timestampField = '';

/** `,"time":"<ISO 8601>"`, formatted once per millisecond: under load many lines share one (toISOString is slow). */
export function isoTimestamp(): string {
  const now = Date.now();
  if (now !== timestampMs) {
    timestampMs = now;
    timestampField = `,"time":"${new Date(now).toISOString()}"`;
  }
  return timestampField;
}

/** The fields every line of a service carries after level and time (pino's `base`). */
export interface LineBase {
  service: string;
  instance: string;
}

/** What every line of a service looks like: level label, ISO time, service, instance, `msg`. */
export function lineFormat(base: LineBase): pino.LoggerOptions {
  return {
    base: { service: base.service, instance: base.instance },
    messageKey: 'msg',
    timestamp: isoTimestamp,
    formatters: { level: (label: string) => ({ level: label }) },
  };
}
