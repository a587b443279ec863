import http from 'k6/http';
import { check, fail } from 'k6';
import exec from 'k6/execution';
import { api, LOGIN_FORMAT } from './config.js';

let token = null;

/**
 * One account per VU, created on its first iteration, then one login: the token is reused for the whole run. The
 * account is `k6_<vu>_<RUN_ID>`; its password is random unless USER_PASSWORD is given.
 */
export function session() {
  if (token) return token;
  const username = `k6_${exec.vu.idInTest}_${(__ENV.RUN_ID || Date.now().toString(36)).slice(-8)}`;
  // Fresh for each VU of each run, never a constant (USER_PASSWORD to log in again with a fixed RUN_ID).
  const password =
    __ENV.USER_PASSWORD || `k6-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
  const signup = http.post(api.signup, JSON.stringify({ username, password }), {
    headers: { 'Content-Type': 'application/json' },
    tags: { name: 'signup' },
  });
  check(signup, { 'signup 201 or 409': (r) => r.status === 201 || r.status === 409 });
  const login =
    LOGIN_FORMAT === 'form'
      ? http.post(api.login, { username, password }, { tags: { name: 'login' } })
      : http.post(api.login, JSON.stringify({ username, password }), {
          headers: { 'Content-Type': 'application/json' },
          tags: { name: 'login' },
        });
  if (!check(login, { 'login 200': (r) => r.status === 200 }))
    fail(`login failed: ${login.status} ${login.body}`);
  token = login.json('access_token');
  return token;
}

export function authHeaders(extra = {}) {
  return { Authorization: `Bearer ${session()}`, 'Content-Type': 'application/json', ...extra };
}

/** A random idempotency key: a retried POST /orders never creates a second order. */
export function idempotencyKey() {
  return `${exec.vu.idInTest}-${exec.vu.iterationInScenario}-${Math.random().toString(36).slice(2, 12)}`;
}
