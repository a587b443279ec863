import { cacheFailureKnob } from '@food-delivery/chaos';

/**
 * POST /chaos/cache_failure on the order service's `order` cache (GET /orders/:id). Honoured by OrderCache
 * (bypass, slow on reads; stale on the invalidation after a status change).
 */
export const orderCacheFailureKnob = cacheFailureKnob(['order']);
