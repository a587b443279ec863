import { cacheFailureKnob } from '@food-delivery/chaos';

/**
 * POST /chaos/cache_failure on the restaurant's menu caches: `menu_list` (GET /menus) and `menu` (GET /menus/:id).
 * Honoured by MenuCache (bypass, slow on reads; stale on the invalidation after a stock change).
 */
export const menuCacheFailureKnob = cacheFailureKnob(['menu_list', 'menu']);
