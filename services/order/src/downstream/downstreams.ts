import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { ChaosService } from '@food-delivery/chaos';
import { DownstreamClient } from '@food-delivery/http-client';
import { OrderEnv } from '../order.env';

export const USER_SERVICE = 'user-service';
export const RESTAURANT_SERVICE = 'restaurant-service';

/**
 * One resilient HTTP client per downstream service, shared by every caller in the process (user requests,
 * the saga worker, the recovery loop): one keep-alive pool and one circuit breaker per dependency.
 */
@Injectable()
export class Downstreams implements OnApplicationShutdown {
  readonly user: DownstreamClient;
  readonly restaurant: DownstreamClient;

  constructor(env: OrderEnv, chaos: ChaosService) {
    // The chaos `dependency` knob, applied inside each attempt (timeouts, retries and breakers see it).
    const faults = (target: string) => (signal: AbortSignal, timeoutMs: number) =>
      chaos.dependencyFault(target, { signal, timeoutMs });
    const breaker = {
      breakerThreshold: env.DOWNSTREAM_BREAKER_THRESHOLD,
      breakerWindowMs: env.DOWNSTREAM_BREAKER_WINDOW_MS,
      breakerMinimumRps: env.DOWNSTREAM_BREAKER_MIN_RPS,
      halfOpenAfterMs: env.DOWNSTREAM_BREAKER_HALF_OPEN_MS,
    };
    this.user = new DownstreamClient({
      name: USER_SERVICE,
      baseUrl: env.USER_SERVICE_URL,
      timeoutMs: env.USER_SERVICE_TIMEOUT_MS,
      retries: env.USER_SERVICE_RETRIES,
      faults: faults(USER_SERVICE),
      ...breaker,
    });
    this.restaurant = new DownstreamClient({
      name: RESTAURANT_SERVICE,
      baseUrl: env.RESTAURANT_SERVICE_URL,
      timeoutMs: env.RESTAURANT_SERVICE_TIMEOUT_MS,
      retries: env.RESTAURANT_SERVICE_RETRIES,
      faults: faults(RESTAURANT_SERVICE),
      ...breaker,
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([this.user.close(), this.restaurant.close()]);
  }
}
