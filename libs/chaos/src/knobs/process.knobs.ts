import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Worker } from 'node:worker_threads';
import { ApiError } from '@food-delivery/http';
import { Instance, TtlS } from '../dto/chaos-requests.dto';
import { defineKnob, isIntIn, type AnyChaosKnob } from '../knob';

/** Caps of the destructive knobs (BaseEnv: CHAOS_MAX_CPU_PERCENT, CHAOS_DESTRUCTIVE_TTL_S). */
export interface ProcessKnobLimits {
  maxCpuPercent: number;
  destructiveTtlS: number;
  /** Longest event_loop_block block (CHAOS_MAX_BLOCK_MS). */
  maxBlockMs?: number;
  /** Most memory memory_leak may retain (CHAOS_MAX_LEAK_MB). */
  maxLeakMb?: number;
}

const tooHigh = (field: string, cap: number, env: string) => {
  const message = `${field} must not be greater than ${cap} (${env})`;
  return new ApiError(400, 'VALIDATION_FAILED', message, { details: [message] });
};

// ---- crash ----

/** When this process started: a one-shot crash hits only processes older than the fault. */
const PROCESS_STARTED_AT = Date.now() - Math.round(process.uptime() * 1000);
/** How long after its moment a one-shot crash waits for the slowest replica before clearing itself. */
const ONE_SHOT_GRACE_MS = 3000;

export const CRASH_SIGNALS = ['SIGKILL', 'SIGTERM', 'SIGABRT'] as const;

