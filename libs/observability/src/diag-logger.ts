import type { DiagLogger } from '@opentelemetry/api';

type Write = (line: string) => void;

/**
 * The OpenTelemetry SDK's own warnings and errors as JSON lines shaped like the service logs (so they reach Loki
 * like any other line), each distinct message at most once per `windowMs`: an unreachable collector fails every
 * export, and must cost one warning, not a log flood.
 */
export class JsonDiagLogger implements DiagLogger {
  private readonly lastSeen = new Map<string, { at: number; suppressed: number }>();

  constructor(
    /** `hint` is appended to every message (e.g. which collector the exports go to). */
    private readonly fields: { service: string; instance: string; hint?: string },
    private readonly write: Write = (line) => process.stdout.write(line),
    private readonly windowMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** SDK errors (a failed export...) never affect requests: they are reported as warnings. */
  error(message: string, ...args: unknown[]): void {
    this.log('warn', message, args);
  }

  warn(message: string, ...args: unknown[]): void {
    this.log('warn', message, args);
  }

  info(message: string, ...args: unknown[]): void {
    this.log('info', message, args);
  }

  debug(message: string, ...args: unknown[]): void {
    this.log('debug', message, args);
  }

  verbose(message: string, ...args: unknown[]): void {
    this.log('debug', message, args);
  }

  private log(level: string, message: string, args: unknown[]): void {
    const text = [readable(message), ...args.map(describe)].filter(Boolean).join(' ');
    // Messages differ only by counters or ids from one failure to the next: key on the stable head.
    const key = `${level}:${text.slice(0, 60)}`;
    const now = this.now();
    const seen = this.lastSeen.get(key);
    if (seen && now - seen.at < this.windowMs) {
      seen.suppressed++;
      return;
    }
    const suppressed = seen?.suppressed ?? 0;
    this.lastSeen.set(key, { at: now, suppressed: 0 });
    if (this.lastSeen.size > 200) this.lastSeen.delete(this.lastSeen.keys().next().value as string);
    const line = {
      level,
      time: new Date(now).toISOString(),
      service: this.fields.service,
      instance: this.fields.instance,
      context: 'OpenTelemetry',
      msg: `${text}${this.fields.hint ? ` (${this.fields.hint})` : ''}`,
      ...(suppressed ? { suppressed } : {}),
    };
    this.write(`${JSON.stringify(line)}\n`);
  }
}

/** The SDK's error handler passes errors as JSON text (stack and all): keep their message. */
function readable(message: string): string {
  if (!message.startsWith('{')) return message;
  try {
    const parsed = JSON.parse(message) as { message?: unknown };
    return typeof parsed.message === 'string' ? parsed.message : message;
  } catch {
    return message;
  }
}

function describe(value: unknown): string {
  if (value instanceof Error) return value.message;
  if (typeof value === 'string') return value;
  if (value === undefined || value === null) return '';
  const message = (value as { message?: unknown }).message;
  if (typeof message === 'string') return message;
  try {
    return JSON.stringify(value).slice(0, 300);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
