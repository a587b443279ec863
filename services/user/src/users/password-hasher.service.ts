import { Injectable } from '@nestjs/common';
import { ApiError } from '@food-delivery/http';
import * as argon2 from 'argon2';
import { bulkhead, BulkheadRejectedError, type BulkheadPolicy } from 'cockatiel';
import { UserEnv } from '../user.env';

/** OWASP's argon2id baseline: 19 MiB, 2 passes, 1 lane. */
const HASH_OPTIONS: argon2.HashOptions = {
  type: argon2.argon2id,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
};

/**
 * Password hashing off the event loop (argon2 runs on libuv's pool), behind a bulkhead: a login storm queues
 * up to PASSWORD_HASH_QUEUE requests and answers the rest with a fast 503 instead of growing without bound.
 */
@Injectable()
export class PasswordHasher {
  private readonly bulkhead: BulkheadPolicy;
  /** Verified against when the username is unknown, so both failures cost the same time. */
  private readonly dummyHash: Promise<string>;

  constructor(env: UserEnv) {
    this.bulkhead = bulkhead(env.PASSWORD_HASH_CONCURRENCY, env.PASSWORD_HASH_QUEUE);
    this.dummyHash = argon2.hash('not-a-real-password', HASH_OPTIONS);
  }

  hash(password: string): Promise<string> {
    return this.limited(() => argon2.hash(password, HASH_OPTIONS));
  }

  /** Compares against `hash`, or against a dummy hash when the user does not exist (constant work). */
  async verify(hash: string | null, password: string): Promise<boolean> {
    const target = hash ?? (await this.dummyHash);
    const matches = await this.limited(() => argon2.verify(target, password));
    return hash !== null && matches;
  }

  private async limited<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await this.bulkhead.execute(work);
    } catch (error) {
      if (error instanceof BulkheadRejectedError) {
        throw new ApiError(503, 'OVERLOADED', 'Too many sign-ups and logins in progress, retry shortly', {
          headers: { 'retry-after': '1' },
        });
      }
      throw error;
    }
  }
}
