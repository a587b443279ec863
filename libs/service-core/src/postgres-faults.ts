import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { ChaosService } from '@food-delivery/chaos';
import { BaseEnv } from '@food-delivery/config';
import type { DataSource } from 'typeorm';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type ConnectCallback = (error: Error | undefined, ...rest: any[]) => void;
/** The part of pg's Pool this wraps: connect() with a callback (pg, TypeORM) or a promise. */
interface PoolLike {
  connect(callback?: ConnectCallback): Promise<unknown> | undefined;
}

const failure = (mode: 'error' | 'reset' | 'timeout'): Error =>
  mode === 'error'
    ? Object.assign(new Error('connect ECONNREFUSED (chaos: postgres dependency error)'), {
        code: 'ECONNREFUSED',
      })
    : mode === 'reset'
      ? Object.assign(new Error('Connection terminated unexpectedly (chaos: postgres dependency reset)'), {
          code: 'ECONNRESET',
        })
      : new Error('timeout exceeded when trying to connect (chaos: postgres dependency timeout)');

/**
 * The chaos `dependency` knob for target `postgres`: applied when a query or transaction takes a connection
 * from the pool (pg's Pool.connect, wrapped on this app's pool instance: neither TypeORM nor pg has a hook
 * there; the hot paths query the pool directly, TypeORM's query runners connect through it too). The readiness probe uses a connection of its own and is not affected, like a real
 * network fault between the service and its pool would not be either. `timeout` waits the pool's acquire
 * timeout (DATABASE_ACQUIRE_TIMEOUT_MS) and fails the way the pool then does.
 */
@Injectable()
export class PostgresFaults implements OnApplicationBootstrap {
  private readonly logger = new Logger('Chaos');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly chaos: ChaosService,
    private readonly env: BaseEnv,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.env.CHAOS_ENABLED) return;
    const pool = (this.dataSource.driver as unknown as { master?: PoolLike }).master;
    if (typeof pool?.connect !== 'function') {
      this.logger.warn('chaos: no Postgres pool; the dependency knob will not apply to postgres');
      return;
    }
    const connect = pool.connect.bind(pool);
    const timeoutMs = this.env.DATABASE_ACQUIRE_TIMEOUT_MS;
    // pg's Pool.query and TypeORM's query runners both take their connection through pool.connect.
    pool.connect = (callback?: ConnectCallback) => {
      const fault = this.chaos.dependencyFault('postgres', { timeoutMs });
      if (!fault) return connect(callback);
      const decided = fault.then((outcome) => {
        if (outcome) throw failure(outcome.mode);
      });
      if (!callback) return decided.then(() => connect());
      decided.then(
        () => connect(callback),
        (error: Error) => callback(error),
      );
      return undefined;
    };
  }
}
