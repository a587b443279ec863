import {
  Inject,
  Injectable,
  Logger,
  Optional,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { BaseEnv } from '@food-delivery/config';
import { ApiError } from '@food-delivery/http';
import { RedisService } from '@food-delivery/redis';
import type Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import type { ChaosChangeDto, ChaosFaultDto, ChaosStateDto } from './dto/chaos-responses.dto';
import { ChaosTelemetry, type ActiveFaultSource } from './chaos-telemetry';
import { describeFault, faultId, idOf, isExpired, parseFault, remainingMs, type Fault } from './faults';
import { bodySchema } from './knob-schema';
import type { AnyChaosKnob, ChaosKnob, KnobRequest, KnobRuntime } from './knob';

export const CHAOS_OPTIONS = Symbol('CHAOS_OPTIONS');

export interface ResolvedChaosOptions {
  /** Every knob this service offers, registered by the libs and the service that own them. */
  knobs: AnyChaosKnob[];
}

/** Who asked for a change, for the audit line. */
export interface ChaosActor {
  ip?: string;
  userAgent?: string;
}

/** A change of fault state: applied locally, written to Redis, published to the other replicas. */
export type ChaosChange =
  | { op: 'set'; fault: Fault }
  /** instance null: every fault of the type (global and aimed at any replica). */
  | { op: 'clear'; type: string; instance: string | null }
  | { op: 'reset' };

interface ChaosMessage {
  v: 1;
  /** Sender (one per app, not INSTANCE_ID: two apps may share one by mistake), to skip our own messages. */
  node: string;
  change?: ChaosChange;
  /** "Reload from Redis": sent after replaying changes made while Redis was unreachable. */
  sync?: true;
}

/** Faults written while Redis was unreachable, replayed in order once it is back. */
const MAX_JOURNAL = 200;
/** A replica starting while faults are active waits this long for them before serving. */
const STARTUP_SYNC_TIMEOUT_MS = 2500;
/**
 * Drops index entries whose fault key expired, atomically: a fault set again meanwhile (SET + SADD in one
 * MULTI) keeps its entry. KEYS[1] is the index, KEYS[2..] the fault keys, ARGV the matching ids.
 */
const PRUNE_INDEX_SCRIPT = `
local removed = 0
for i = 2, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 0 then removed = removed + redis.call('SREM', KEYS[1], ARGV[i - 1]) end
end
return removed`;

/**
 * The fault state of this replica and its synchronisation with the others.
 *
 * Reads (the request path) only ever look at the local Map. Changes apply locally at once, then are written to
 * Redis (one key per fault, PX = ttl) and published; other replicas apply the published change. A periodic
 * reload from Redis repairs missed messages; changes made while Redis is unreachable are kept in a journal and
 * replayed when it is back. Redis I/O of one replica is serialised so a reload never overtakes a write.
 */
@Injectable()
export class ChaosState
  implements ActiveFaultSource, OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  private readonly logger = new Logger('Chaos');
  private faults = new Map<string, Fault>();
  /** Ids set locally but not stored in Redis yet. */
  private readonly unshared = new Set<string>();
  private journal: ChaosChange[] = [];
  private subscriber: Redis | null = null;
  private subscribed = false;
  private synced = false;
  /** Bumped by every local or remote change, so a reload that raced with one is discarded. */
  private generation = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private pendingResync: Promise<void> | null = null;
  private syncTimer: NodeJS.Timeout | null = null;
  private expiryTimer: NodeJS.Timeout | null = null;
  private firstSync: () => void = () => undefined;
  private readonly firstSynced = new Promise<void>((resolve) => (this.firstSync = resolve));
  private stopping = false;
  /** Pending chaos delays, cut short at shutdown. */
  private readonly sleepers = new Set<() => void>();
  private readonly node = randomUUID();
  readonly service: string;
  readonly knobs: readonly string[];
  readonly registry: ReadonlyMap<string, AnyChaosKnob>;
  /** Process-level faults running on this replica, by knob: the fault (as JSON, to spot changes) and its stop. */
  private readonly running = new Map<string, { json: string; stop: () => void }>();
  /** Told after the faults in force here may have changed (set, clear, reset, expiry, sync, shutdown). */
  private readonly changeListeners = new Set<() => void>();
  readonly instanceId: string;
  /**
   * Keys and channel are per service: every service may share one Redis and one REDIS_KEY_PREFIX, and a delay
   * set on the user service must not slow the restaurant down. ioredis' keyPrefix does not apply to channels,
   * so the channel carries the prefix explicitly (keeps test namespaces apart too).
   */
  readonly channel: string;
  private readonly indexKey: string;
  private readonly keyPrefix: string;

  constructor(
    private readonly env: BaseEnv,
    private readonly telemetry: ChaosTelemetry,
    @Inject(CHAOS_OPTIONS) options: ResolvedChaosOptions,
    @Optional() private readonly redis?: RedisService,
  ) {
    this.service = telemetry.service;
    this.registry = new Map(options.knobs.map((knob) => [knob.name, knob]));
    this.knobs = [...this.registry.keys()];
    this.instanceId = env.INSTANCE_ID;
    this.keyPrefix = `chaos:${this.service}:fault:`;
    this.indexKey = `chaos:${this.service}:faults`;
    this.channel = `${env.REDIS_KEY_PREFIX}chaos:${this.service}:events`;
  }

  // ---- reads (request path: local memory only) ----

  /** The fault of `type` in force on this replica: one aimed at it wins over one for every replica. */
  active<S extends object = object>(type: string): Fault<S> | null {
    if (this.faults.size === 0) return null;
    const now = Date.now();
    const own = this.faults.get(faultId(type, this.instanceId));
    if (own && !isExpired(own, now)) return own as Fault<S>;
    const all = this.faults.get(type);
    return all && !isExpired(all, now) ? (all as Fault<S>) : null;
  }

  activeTypes(): string[] {
    return this.knobs.filter((type) => this.active(type) !== null);
  }

  /** Whether changes reach the other replicas right now. */
  get shared(): boolean {
    const client = this.redis?.client;
    return (
      !!client && client.status === 'ready' && this.subscribed && this.synced && this.journal.length === 0
    );
  }

  view(): ChaosStateDto {
    const client = this.redis?.client;
    const now = Date.now();
    return {
      service: this.service,
      instance: this.instanceId,
      shared: this.shared,
      redis: !client ? 'off' : client.status === 'ready' && this.subscribed ? 'connected' : 'unavailable',
      knobs: [...this.knobs],
      catalogue: [...this.registry.values()].map((knob) => ({
        name: knob.name,
        endpoint: `POST /chaos/${knob.name}`,
        summary: knob.summary,
        default_ttl_s: knob.defaultTtlS ?? null,
        schema: bodySchema(knob.body),
      })),
      faults: [...this.faults.values()]
        .filter((fault) => !isExpired(fault, now))
        .sort((a, b) => idOf(a).localeCompare(idOf(b)))
        .map((fault) => this.toDto(fault, now)),
    };
  }

  toDto(fault: Fault, now = Date.now()): ChaosFaultDto {
    const id = idOf(fault);
    const left = remainingMs(fault, now);
    const { type, instance, set_at, set_by, expires_at, ...settings } = fault;
    return {
      id,
      type,
      instance,
      applies_here: this.active(type) === fault,
      shared: !!this.redis?.client && !this.unshared.has(id),
      set_at,
      set_by,
      expires_at,
      ttl_remaining_s: left === null ? null : Math.max(0, Math.ceil(left / 1000)),
      ...settings,
    };
  }

  /** Common fields of a new fault; enforces CHAOS_MAX_TTL_S (400, nothing changed). */
  meta(
    ttlS: number | undefined,
    instance: string | undefined,
    defaultTtlS?: number,
  ): Pick<Fault, 'instance' | 'set_at' | 'set_by' | 'expires_at'> {
    const cap = this.env.CHAOS_MAX_TTL_S;
    if (cap !== undefined && ttlS !== undefined && ttlS > cap) {
      const message = `ttl_s must not be greater than ${cap} (CHAOS_MAX_TTL_S)`;
      throw new ApiError(400, 'VALIDATION_FAILED', message, { details: [message] });
    }
    const fallback =
      defaultTtlS === undefined ? cap : cap === undefined ? defaultTtlS : Math.min(cap, defaultTtlS);
    const ttl = ttlS ?? fallback;
    const now = Date.now();
    return {
      instance: instance ?? null,
      set_at: new Date(now).toISOString(),
      set_by: this.instanceId,
      expires_at: ttl === undefined ? null : new Date(now + ttl * 1000).toISOString(),
    };
  }

  /**
   * Resolves after `ms`, early when `connection` closes (the client went away) or the app shuts down (a 60 s
   * chaos delay must not hold up a deploy).
   */
  sleep(ms: number, connection?: Pick<EventEmitter, 'once' | 'off'>): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.sleepers.delete(done);
        connection?.off('close', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.sleepers.add(done);
      connection?.once('close', done);
    });
  }

  // ---- changes ----

  /**
   * What every knob endpoint does: a body the knob reads as "off" (`delay_ms: 0`, `enable: false`,
   * `fail_percent: 0`) clears that fault type (for one instance when given); anything else sets it with the
   * common meta fields (and the knob's default TTL when the body has none).
   */
  change<S extends object, D extends KnobRequest>(
    knob: ChaosKnob<S, D>,
    body: D,
    actor: ChaosActor,
  ): Promise<ChaosChangeDto> {
    const settings = knob.settings(body);
    if (!settings)
      return this.apply({ op: 'clear', type: knob.name, instance: body.instance ?? null }, actor);
    const fault: Fault = {
      type: knob.name,
      ...settings,
      ...this.meta(body.ttl_s, body.instance, knob.defaultTtlS),
    };
    return this.apply({ op: 'set', fault }, actor);
  }

  async apply(change: ChaosChange, actor: ChaosActor): Promise<ChaosChangeDto> {
    const removed = this.applyLocal(change);
    this.audit(change, removed, actor);
    const shared = await this.enqueue(() => this.persist(change));
    if (change.op === 'set') {
      return { action: 'set', fault: this.toDto(change.fault), cleared: 0, shared };
    }
    return { action: change.op === 'reset' ? 'reset' : 'cleared', cleared: removed.length, shared };
  }

  /** Returns the faults the change removed (or replaced). */
  private applyLocal(change: ChaosChange): Fault[] {
    this.generation++;
    let removed: Fault[];
    if (change.op === 'set') {
      const id = idOf(change.fault);
      const previous = this.faults.get(id);
      this.faults.set(id, change.fault);
      removed = previous ? [previous] : [];
    } else {
      removed = [...this.faults.values()].filter(
        (fault) =>
          change.op === 'reset' ||
          (fault.type === change.type && (change.instance === null || fault.instance === change.instance)),
      );
      for (const fault of removed) {
        this.faults.delete(idOf(fault));
        this.unshared.delete(idOf(fault));
      }
    }
    this.armExpiry();
    this.reconcile();
    return removed;
  }

  // ---- process-level knobs ----

  /**
   * Calls `listener` whenever the faults in force on this replica may have changed, and at shutdown (then
   * `stopping` is true): request-path holders such as the hang knob's release what they hold.
   */
  onChange(listener: () => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  get isStopping(): boolean {
    return this.stopping;
  }

  private notifyChange(): void {
    for (const listener of [...this.changeListeners]) {
      try {
        listener();
      } catch (error) {
        this.logger.error(`chaos: change listener failed: ${(error as Error).message}`);
      }
    }
  }

  /** Starts, restarts or stops the process-level faults so that exactly the ones in force here run. */
  private reconcile(): void {
    this.notifyChange();
    if (this.stopping) return;
    for (const knob of this.registry.values()) {
      if (!knob.run) continue;
      const fault = this.active(knob.name);
      const json = fault ? JSON.stringify(fault) : null;
      const current = this.running.get(knob.name);
      if (current?.json === json) continue;
      if (current) {
        this.running.delete(knob.name);
        this.stopQuietly(knob.name, current.stop);
      }
      if (!fault || !json) continue;
      try {
        this.running.set(knob.name, { json, stop: knob.run(fault, this.runtime(knob.name)) });
      } catch (error) {
        this.logger.error(`chaos: ${knob.name} failed to start: ${(error as Error).message}`);
      }
    }
  }

  private stopQuietly(name: string, stop: () => void): void {
    try {
      stop();
    } catch (error) {
      this.logger.error(`chaos: ${name} failed to stop: ${(error as Error).message}`);
    }
  }

  private runtime(type: string): KnobRuntime {
    // clear() looks the fault up when called: by then it may have been replaced.
    return {
      service: this.service,
      instanceId: this.instanceId,
      injected: (details, message) => this.telemetry.injected(type, details, message),
      log: (message) => this.logger.warn(`chaos: ${message}`),
      clear: async () => {
        const fault = this.running.has(type) ? this.active(type) : null;
        const instance = fault?.instance ?? null;
        await this.apply({ op: 'clear', type, instance }, { ip: 'chaos', userAgent: `${type} knob` });
      },
    };
  }

  private stopAll(): void {
    for (const [name, { stop }] of this.running) this.stopQuietly(name, stop);
    this.running.clear();
  }

  private audit(change: ChaosChange, removed: Fault[], actor: ChaosActor): void {
    const by = { instance: this.instanceId, ip: actor.ip, user_agent: actor.userAgent };
    const who = `by ${actor.ip ?? 'unknown'} via ${this.instanceId}`;
    if (change.op === 'set') {
      this.logger.log(
        { audit: { action: 'set', fault: change.fault, replaced: removed.length > 0, by } },
        `chaos audit: set ${describeFault(change.fault, this.registry)} ${who}`,
      );
    } else {
      const { op, ...what } = change;
      const summary = change.op === 'reset' ? 'reset all faults' : `cleared ${change.type}`;
      this.logger.log(
        { audit: { action: op, ...what, removed: removed.map(idOf), by } },
        `chaos audit: ${summary}${change.op === 'clear' && change.instance ? ` on ${change.instance}` : ''} ` +
          `(${removed.length} removed) ${who}`,
      );
    }
  }

  // ---- Redis ----

  /** Writes and publishes a change; on failure journals it for replay. Returns whether Redis has it. */
  private async persist(change: ChaosChange): Promise<boolean> {
    const client = this.redis?.client;
    if (!client) return false;
    if (this.journal.length > 0) {
      // Older changes are still waiting: keep the order.
      this.journalAdd(change);
      await this.flushJournal(client).catch(() => undefined);
      return this.journal.length === 0;
    }
    try {
      this.assertReady(client);
      await this.write(client, change);
    } catch (error) {
      this.journalAdd(change);
      this.synced = false;
      this.logger.warn(
        `chaos: Redis unreachable (${(error as Error).message}); change applies to ${this.instanceId} only ` +
          'until Redis is back',
      );
      return false;
    }
    if (change.op === 'set') this.unshared.delete(idOf(change.fault));
    await this.publish(client, { change }).catch((error: Error) =>
      this.logger.warn(
        `chaos: publish failed (${error.message}); other replicas catch up on their next sync`,
      ),
    );
    return true;
  }

  private journalAdd(change: ChaosChange): void {
    if (change.op === 'set') this.unshared.add(idOf(change.fault));
    // A reset supersedes everything before it; a set supersedes an earlier set of the same fault.
    if (change.op === 'reset') this.journal = [];
    if (change.op === 'set') {
      const id = idOf(change.fault);
      this.journal = this.journal.filter((entry) => entry.op !== 'set' || idOf(entry.fault) !== id);
    }
    this.journal.push(change);
    if (this.journal.length > MAX_JOURNAL) {
      this.journal.shift();
      this.logger.warn(`chaos: more than ${MAX_JOURNAL} changes while Redis is down; dropped the oldest`);
    }
  }

  private async flushJournal(client: Redis): Promise<void> {
    this.assertReady(client);
    const count = this.journal.length;
    while (this.journal.length > 0) {
      await this.write(client, this.journal[0]);
      this.journal.shift();
    }
    this.unshared.clear();
    await this.publish(client, { sync: true });
    this.logger.log(`chaos: ${count} change(s) made while Redis was unreachable are now shared`);
  }

  private assertReady(client: Redis): void {
    if (client.status !== 'ready') throw new Error(`Redis connection is ${client.status}`);
  }

  private async write(client: Redis, change: ChaosChange): Promise<void> {
    if (change.op === 'set') {
      const id = idOf(change.fault);
      const left = remainingMs(change.fault);
      if (left !== null && left <= 0) {
        await this.exec(client.multi().del(this.faultKey(id)).srem(this.indexKey, id));
        return;
      }
      const json = JSON.stringify(change.fault);
      const multi = client.multi();
      if (left === null) multi.set(this.faultKey(id), json);
      else multi.set(this.faultKey(id), json, 'PX', Math.ceil(left));
      await this.exec(multi.sadd(this.indexKey, id));
      return;
    }
    const indexed = await client.smembers(this.indexKey);
    const ids =
      change.op === 'reset'
        ? indexed
        : change.instance !== null
          ? [faultId(change.type, change.instance)]
          : [...new Set([change.type, ...indexed.filter((id) => id.startsWith(`${change.type}@`))])];
    if (change.op === 'reset') {
      await this.exec(client.multi().del(this.indexKey, ...ids.map((id) => this.faultKey(id))));
    } else {
      await this.exec(
        client
          .multi()
          .del(...ids.map((id) => this.faultKey(id)))
          .srem(this.indexKey, ...ids),
      );
    }
  }

  private async exec(multi: ReturnType<Redis['multi']>): Promise<void> {
    const results = await multi.exec();
    const failed = results?.find(([error]) => error);
    if (failed?.[0]) throw failed[0];
  }

  private async publish(client: Redis, payload: Omit<ChaosMessage, 'v' | 'node'>): Promise<void> {
    const message: ChaosMessage = { v: 1, node: this.node, ...payload };
    await client.publish(this.channel, JSON.stringify(message));
  }

  private onMessage(channel: string, raw: string): void {
    if (channel !== this.channel) return;
    let message: ChaosMessage;
    try {
      message = JSON.parse(raw) as ChaosMessage;
    } catch {
      this.logger.warn('chaos: ignored a malformed pub/sub message');
      return;
    }
    if (message?.v !== 1 || message.node === this.node) return;
    if (message.sync) {
      void this.resync();
      return;
    }
    const change = this.parseChange(message.change);
    if (!change) {
      this.logger.warn('chaos: ignored an invalid change message');
      return;
    }
    const removed = this.applyLocal(change);
    this.logger.debug(
      `chaos: applied ${change.op}${change.op === 'set' ? ` ${describeFault(change.fault, this.registry)}` : ''} from another ` +
        `replica (${removed.length} removed)`,
    );
  }

  private parseChange(raw: unknown): ChaosChange | null {
    const change = raw as Partial<Record<string, unknown>> | undefined;
    if (change?.op === 'reset') return { op: 'reset' };
    if (change?.op === 'set') {
      const fault = parseFault(change.fault, this.registry);
      return fault ? { op: 'set', fault } : null;
    }
    if (change?.op === 'clear' && typeof change.type === 'string' && this.registry.has(change.type)) {
      const instance = change.instance ?? null;
      if (instance !== null && typeof instance !== 'string') return null;
      return { op: 'clear', type: change.type, instance };
    }
    return null;
  }

  /** Reload from Redis (after replaying journaled changes). Coalesces calls that arrive while one is queued. */
  resync(): Promise<void> {
    this.pendingResync ??= this.enqueue(() => {
      this.pendingResync = null;
      return this.reload();
    });
    return this.pendingResync;
  }

  private async reload(): Promise<void> {
    const client = this.redis?.client;
    if (!client || client.status !== 'ready') {
      this.synced = false;
      return;
    }
    try {
      if (this.journal.length > 0) await this.flushJournal(client);
      const generation = this.generation;
      const loaded = await this.load(client);
      // A change arrived while loading: the loaded state may predate it. The next round reloads.
      if (generation !== this.generation) return;
      this.replaceAll(loaded);
      this.synced = true;
      this.firstSync();
    } catch (error) {
      this.synced = false;
      this.logger.debug(`chaos: sync with Redis failed: ${(error as Error).message}`);
    }
  }

  private async load(client: Redis): Promise<Map<string, Fault>> {
    const loaded = new Map<string, Fault>();
    const ids = await client.smembers(this.indexKey);
    if (ids.length === 0) return loaded;
    const values = await client.mget(...ids.map((id) => this.faultKey(id)));
    const missing: string[] = [];
    ids.forEach((id, index) => {
      const raw = values[index];
      if (raw === null) {
        missing.push(id);
        return;
      }
      let fault: Fault | null = null;
      try {
        fault = parseFault(JSON.parse(raw), this.registry);
      } catch {
        // reported below
      }
      if (!fault || idOf(fault) !== id) {
        this.logger.warn(`chaos: ignored an invalid fault stored under ${this.faultKey(id)}`);
        return;
      }
      if (!isExpired(fault)) loaded.set(id, fault);
    });
    if (missing.length > 0) {
      await client.eval(
        PRUNE_INDEX_SCRIPT,
        1 + missing.length,
        this.indexKey,
        ...missing.map((id) => this.faultKey(id)),
        ...missing,
      );
    }
    return loaded;
  }

  private replaceAll(loaded: Map<string, Fault>): void {
    const before = this.faults;
    const added = [...loaded.keys()].filter(
      (id) => JSON.stringify(before.get(id)) !== JSON.stringify(loaded.get(id)),
    );
    const dropped = [...before.keys()].filter((id) => !loaded.has(id));
    this.faults = loaded;
    this.unshared.clear();
    this.armExpiry();
    this.reconcile();
    if (added.length || dropped.length) {
      this.logger.log(
        `chaos: synced from Redis (${added.length ? `updated ${added.join(',')}` : ''}` +
          `${added.length && dropped.length ? '; ' : ''}${dropped.length ? `removed ${dropped.join(',')}` : ''})`,
      );
    }
  }

  // ---- expiry ----

  private armExpiry(): void {
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    this.expiryTimer = null;
    let next = Infinity;
    for (const fault of this.faults.values()) {
      if (fault.expires_at) next = Math.min(next, Date.parse(fault.expires_at));
    }
    if (next === Infinity) return;
    // Timers cannot exceed ~24.8 days; re-arm hourly instead.
    const wait = Math.min(Math.max(next - Date.now(), 0) + 5, 3_600_000);
    this.expiryTimer = setTimeout(() => this.expireDue(), wait);
    this.expiryTimer.unref();
  }

  private expireDue(): void {
    const now = Date.now();
    for (const fault of [...this.faults.values()]) {
      if (!isExpired(fault, now)) continue;
      this.faults.delete(idOf(fault));
      this.unshared.delete(idOf(fault));
      this.logger.log(
        { audit: { action: 'expired', fault, by: { instance: this.instanceId } } },
        `chaos audit: ${describeFault(fault, this.registry)} expired (ttl)`,
      );
    }
    this.armExpiry();
    this.reconcile();
  }

  // ---- lifecycle ----

  async onApplicationBootstrap(): Promise<void> {
    if (!this.env.CHAOS_ENABLED) return;
    this.telemetry.track(this);
    const client = this.redis?.client;
    if (!client) return;
    client.on('ready', this.onClientReady);
    this.startSubscriber();
    this.syncTimer = setInterval(() => void this.resync(), this.env.CHAOS_SYNC_INTERVAL_MS);
    this.syncTimer.unref();
    // A replica that starts while faults are active should apply them from its first request.
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      this.firstSynced.then(() => false),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), STARTUP_SYNC_TIMEOUT_MS))),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      this.logger.warn(
        'chaos: could not load faults from Redis yet; starting without, syncing in the background',
      );
    }
  }

  private readonly onClientReady = () => void this.resync();

  private startSubscriber(): void {
    const subscriber = this.redis?.duplicate({ autoResubscribe: false });
    if (!subscriber) return;
    this.subscriber = subscriber;
    subscriber.on('ready', () => {
      subscriber
        .subscribe(this.channel)
        .then(() => {
          this.subscribed = true;
          return this.resync();
        })
        .catch((error: Error) => this.logger.warn(`chaos: subscribe failed: ${error.message}`));
    });
    subscriber.on('close', () => {
      this.subscribed = false;
    });
    // Connection errors are reported by RedisService for the main connection; avoid ioredis' console output.
    subscriber.on('error', (error: Error) => this.logger.debug(`chaos: subscriber: ${error.message}`));
    subscriber.on('message', (channel: string, message: string) => this.onMessage(channel, message));
    subscriber.connect().catch(() => undefined);
  }

  beforeApplicationShutdown(): void {
    this.stopping = true;
    this.stopAll();
    this.notifyChange();
    for (const wake of [...this.sleepers]) wake();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.syncTimer) clearInterval(this.syncTimer);
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    this.telemetry.untrack(this);
    this.redis?.client?.off('ready', this.onClientReady);
    const subscriber = this.subscriber;
    this.subscriber = null;
    if (subscriber) await subscriber.quit().catch(() => subscriber.disconnect());
  }

  private faultKey(id: string): string {
    return `${this.keyPrefix}${id}`;
  }

  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
