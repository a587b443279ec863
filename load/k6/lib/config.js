// Shared settings for every k6 script. Everything is overridable with -e NAME=value.
// By default requests go through the NGINX gateway npm start runs on :8080 (docker compose publishes it on :80:
// -e BASE_URL=http://localhost); DIRECT=1 talks to the services on their own ports.
export const BASE_URL = __ENV.BASE_URL || 'http://localhost:8080';
const direct = __ENV.DIRECT === '1';

/** Where each API lives, through the gateway (/api/...) or directly. */
export const api = {
  signup: direct ? `${__ENV.USER_URL || 'http://localhost:8001'}/signup` : `${BASE_URL}/api/users/signup`,
  login: direct ? `${__ENV.USER_URL || 'http://localhost:8001'}/login` : `${BASE_URL}/api/users/login`,
  menus: direct
    ? `${__ENV.RESTAURANT_URL || 'http://localhost:8002'}/menus`
    : `${BASE_URL}/api/restaurants/menus`,
  orders: direct ? `${__ENV.ORDER_URL || 'http://localhost:8003'}/orders` : `${BASE_URL}/api/orders`,
  inventoryAudit: direct
    ? `${__ENV.RESTAURANT_URL || 'http://localhost:8002'}/inventory/audit`
    : `${BASE_URL}/api/restaurants/inventory/audit`,
  orderAudit: direct
    ? `${__ENV.ORDER_URL || 'http://localhost:8003'}/orders/audit`
    : `${BASE_URL}/api/orders/audit`,
};

/** Chaos knobs are never exposed by the gateway: they are set on the services directly. */
export const chaosUrl = {
  user: `${__ENV.USER_URL || 'http://localhost:8001'}/chaos`,
  restaurant: `${__ENV.RESTAURANT_URL || 'http://localhost:8002'}/chaos`,
  order: `${__ENV.ORDER_URL || 'http://localhost:8003'}/chaos`,
};

export const CHAOS_KEY = __ENV.CHAOS_API_KEY || '';
/** "json" (default) or "form": the two body formats POST /login accepts. */
export const LOGIN_FORMAT = __ENV.LOGIN_FORMAT || 'json';
export const MENU_ID = Number(__ENV.MENU_ID || 1);
