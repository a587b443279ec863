#!/usr/bin/env node
// Renders gateway/nginx.conf.template for a local run or a test: `node gateway/render.mjs > nginx.conf`.
// Containers use the official nginx image's envsubst on the same template instead (see docker-compose.yml).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const TEMPLATE = fileURLToPath(new URL('./nginx.conf.template', import.meta.url));

/** `host:port` list → upstream `server` lines with passive health checks. */
export function upstreamServers(addresses, { maxFails = 3, failTimeout = '10s' } = {}) {
  if (addresses.length === 0) return 'server 127.0.0.1:9 down;';
  return addresses
    .map((address) => `server ${address} max_fails=${maxFails} fail_timeout=${failTimeout};`)
    .join('\n    ');
}

/** Every template variable with its default; `overrides` wins. */
export function gatewayVariables(overrides = {}) {
  const list = (value, fallback) =>
    (value ?? fallback)
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean);
  const env = { ...process.env, ...overrides };
  return {
    GATEWAY_PORT: env.GATEWAY_PORT ?? '80',
    GATEWAY_RUNTIME_DIR: env.GATEWAY_RUNTIME_DIR ?? '/tmp/food-delivery-gateway',
    GATEWAY_ACCESS_LOG: env.GATEWAY_ACCESS_LOG ?? '/dev/stdout',
    GATEWAY_ERROR_LOG: env.GATEWAY_ERROR_LOG ?? '/dev/stderr',
    GATEWAY_MAX_BODY: env.GATEWAY_MAX_BODY ?? '1m',
    GATEWAY_READ_TIMEOUT: env.GATEWAY_READ_TIMEOUT ?? '30s',
    GATEWAY_LOGIN_RATE: env.GATEWAY_LOGIN_RATE ?? '50r/s',
    GATEWAY_LOGIN_BURST: env.GATEWAY_LOGIN_BURST ?? '200',
    GATEWAY_ORDER_RATE: env.GATEWAY_ORDER_RATE ?? '2000r/s',
    GATEWAY_ORDER_BURST: env.GATEWAY_ORDER_BURST ?? '4000',
    GATEWAY_USER_SERVERS: upstreamServers(list(env.USER_UPSTREAMS, '127.0.0.1:8001')),
    GATEWAY_RESTAURANT_SERVERS: upstreamServers(list(env.RESTAURANT_UPSTREAMS, '127.0.0.1:8002')),
    GATEWAY_ORDER_SERVERS: upstreamServers(list(env.ORDER_UPSTREAMS, '127.0.0.1:8003')),
    GATEWAY_INTERNAL_LISTEN: env.GATEWAY_INTERNAL_LISTEN ?? '127.0.0.1:8081',
  };
}

/** Substitutes only the template's own ${UPPER_CASE} names, like the nginx image's envsubst filter. */
export function renderGateway(overrides = {}) {
  const variables = gatewayVariables(overrides);
  return readFileSync(TEMPLATE, 'utf8').replace(/\$\{([A-Z_]+)\}/g, (match, name) => {
    if (!(name in variables)) throw new Error(`gateway template uses unknown variable ${name}`);
    return variables[name];
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.stdout.write(renderGateway());
