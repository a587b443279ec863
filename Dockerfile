# syntax=docker/dockerfile:1.7
#
# One image per service, from one Dockerfile:
#   docker build --build-arg SERVICE=user       --build-arg PORT=8001 -t food-delivery/user .
#   docker build --build-arg SERVICE=restaurant --build-arg PORT=8002 -t food-delivery/restaurant .
#   docker build --build-arg SERVICE=order      --build-arg PORT=8003 -t food-delivery/order .
# (docker-compose.yml passes these arguments.) Node 22: several runtime dependencies require it (Nest 12 is
# ESM-only and loaded through require(esm); cockatiel 4 and others declare node >= 22). argon2 ships glibc
# prebuilds, hence Debian slim rather than Alpine.
ARG NODE_VERSION=22.20.0

# ---- manifests: the package.json files alone, so the `npm ci` layers below are reused until dependencies change
FROM node:${NODE_VERSION}-bookworm-slim AS manifests
WORKDIR /src
COPY package.json package-lock.json ./
COPY libs ./libs
COPY services ./services
COPY console/package.json ./console/
RUN find libs services -type f ! -name package.json -delete \
  && find libs services -type d -empty -delete

# ---- build: all dependencies (TypeScript), compiles the service and the libs it references ----------------
FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
COPY --from=manifests /src ./
# No install scripts are needed to compile (argon2's prebuilt binary is loaded at run time).
RUN --mount=type=cache,target=/root/.npm npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.base.json ./
COPY libs ./libs
COPY services ./services
ARG SERVICE
RUN case "${SERVICE}" in user|restaurant|order) ;; *) echo "build-arg SERVICE must be user, restaurant or order (got '${SERVICE}')" >&2; exit 1 ;; esac
RUN npx tsc -b "services/${SERVICE}/tsconfig.app.json"
# What runs: package.json + dist of every lib (unbuilt ones have no dist) and of the service, without typings.
RUN for dir in libs/* "services/${SERVICE}"; do \
      mkdir -p "/out/${dir}" && cp "${dir}/package.json" "/out/${dir}/" \
      && if [ -d "${dir}/dist" ]; then cp -R "${dir}/dist" "/out/${dir}/dist"; fi; \
    done \
  && find /out \( -name '*.d.ts' -o -name '*.d.ts.map' -o -name '*.tsbuildinfo' \) -delete

# ---- traffic-generator: the synthetic users of load/traffic (docker-compose.yml, observability profile) -------
# `docker build --target traffic-generator -t food-delivery/traffic-generator .` Runs from its TypeScript sources
# with the repo's SWC hook, as `npm start -- --traffic` does (a dev tool: it needs the dev dependencies).
FROM node:${NODE_VERSION}-bookworm-slim AS traffic-generator
ENV NODE_ENV=production
WORKDIR /app
COPY --from=manifests /src ./
RUN --mount=type=cache,target=/root/.npm npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.base.json .swcrc ./
COPY scripts/ts-register.cjs ./scripts/
COPY libs ./libs
COPY load/experiments ./load/experiments
COPY load/traffic ./load/traffic
USER node
EXPOSE 8089
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.TRAFFIC_PORT || 8089) + '/health', { signal: AbortSignal.timeout(2500) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "--require", "./scripts/ts-register.cjs", "--require", "./load/traffic/instrumentation.ts", "--conditions=@food-delivery/source", "load/traffic/main.ts"]

# ---- console: the chaos console (console/, docker-compose.yml) --------------------------------------------------
# `docker build --target console -t food-delivery/console .` Its page is built here with Vite; the server runs
# from its TypeScript sources with the repo's SWC hook, as `npm start` runs it (it needs the dev dependencies).
FROM node:${NODE_VERSION}-bookworm-slim AS console
ENV NODE_ENV=production
WORKDIR /app
COPY --from=manifests /src ./
RUN --mount=type=cache,target=/root/.npm npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.base.json .swcrc ./
COPY scripts/ts-register.cjs scripts/build-console.mjs ./scripts/
COPY libs ./libs
COPY console ./console
RUN node scripts/build-console.mjs --force
USER node
EXPOSE 8090
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.CONSOLE_PORT || 8090) + '/api/config', { signal: AbortSignal.timeout(2500) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "--require", "./scripts/ts-register.cjs", "--conditions=@food-delivery/source", "console/server/main.ts"]

# ---- runtime: production dependencies of this one service, compiled code, non-root ---------------------------
FROM node:${NODE_VERSION}-bookworm-slim AS runtime
ARG SERVICE
ARG PORT
RUN case "${SERVICE}:${PORT}" in user:8001|restaurant:8002|order:8003) ;; *) echo "build-args SERVICE:PORT must be user:8001, restaurant:8002 or order:8003 (got '${SERVICE}:${PORT}')" >&2; exit 1 ;; esac
# MALLOC_MMAP_THRESHOLD_ and the V8 flags of CMD: scripts/service-runtime.mjs says why (npm start uses the same).
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=${PORT} \
    MALLOC_MMAP_THRESHOLD_=1048576
WORKDIR /app
COPY --from=manifests /src ./
# Only this service's workspace and what it depends on (no embedded Postgres, no dev tools). Install scripts
# stay off: argon2 (user service) loads its prebuilt glibc binary through node-gyp-build when required.
RUN --mount=type=cache,target=/root/.npm \
    npm ci --omit=dev --ignore-scripts --no-audit --no-fund --workspace "@food-delivery/${SERVICE}-service"
COPY --from=build /out ./
WORKDIR /app/services/${SERVICE}
# Fail the build, not the container, when a module the service loads is missing from the runtime tree or this
# Node does not know one of CMD's flags.
RUN test -f dist/instrumentation.js \
  && node --max-semi-space-size=8 --heap-growing-percent=50 --liftoff-only -e "require('./dist/app.js')"
USER node
EXPOSE ${PORT}
# /health/ready: the process answers and Postgres (and Redis where required) are reachable; on MANAGEMENT_PORT
# when set (its own accept queue), else on PORT. Uses Node's fetch,
# so the image needs no curl.
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.MANAGEMENT_PORT || process.env.PORT) + '/health/ready', { signal: AbortSignal.timeout(2500) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# OpenTelemetry is preloaded so it patches http, pg, ioredis… before the app loads them.
CMD ["node", "--max-semi-space-size=8", "--heap-growing-percent=50", "--liftoff-only", "--require", "./dist/instrumentation.js", "dist/main.js"]