/** POST /chaos/crash */
export class ChaosCrashDto {
  @ApiPropertyOptional({
    example: 1000,
    minimum: 0,
    maximum: 60_000,
    default: 1000,
    description:
      'Milliseconds until the process dies (after the fault reaches the replica, or after a restart)',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(60_000)
  after_ms?: number;

  @ApiPropertyOptional({
    enum: CRASH_SIGNALS,
    default: 'SIGKILL',
    description:
      'SIGKILL: an abrupt death (no shutdown hooks); SIGTERM: a graceful stop; SIGABRT: a core-dump style abort',
  })
  @IsOptional()
  @IsIn(CRASH_SIGNALS)
  signal?: string;

  @ApiPropertyOptional({
    example: false,
    default: false,
    description:
      'false: crash once (each process older than the fault dies once; the fault then clears itself). true: ' +
      'crash again after every restart until the ' +
      "fault expires or is reset: a crash loop, for the supervisor's backoff",
  })
  @IsOptional()
  @IsBoolean()
  repeat?: boolean;

  @ApiPropertyOptional({ example: true, default: true, description: 'false switches the knob off' })
  @IsOptional()
  @IsBoolean()
  enable?: boolean;

  @TtlS()
  ttl_s?: number;

  @Instance()
  instance?: string;
}

interface CrashSettings {
  after_ms: number;
  signal: (typeof CRASH_SIGNALS)[number];
  repeat: boolean;
}

function crashKnob(limits: ProcessKnobLimits) {
  return defineKnob<CrashSettings, ChaosCrashDto>({
    name: 'crash',
    summary: '👉 Kill the process (once, or a crash loop)',
    description:
      "The process dies `after_ms` after the fault reaches it, with `signal`. Under `npm start`'s " +
      "supervisor, compose's restart policy or Kubernetes it comes back; with `repeat: true` it dies again " +
      `after every restart until the fault expires (default TTL ${limits.destructiveTtlS} s) or is reset. ` +
      'Aim it at one replica with `instance`. `{"enable": false}` switches it off.',
    body: ChaosCrashDto,
    defaultTtlS: limits.destructiveTtlS,
    examples: {
      once: { summary: 'Die once, abruptly, in 1 s', value: { instance: 'order-service-2' } },
      loop: { summary: 'A crash loop for 2 minutes', value: { after_ms: 3000, repeat: true, ttl_s: 120 } },
      off: { summary: 'Switch off', value: { enable: false } },
    },
    settings: (dto) =>
      dto.enable === false
        ? null
        : {
            after_ms: dto.after_ms ?? 1000,
            signal: (dto.signal ?? 'SIGKILL') as CrashSettings['signal'],
            repeat: dto.repeat ?? false,
          },
    parse: (value) =>
      isIntIn(value.after_ms, 0, 60_000) &&
      CRASH_SIGNALS.includes(value.signal as CrashSettings['signal']) &&
      typeof value.repeat === 'boolean'
        ? { after_ms: value.after_ms, signal: value.signal as CrashSettings['signal'], repeat: value.repeat }
        : null,
    describe: (fault) => `crash ${fault.signal} after ${fault.after_ms}ms${fault.repeat ? ' (repeat)' : ''}`,
    run: (fault, runtime) => {
      const setAt = Date.parse(fault.set_at);
      if (!fault.repeat && PROCESS_STARTED_AT > setAt) {
        // A one-shot crash already happened to this replica (this is the process that came back). Once every
        // replica that had it has had its turn, the fault is done: clear it (shared).
        const timer = setTimeout(
          () => void runtime.clear().catch(() => undefined),
          Math.max(0, setAt + fault.after_ms + ONE_SHOT_GRACE_MS - Date.now()),
        );
        return () => clearTimeout(timer);
      }
      const timer = setTimeout(() => {
        runtime.injected(
          { signal: fault.signal, repeat: fault.repeat ? 'true' : 'false' },
          `crashing ${runtime.instanceId} with ${fault.signal}${fault.repeat ? ' (crash loop)' : ''}`,
        );
        process.kill(process.pid, fault.signal);
      }, fault.after_ms);
      return () => clearTimeout(timer);
    },
  });
}

// ---- cpu ----

/** POST /chaos/cpu */
export class ChaosCpuDto {
  @ApiProperty({
    example: 80,
    minimum: 0,
    maximum: 100,
    description:
      'Share of one core to burn, in percent (capped by CHAOS_MAX_CPU_PERCENT); 0 switches the knob off',
  })
  @IsInt()
  @Min(0)
  @Max(100)
  load_percent!: number;

  @TtlS()
  ttl_s?: number;

  @Instance()
  instance?: string;
}

/**
 * The burner: a worker thread busy for `share` of every 100 ms and asleep (Atomics.wait, no CPU) for the rest,
 * so the process uses that share of a core while its event loop stays free (CPU saturation as the metrics show
 * it, not a blocked loop).
 */
const BURNER = `
const { workerData } = require('node:worker_threads');
const pause = new Int32Array(new SharedArrayBuffer(4));
const busyMs = 100 * workerData.share;
for (;;) {
  const started = Date.now();
  while (Date.now() - started < busyMs) {}
  if (busyMs < 100) Atomics.wait(pause, 0, 0, 100 - busyMs);
}`;

function cpuKnob(limits: ProcessKnobLimits) {
  return defineKnob<{ load_percent: number }, ChaosCpuDto>({
    name: 'cpu',
    summary: '👉 Burn CPU (off the event loop)',
    description:
      'A worker thread burns `load_percent` of one core until the fault ends: process CPU and container ' +
      'throttling rise while requests are still served (they only compete for the CPU). Default TTL ' +
      `${limits.destructiveTtlS} s; at most CHAOS_MAX_CPU_PERCENT (${limits.maxCpuPercent}). ` +
      '`{"load_percent": 0}` switches it off.',
    body: ChaosCpuDto,
    defaultTtlS: limits.destructiveTtlS,
    examples: {
      busy: { summary: '80% of a core for 5 minutes', value: { load_percent: 80 } },
      off: { summary: 'Switch off', value: { load_percent: 0 } },
    },
    settings: (dto) => {
      if (dto.load_percent > limits.maxCpuPercent)
        throw tooHigh('load_percent', limits.maxCpuPercent, 'CHAOS_MAX_CPU_PERCENT');
      return dto.load_percent === 0 ? null : { load_percent: dto.load_percent };
    },
    parse: (value) =>
      isIntIn(value.load_percent, 1, limits.maxCpuPercent) ? { load_percent: value.load_percent } : null,
    describe: (fault) => `cpu ${fault.load_percent}% of a core`,
    run: (fault, runtime) => {
      const worker = new Worker(BURNER, { eval: true, workerData: { share: fault.load_percent / 100 } });
      worker.unref();
      worker.on('error', (error) => runtime.log(`cpu burner failed: ${error.message}`));
      runtime.injected(
        { load_percent: fault.load_percent },
        `burning ${fault.load_percent}% of a core on ${runtime.instanceId}`,
      );
      return () => void worker.terminate();
    },
  });
}

// ---- event_loop_block ----

/** POST /chaos/event_loop_block */
export class ChaosEventLoopBlockDto {
  @ApiProperty({
    example: 200,
    minimum: 0,
    maximum: 10_000,
    description:
      'Milliseconds the main thread is blocked each time (≤ CHAOS_MAX_BLOCK_MS); 0 switches it off',
  })
  @IsInt()
  @Min(0)
  @Max(10_000)
  block_ms!: number;

  @ApiPropertyOptional({
    example: 1000,
    minimum: 50,
    maximum: 60_000,
    default: 1000,
    description:
      'One block every every_ms (at least block_ms + 50: the loop must breathe, so you can switch it off)',
  })
  @IsOptional()
  @IsInt()
  @Min(50)
  @Max(60_000)
  every_ms?: number;

  @TtlS()
  ttl_s?: number;

  @Instance()
  instance?: string;
}

function eventLoopBlockKnob(limits: ProcessKnobLimits) {
  const maxBlockMs = limits.maxBlockMs ?? 1000;
  return defineKnob<{ block_ms: number; every_ms: number }, ChaosEventLoopBlockDto>({
    name: 'event_loop_block',
    summary: '👉 Block the event loop (synchronous work on the main thread)',
    description:
      'Every `every_ms` the main thread spins for `block_ms`: every request on the replica that arrives meanwhile ' +
      'waits (the latency a synchronous JSON.parse of a huge body or a sync crypto call causes). ' +
      `At most CHAOS_MAX_BLOCK_MS (${maxBlockMs}) per block; default TTL ${limits.destructiveTtlS} s. ` +
      '`{"block_ms": 0}` switches it off (answered between two blocks).',
    body: ChaosEventLoopBlockDto,
    defaultTtlS: limits.destructiveTtlS,
    examples: {
      stutter: { summary: '200 ms blocked every second', value: { block_ms: 200, every_ms: 1000 } },
      off: { summary: 'Switch off', value: { block_ms: 0 } },
    },
    settings: (dto) => {
      if (dto.block_ms > maxBlockMs) throw tooHigh('block_ms', maxBlockMs, 'CHAOS_MAX_BLOCK_MS');
      const everyMs = dto.every_ms ?? 1000;
      if (dto.block_ms > 0 && everyMs < dto.block_ms + 50) {
        const message = 'every_ms must be at least block_ms + 50';
        throw new ApiError(400, 'VALIDATION_FAILED', message, { details: [message] });
      }
      return dto.block_ms === 0 ? null : { block_ms: dto.block_ms, every_ms: everyMs };
    },
    parse: (value) =>
      isIntIn(value.block_ms, 1, maxBlockMs) &&
      isIntIn(value.every_ms, 50, 60_000) &&
      value.every_ms >= value.block_ms + 50
        ? { block_ms: value.block_ms, every_ms: value.every_ms }
        : null,
    describe: (fault) => `event_loop_block ${fault.block_ms}ms every ${fault.every_ms}ms`,
    run: (fault, runtime) => {
      runtime.injected(
        { block_ms: fault.block_ms, every_ms: fault.every_ms },
        `blocking the event loop of ${runtime.instanceId} for ${fault.block_ms}ms every ${fault.every_ms}ms`,
      );
      const timer = setInterval(() => {
        const until = performance.now() + fault.block_ms;
        // Deliberately synchronous: this is the fault.
        while (performance.now() < until);
      }, fault.every_ms);
      timer.unref();
      return () => clearInterval(timer);
    },
  });
}

// ---- memory_leak ----

/** POST /chaos/memory_leak */
export class ChaosMemoryLeakDto {
  @ApiProperty({
    example: 10,
    minimum: 0,
    maximum: 200,
    description: 'Megabytes of JS heap retained per second; 0 switches the knob off',
  })
  @IsInt()
  @Min(0)
  @Max(200)
  mb_per_s!: number;

  @ApiPropertyOptional({
    example: 256,
    minimum: 1,
    maximum: 8192,
    default: 256,
    description: 'Stop growing at this many megabytes (≤ CHAOS_MAX_LEAK_MB); released on reset or expiry',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(8192)
  max_mb?: number;

  @TtlS()
  ttl_s?: number;

  @Instance()
  instance?: string;
}

/** One megabyte of doubles on the JS heap (131072 × 8 bytes), as a leaked cache or listener list would hold. */
const leakChunk = (): number[] => new Array<number>(131_072).fill(0.5);

function memoryLeakKnob(limits: ProcessKnobLimits) {
  const maxLeakMb = limits.maxLeakMb ?? 512;
  return defineKnob<{ mb_per_s: number; max_mb: number }, ChaosMemoryLeakDto>({
    name: 'memory_leak',
    summary: '👉 Leak memory (retained JS heap, released on reset)',
    description:
      'Retains `mb_per_s` MB of JS heap per second until `max_mb` (≤ CHAOS_MAX_LEAK_MB, ' +
      `${maxLeakMb}) is held: heap and RSS climb on the service dashboard, GC works harder, and near the ` +
      'container limit the OOM killer ends it. Everything is released on reset or expiry (default TTL ' +
      `${limits.destructiveTtlS} s). \`{"mb_per_s": 0}\` switches it off.`,
    body: ChaosMemoryLeakDto,
    defaultTtlS: limits.destructiveTtlS,
    examples: {
      slow: { summary: '5 MB/s up to 200 MB', value: { mb_per_s: 5, max_mb: 200 } },
      off: { summary: 'Switch off', value: { mb_per_s: 0 } },
    },
    settings: (dto) => {
      const maxMb = dto.max_mb ?? Math.min(256, maxLeakMb);
      if (maxMb > maxLeakMb) throw tooHigh('max_mb', maxLeakMb, 'CHAOS_MAX_LEAK_MB');
      return dto.mb_per_s === 0 ? null : { mb_per_s: dto.mb_per_s, max_mb: maxMb };
    },
    parse: (value) =>
      isIntIn(value.mb_per_s, 1, 200) && isIntIn(value.max_mb, 1, maxLeakMb)
        ? { mb_per_s: value.mb_per_s, max_mb: value.max_mb }
        : null,
    describe: (fault) => `memory_leak ${fault.mb_per_s} MB/s up to ${fault.max_mb} MB`,
    run: (fault, runtime) => {
      let retained: number[][] = [];
      let owedMb = 0;
      runtime.injected(
        { mb_per_s: fault.mb_per_s, max_mb: fault.max_mb },
        `leaking ${fault.mb_per_s} MB/s up to ${fault.max_mb} MB on ${runtime.instanceId}`,
      );
      const timer = setInterval(() => {
        owedMb += fault.mb_per_s / 10;
        while (owedMb >= 1 && retained.length < fault.max_mb) {
          retained.push(leakChunk());
          owedMb -= 1;
        }
        if (retained.length >= fault.max_mb) owedMb = 0;
      }, 100);
      timer.unref();
      return () => {
        clearInterval(timer);
        // Dropping the only references: the next major GC gives the memory back.
        retained = [];
      };
    },
  });
}

// ---- gc_pressure ----

/** POST /chaos/gc_pressure */
export class ChaosGcPressureDto {
  @ApiPropertyOptional({
    example: 200,
    minimum: 0,
    maximum: 1000,
    default: 200,
    description:
      'Megabytes of short-lived garbage per second (large arrays: each batch forces a major GC); 0: off',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1000)
  alloc_mb_per_s?: number;

  @ApiPropertyOptional({
    example: 4,
    minimum: 0,
    maximum: 20,
    default: 4,
    description:
      'Full (mark-compact) collections forced per second, as the OpenTelemetry Demo’s manual-GC flag does: each ' +
      'pauses the event loop for as long as marking the whole heap takes; 0: churn only',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(20)
  full_gc_per_s?: number;

  @TtlS()
  ttl_s?: number;

  @Instance()
  instance?: string;
}

let fullGc: (() => void) | undefined;
/**
 * V8's full collection, without starting the process with --expose-gc: the flag is read when a context is created,
 * so a new context exposes `gc` (the usual technique; only this knob calls it).
 */
function forceFullGc(): void {
  if (!fullGc) {
    setFlagsFromString('--expose-gc');
    fullGc = runInNewContext('gc') as () => void;
  }
  fullGc();
}

interface GcPressure {
  alloc_mb_per_s: number;
  full_gc_per_s: number;
}

function gcPressureKnob() {
  return defineKnob<GcPressure, ChaosGcPressureDto>({
    name: 'gc_pressure',
    summary: '👉 Allocation churn and forced full collections',
    description:
      'Allocates `alloc_mb_per_s` MB per second of arrays that live 200 ms (promoted to the old generation, then ' +
      'garbage; at most 0.2 s worth is held) and forces `full_gc_per_s` full mark-compact collections a second ' +
      '(as the OpenTelemetry Demo’s manual-GC flag does): the collector runs again and again, major collections ' +
      'included, and each full one pauses the event loop. GC pauses and their CPU show on the service dashboard ' +
      '(nodejs_gc_duration_seconds{kind="major"}) and in the tail latency. ' +
      '`{"alloc_mb_per_s": 0, "full_gc_per_s": 0}` switches it off.',
    body: ChaosGcPressureDto,
    examples: {
      churn: { summary: '200 MB/s of garbage and 4 full collections a second', value: {} },
      majors: {
        summary: 'Only forced full collections, 10 a second',
        value: { alloc_mb_per_s: 0, full_gc_per_s: 10 },
      },
      off: { summary: 'Switch off', value: { alloc_mb_per_s: 0, full_gc_per_s: 0 } },
    },
    settings: (dto) => {
      const settings = { alloc_mb_per_s: dto.alloc_mb_per_s ?? 200, full_gc_per_s: dto.full_gc_per_s ?? 4 };
      return settings.alloc_mb_per_s === 0 && settings.full_gc_per_s === 0 ? null : settings;
    },
    parse: (value) => {
      // A fault stored before full_gc_per_s existed has none.
      const full = value.full_gc_per_s ?? 0;
      if (!isIntIn(value.alloc_mb_per_s, 0, 1000) || !isIntIn(full, 0, 20)) return null;
      if (value.alloc_mb_per_s === 0 && full === 0) return null;
      return { alloc_mb_per_s: value.alloc_mb_per_s, full_gc_per_s: full };
    },
    describe: (fault) => `gc_pressure ${fault.alloc_mb_per_s} MB/s, ${fault.full_gc_per_s} full GCs/s`,
    run: (fault, runtime) => {
      runtime.injected(
        { alloc_mb_per_s: fault.alloc_mb_per_s, full_gc_per_s: fault.full_gc_per_s },
        `churning ${fault.alloc_mb_per_s} MB/s of garbage with ${fault.full_gc_per_s} full GCs/s on ${runtime.instanceId}`,
      );
      // 20 batches a second, each kept for 4 batches (200 ms): long enough to survive the young-generation
      // scavenges and be promoted, so the garbage piles up in the old generation.
      let recent: number[][][] = [];
      const churn =
        fault.alloc_mb_per_s > 0
          ? setInterval(() => {
              const batch: number[][] = [];
              for (let mb = 0; mb < fault.alloc_mb_per_s / 20; mb++) batch.push(leakChunk());
              recent = [...recent.slice(-3), batch];
            }, 50)
          : undefined;
      churn?.unref();
      // Promotion alone gives mostly scavenges and an occasional major; the forced ones make majors frequent.
      const majors =
        fault.full_gc_per_s > 0
          ? setInterval(forceFullGc, Math.round(1000 / fault.full_gc_per_s))
          : undefined;
      majors?.unref();
      return () => {
        clearInterval(churn);
        clearInterval(majors);
        recent = [];
      };
    },
  });
}

/** The process-level knobs every service has, with the caps of its env. */
export function processKnobs(limits: ProcessKnobLimits): AnyChaosKnob[] {
  return [
    crashKnob(limits),
    cpuKnob(limits),
    eventLoopBlockKnob(limits),
    memoryLeakKnob(limits),
    gcPressureKnob(),
  ];
}
