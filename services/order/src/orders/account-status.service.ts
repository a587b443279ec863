import { Injectable, Logger } from '@nestjs/common';
import { ApiError } from '@food-delivery/http';
import { DependencyError } from '@food-delivery/http-client';
import { UserServiceClient } from '../downstream/user-service.client';
import { OrderEnv } from '../order.env';

const MAX_ENTRIES = 50_000;

export const accountGone = (userId: number) =>
  new ApiError(401, 'ACCOUNT_GONE', `The account of this token (user ${userId}) no longer exists`, {
    headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
  });

/**
 * What to do with a check `ageMs` old: younger than `freshMs`, use it; a known-active account up to twice that
 * age, let it through and check again in the background; otherwise check now.
 */
export function accountCheckPlan(
  ageMs: number | null,
  active: boolean,
  freshMs: number,
): 'use' | 'use-and-refresh' | 'check' {
  if (ageMs === null) return 'check';
  if (ageMs < freshMs) return 'use';
  return active && ageMs < 2 * freshMs ? 'use-and-refresh' : 'check';
}

/**
 * Whether a token's account still exists, so that a deleted user's token stops working on every order endpoint
 * within twice ACCOUNT_CHECK_INTERVAL_MS, a minute at most (tokens live an hour). Asks the user service's `/validate` and remembers the answer
 * per replica; placing an order validates anyway and records the result here. While the user service cannot
 * answer, a verified token is let through (the signature still holds): availability over a minute of staleness.
 */
@Injectable()
export class AccountStatus {
  private readonly logger = new Logger(AccountStatus.name);
  private readonly checked = new Map<number, { active: boolean; at: number }>();
  private readonly refreshing = new Set<number>();

  constructor(
    private readonly users: UserServiceClient,
    private readonly env: OrderEnv,
  ) {}

  /** Remembers a check made elsewhere (the order saga's own validation). */
  record(userId: number, active: boolean): void {
    this.checked.delete(userId);
    if (this.checked.size >= MAX_ENTRIES) this.checked.delete(this.checked.keys().next().value!);
    this.checked.set(userId, { active, at: Date.now() });
  }

  /** Throws 401 ACCOUNT_GONE when the account no longer exists. */
  async ensureActive(userId: number, requestId?: string): Promise<void> {
    const entry = this.checked.get(userId);
    const plan = accountCheckPlan(
      entry ? Date.now() - entry.at : null,
      entry?.active ?? false,
      this.env.ACCOUNT_CHECK_INTERVAL_MS,
    );
    if (plan === 'check') {
      if (!(await this.check(userId, requestId))) throw accountGone(userId);
      return;
    }
    if (plan === 'use-and-refresh' && !this.refreshing.has(userId)) {
      this.refreshing.add(userId);
      void this.check(userId).finally(() => this.refreshing.delete(userId));
    }
    if (!entry!.active) throw accountGone(userId);
  }

  /** Asks the user service; true when the account exists or the question could not be answered. */
  private async check(userId: number, requestId?: string): Promise<boolean> {
    try {
      await this.users.validate(userId, { requestId });
      this.record(userId, true);
      return true;
    } catch (error) {
      if (error instanceof ApiError && error.code === 'USER_INVALID') {
        this.record(userId, false);
        return false;
      }
      if (!(error instanceof DependencyError) && !(error instanceof ApiError)) throw error;
      this.logger.warn(
        { event: 'account.check_unavailable', user_id: userId, reason: error.message },
        'Could not check the account; letting the verified token through',
      );
      return true;
    }
  }
}
