#!/usr/bin/env node
// Writes the provisioned Grafana dashboards (infra/grafana/dashboards/*.json) from the definitions below, so the
// five dashboards share their layout, units, exemplar settings and the chaos annotation. Edit here, then run
// `node infra/grafana/build-dashboards.mjs` (the infra tests fail when the JSON files are out of date).
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';

/** Datasource uids, fixed by provisioning/datasources/datasources.yaml. */
export const DS = {
  prometheus: { type: 'prometheus', uid: 'prometheus' },
  loki: { type: 'loki', uid: 'loki' },
  tempo: { type: 'tempo', uid: 'tempo' },
};

const RATE = '$__rate_interval';
const SVC = 'service=~"$service"';

/** Shown on every dashboard: chaos faults in force, as shaded regions (see the chaos dashboard). */
const CHAOS_ANNOTATION = {
  datasource: DS.prometheus,
  enable: true,
  iconColor: 'rgba(255, 96, 96, 1)',
  name: 'Chaos faults',
  expr: 'max by (service, type) (chaos_active_faults) > 0',
  step: '15s',
  titleFormat: 'chaos: {{type}} on {{service}}',
  tagKeys: 'service,type',
  textFormat: '',
  useValueForTime: false,
};

const SERVICE_VARIABLE = {
  name: 'service',
  label: 'Service',
  type: 'query',
  datasource: DS.prometheus,
  definition: 'label_values(http_server_request_duration_seconds_count, service)',
  query: { query: 'label_values(http_server_request_duration_seconds_count, service)', refId: 'service' },
  refresh: 2,
  includeAll: true,
  multi: true,
  // Grafana inserts a custom All value as it is. `.+`, not `.*`: Loki refuses a selector whose every matcher
  // accepts the empty string ({service_name=~".*"}), and `.+` also leaves out series without the label.
  allValue: '.+',
  current: { selected: true, text: ['All'], value: ['$__all'] },
  sort: 1,
};

const ROUTE_VARIABLE = {
  name: 'route',
  label: 'Route',
  type: 'query',
  datasource: DS.prometheus,
  definition: `label_values(http_server_request_duration_seconds_count{${SVC}}, route)`,
  query: {
    query: `label_values(http_server_request_duration_seconds_count{${SVC}}, route)`,
    refId: 'route',
  },
  refresh: 2,
  includeAll: true,
  multi: true,
  allValue: '.+',
  current: { selected: true, text: ['All'], value: ['$__all'] },
  sort: 1,
};

/** A Prometheus query; `exemplar` shows trace-id exemplars (click → the trace in Tempo). */
const prom = (expr, legendFormat = '', extra = {}) => ({
  datasource: DS.prometheus,
  expr,
  legendFormat,
  range: true,
  ...extra,
});

/** p50/p95/p99 of a histogram, grouped by `by`, with exemplars. */
const quantiles = (metric, selector, by, legend, qs = [0.5, 0.95, 0.99]) =>
  qs.map((q) =>
    prom(
      `histogram_quantile(${q}, sum by (${[...by, 'le'].join(', ')}) (rate(${metric}_bucket{${selector}}[${RATE}])))`,
      `p${Math.round(q * 100)} ${legend}`.trim(),
      { exemplar: true },
    ),
  );

function timeseries(
  title,
  targets,
  { unit = 'short', description, stack = false, min, max, w = 12, h = 8 } = {},
) {
  return {
    type: 'timeseries',
    title,
    description,
    datasource: DS.prometheus,
    w,
    h,
    fieldConfig: {
      defaults: {
        unit,
        ...(min !== undefined ? { min } : {}),
        ...(max !== undefined ? { max } : {}),
        custom: {
          drawStyle: 'line',
          lineWidth: 1,
          fillOpacity: stack ? 40 : 10,
          showPoints: 'never',
          spanNulls: true,
          stacking: { mode: stack ? 'normal' : 'none', group: 'A' },
        },
      },
      overrides: [],
    },
    options: {
      legend: { displayMode: 'list', placement: 'bottom', showLegend: true },
      tooltip: { mode: 'multi', sort: 'desc' },
    },
    targets,
  };
}

function stat(title, targets, { unit = 'short', description, w = 6, h = 4, thresholds } = {}) {
  return {
    type: 'stat',
    title,
    description,
    datasource: DS.prometheus,
    w,
    h,
    fieldConfig: {
      defaults: {
        unit,
        thresholds: thresholds ?? { mode: 'absolute', steps: [{ color: 'green', value: null }] },
      },
      overrides: [],
    },
    options: {
      reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
      colorMode: 'value',
      graphMode: 'area',
      textMode: 'auto',
      justifyMode: 'auto',
      orientation: 'auto',
    },
    targets,
  };
}

function stateTimeline(title, targets, mappings, { description, w = 12, h = 8 } = {}) {
  return {
    type: 'state-timeline',
    title,
    description,
    datasource: DS.prometheus,
    w,
    h,
    fieldConfig: {
      defaults: {
        mappings: [{ type: 'value', options: mappings }],
        thresholds: { mode: 'absolute', steps: [{ color: 'green', value: null }] },
        color: { mode: 'thresholds' },
      },
      overrides: [],
    },
    options: { showValue: 'never', mergeValues: true, rowHeight: 0.8, legend: { showLegend: false } },
    targets,
  };
}

function heatmap(title, expr, { description, unit = 's', w = 12, h = 8 } = {}) {
  return {
    type: 'heatmap',
    title,
    description,
    datasource: DS.prometheus,
    w,
    h,
    fieldConfig: { defaults: {}, overrides: [] },
    options: {
      calculate: false,
      cellGap: 1,
      color: { mode: 'scheme', scheme: 'Oranges', steps: 64 },
      yAxis: { unit, axisPlacement: 'left' },
      exemplars: { color: 'rgba(255,0,255,0.7)' },
      tooltip: { mode: 'single', yHistogram: true },
      legend: { show: true },
    },
    targets: [prom(expr, '{{le}}', { format: 'heatmap', exemplar: true })],
  };
}

function logs(title, expr, { description, w = 24, h = 10 } = {}) {
  return {
    type: 'logs',
    title,
    description,
    datasource: DS.loki,
    w,
    h,
    options: {
      showTime: true,
      wrapLogMessage: true,
      sortOrder: 'Descending',
      enableLogDetails: true,
      dedupStrategy: 'none',
      prettifyLogMessage: false,
    },
    targets: [{ datasource: DS.loki, expr, queryType: 'range' }],
  };
}

function traceTable(title, query, { description, w = 24, h = 8 } = {}) {
  return {
    type: 'table',
    title,
    description,
    datasource: DS.tempo,
    w,
    h,
    options: { showHeader: true },
    fieldConfig: { defaults: {}, overrides: [] },
    targets: [{ datasource: DS.tempo, queryType: 'traceql', query, limit: 20, tableType: 'traces' }],
  };
}

function serviceMap(title, { description, w = 12, h = 10 } = {}) {
  return {
    type: 'nodeGraph',
    title,
    description,
    datasource: DS.tempo,
    w,
    h,
    options: {},
    targets: [{ datasource: DS.tempo, queryType: 'serviceMap' }],
  };
}

const row = (title) => ({ type: 'row', title, collapsed: false, panels: [] });

/** Lays panels out left to right, wrapping at 24 columns; rows start a new line. Adds ids and refIds. */
function layout(items) {
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  let id = 1;
  return items.map((item) => {
    const { w = 24, h = 1, ...panel } = item;
    if (item.type === 'row' || x + w > 24) {
      y += rowHeight;
      x = 0;
      rowHeight = 0;
    }
    const placed = { id: id++, ...panel, gridPos: { h, w, x, y } };
    if (placed.targets) {
      placed.targets = placed.targets.map((target, index) => ({
        ...target,
        refId: String.fromCharCode(65 + index),
      }));
    }
    if (item.type === 'row') {
      y += 1;
    } else {
      x += w;
      rowHeight = Math.max(rowHeight, h);
    }
    return placed;
  });
}

function dashboard({ uid, title, description, variables = [SERVICE_VARIABLE], panels }) {
  return {
    uid,
    title,
    description,
    tags: ['food-delivery'],
    timezone: 'browser',
    editable: true,
    graphTooltip: 1,
    refresh: '10s',
    schemaVersion: 39,
    version: 1,
    time: { from: 'now-30m', to: 'now' },
    links: [
      {
        title: 'Food delivery',
        type: 'dashboards',
        tags: ['food-delivery'],
        asDropdown: true,
        includeVars: false,
      },
    ],
    annotations: {
      list: [
        {
          builtIn: 1,
          datasource: { type: 'grafana', uid: '-- Grafana --' },
          enable: true,
          hide: true,
          iconColor: 'rgba(0, 211, 255, 1)',
          name: 'Annotations & Alerts',
          type: 'dashboard',
        },
        CHAOS_ANNOTATION,
      ],
    },
    templating: { list: variables },
    panels: layout(panels),
  };
}

const http = (extra = '') => `http_server_request_duration_seconds_count{${SVC}${extra}}`;
const CIRCUIT_STATES = {
  0: { text: 'closed', color: 'green', index: 0 },
  1: { text: 'half-open', color: 'yellow', index: 1 },
  2: { text: 'open', color: 'red', index: 2 },
};

export const DASHBOARDS = {
  'service-overview': dashboard({
    uid: 'fd-service-overview',
    title: 'Food delivery · Service overview',
    description:
      'Rate, errors and duration per service and route; dependencies; runtime. Click an exemplar (◆) to open its trace.',
    variables: [SERVICE_VARIABLE, ROUTE_VARIABLE],
    panels: [
      row('Traffic, errors, duration'),
      timeseries(
        'Requests per second',
        [prom(`sum by (service) (rate(${http()}[${RATE}]))`, '{{service}}')],
        {
          unit: 'reqps',
          w: 8,
        },
      ),
      timeseries(
        'Server errors (5xx ratio)',
        [
          prom(
            `sum by (service) (rate(${http(',status_class="5xx"')}[${RATE}])) / sum by (service) (rate(${http()}[${RATE}]))`,
            '{{service}}',
          ),
        ],
        { unit: 'percentunit', min: 0, w: 8 },
      ),
      timeseries(
        'Latency p50 / p95 / p99',
        quantiles('http_server_request_duration_seconds', SVC, ['service'], '{{service}}'),
        { unit: 's', w: 8, description: 'Exemplars (◆) link a latency to the trace of one such request.' },
      ),
      timeseries(
        'Requests in flight and the adaptive limit',
        [
          prom(`sum by (service) (http_requests_in_flight{${SVC}})`, '{{service}} in flight'),
          prom(`max by (service) (http_requests_concurrency_limit{${SVC}})`, '{{service}} limit'),
        ],
        {
          w: 12,
          description:
            'The limit follows latency (at most MAX_IN_FLIGHT_REQUESTS): beyond it a service refuses new ' +
            'requests at once (next panel).',
        },
      ),
      timeseries(
        'Refused: 503 OVERLOADED (load shedding)',
        [
          prom(
            `sum by (service, reason) (rate(http_requests_shed_total{${SVC}}[${RATE}]))`,
            '{{service}} {{reason}}',
          ),
        ],
        {
          unit: 'reqps',
          w: 12,
          description:
            'in_flight: beyond the adaptive concurrency limit; event_loop_delay: the event loop lags more than ' +
            'MAX_EVENT_LOOP_DELAY_MS. Refused before any work, with Retry-After; not logged one line each.',
        },
      ),
      row('Routes'),
      timeseries(
        'Requests per second by route',
        [
          prom(
            `sum by (service, method, route) (rate(${http(',route=~"$route"')}[${RATE}]))`,
            '{{service}} {{method}} {{route}}',
          ),
        ],
        { unit: 'reqps' },
      ),
      timeseries(
        'p99 latency by route',
        quantiles(
          'http_server_request_duration_seconds',
          `${SVC},route=~"$route"`,
          ['service', 'method', 'route'],
          '{{service}} {{method}} {{route}}',
          [0.99],
        ),
        { unit: 's' },
      ),
      timeseries(
        'Client and server errors by route',
        [
          prom(
            `sum by (service, method, route, status_class) (rate(${http(',route=~"$route",status_class=~"4xx|5xx"')}[${RATE}]))`,
            '{{status_class}} {{service}} {{method}} {{route}}',
          ),
        ],
        { unit: 'reqps', w: 24 },
      ),
      row('Dependencies'),
      timeseries(
        'Outbound calls by dependency and outcome',
        [
          prom(
            `sum by (service, dependency, outcome) (rate(http_client_request_duration_seconds_count{${SVC}}[${RATE}]))`,
            '{{service}} → {{dependency}} {{outcome}}',
          ),
        ],
        { unit: 'reqps', description: 'One sample per attempt: retries show as extra calls.' },
      ),
      timeseries(
        'Outbound call latency p99',
        quantiles(
          'http_client_request_duration_seconds',
          SVC,
          ['service', 'dependency'],
          '{{service}} → {{dependency}}',
          [0.5, 0.99],
        ),
        { unit: 's' },
      ),
      stateTimeline(
        'Circuit breakers',
        [
          prom(
            `max by (service, dependency) (circuit_breaker_state{${SVC}})`,
            '{{service}} → {{dependency}}',
          ),
        ],
        CIRCUIT_STATES,
      ),
      serviceMap('Service map (from traces)', {
        description:
          'Built by the Tempo metrics generator from the spans: calls between services, Postgres and Redis.',
      }),
      timeseries(
        'Calls between services (from traces)',
        [
          prom(
            `sum by (client, server) (rate(traces_service_graph_request_total[${RATE}]))`,
            '{{client}} → {{server}}',
          ),
        ],
        { unit: 'reqps', w: 24 },
      ),
      row('Runtime'),
      timeseries(
        'Resident memory',
        [prom(`process_resident_memory_bytes{${SVC}}`, '{{service}} {{instance}}')],
        {
          unit: 'bytes',
          w: 8,
        },
      ),
      timeseries(
        'CPU',
        [prom(`rate(process_cpu_seconds_total{${SVC}}[${RATE}])`, '{{service}} {{instance}}')],
        { unit: 'percentunit', w: 8 },
      ),
      timeseries(
        'Event loop lag p99',
        [prom(`nodejs_eventloop_lag_p99_seconds{${SVC}}`, '{{service}} {{instance}}')],
        { unit: 's', w: 8 },
      ),
      timeseries(
        'Postgres pool',
        [
          prom(`sum by (service) (pg_pool_total_connections{${SVC}})`, 'open {{service}}'),
          prom(`sum by (service) (pg_pool_idle_connections{${SVC}})`, 'idle {{service}}'),
          prom(`sum by (service) (pg_pool_waiting_clients{${SVC}})`, 'waiting {{service}}'),
          prom(`sum by (service) (pg_pool_max_connections{${SVC}})`, 'max {{service}}'),
        ],
        { description: 'Waiting clients above 0 mean the pool (DATABASE_POOL_MAX) is the bottleneck.' },
      ),
      timeseries('Heap used', [prom(`nodejs_heap_size_used_bytes{${SVC}}`, '{{service}} {{instance}}')], {
        unit: 'bytes',
      }),
      timeseries(
        'Log lines dropped',
        [prom(`sum by (service) (rate(log_lines_dropped_total{${SVC}}[${RATE}]))`, '{{service}}')],
        {
          w: 24,
          description:
            'Lines dropped because the stdout reader (log shipper) fell more than 16 MB behind: above 0, Loki is missing lines.',
        },
      ),
      row('Synthetic traffic (load/traffic)'),
      timeseries(
        'Journeys per second',
        [prom(`sum by (journey, result) (rate(traffic_journeys_total[${RATE}]))`, '{{journey}} {{result}}')],
        {
          unit: 'reqps',
          stack: true,
          description:
            'What the traffic generator does (compose, or npm start -- --traffic): steer it on :8089 (POST /rate, /mix, /stop, /start).',
        },
      ),
      timeseries(
        'Journey failures by step',
        [
          prom(
            `sum by (step, reason) (rate(traffic_journey_failures_total[${RATE}]))`,
            '{{step}} {{reason}}',
          ),
        ],
        {
          unit: 'reqps',
          description:
            'A failed call fails its journey and is counted here, never retried: a fault shows up as a reason (PAYMENT_FAILED, CHAOS_INJECTED, TIMEOUT…).',
        },
      ),
      row('Logs'),
      logs('Warnings and errors', '{service_name=~"$service"} | json | level=~"warn|error"', {
        description: 'Expand a line: its trace_id links to the trace in Tempo.',
      }),
    ],
  }),

  'order-saga': dashboard({
    uid: 'fd-order-saga',
    title: 'Food delivery · Order saga',
    description: 'Orders by outcome, payment failures, reservations and stock, and the calls the saga makes.',
    variables: [],
    panels: [
      row('Outcomes'),
      stat(
        'Confirmed share',
        [prom(`sum(rate(orders_total{status="CONFIRMED"}[${RATE}])) / sum(rate(orders_total[${RATE}]))`)],
        {
          unit: 'percentunit',
          thresholds: {
            mode: 'absolute',
            steps: [
              { color: 'red', value: null },
              { color: 'orange', value: 0.5 },
              { color: 'green', value: 0.9 },
            ],
          },
        },
      ),
      stat('Orders in range', [prom('sum(increase(orders_total[$__range]))')], { unit: 'short' }),
      stat(
        'Payment failures in range',
        [prom('sum(increase(orders_total{reason="PAYMENT_FAILED"}[$__range]))')],
        {
          thresholds: {
            mode: 'absolute',
            steps: [
              { color: 'green', value: null },
              { color: 'orange', value: 1 },
            ],
          },
        },
      ),
      stat(
        'POST /orders p99',
        [
          prom(
            `histogram_quantile(0.99, sum by (le) (rate(http_server_request_duration_seconds_bucket{service="order-service",route="/orders",method="POST"}[${RATE}])))`,
          ),
        ],
        { unit: 's' },
      ),
      timeseries(
        'Orders by final status',
        [prom(`sum by (status) (rate(orders_total[${RATE}]))`, '{{status}}')],
        { unit: 'ops', stack: true },
      ),
      timeseries(
        'Failed orders by reason',
        [prom(`sum by (reason) (rate(orders_total{status="FAILED"}[${RATE}]))`, '{{reason}}')],
        { unit: 'ops', stack: true, description: 'PAYMENT_FAILED is the chaos payment_fail knob at work.' },
      ),
      timeseries(
        'Saga duration by status',
        quantiles('order_saga_duration_seconds', '', ['status'], '{{status}}', [0.5, 0.99]),
        {
          unit: 's',
          description: 'From placing the order to answering the client. Exemplars open the saga trace.',
        },
      ),
      timeseries(
        'Outbox tasks and recoveries',
        [
          prom(
            `sum by (action, result) (rate(order_saga_task_attempts_total[${RATE}]))`,
            '{{action}} {{result}}',
          ),
          prom(`sum by (status) (rate(order_recoveries_total[${RATE}]))`, 'recovered → {{status}}'),
        ],
        { unit: 'ops' },
      ),
      row('Reservations and stock (restaurant service)'),
      timeseries(
        'Reservations by operation and outcome',
        [
          prom(
            `sum by (operation, outcome) (rate(inventory_reservations_total[${RATE}]))`,
            '{{operation}} {{outcome}}',
          ),
        ],
        { unit: 'ops', stack: true },
      ),
      timeseries('Stock per menu', [prom('max by (menu_id, menu) (menu_stock)', '{{menu}} (#{{menu_id}})')], {
        unit: 'short',
        description:
          'Read from Postgres at each scrape. Flat lines under load with orders failing OUT_OF_STOCK: sold out.',
      }),
      row('Calls the saga makes'),
      timeseries(
        'Calls from the order service',
        [
          prom(
            `sum by (dependency, outcome) (rate(http_client_request_duration_seconds_count{service="order-service"}[${RATE}]))`,
            '{{dependency}} {{outcome}}',
          ),
        ],
        { unit: 'reqps' },
      ),
      timeseries(
        'Call latency p99',
        quantiles(
          'http_client_request_duration_seconds',
          'service="order-service"',
          ['dependency'],
          '{{dependency}}',
          [0.99],
        ),
        { unit: 's' },
      ),
      stateTimeline(
        'Circuit breakers',
        [prom('max by (dependency) (circuit_breaker_state{service="order-service"})', '{{dependency}}')],
        CIRCUIT_STATES,
        { w: 24, h: 5 },
      ),
      logs('Order events', '{service_name="order-service"} | json | event=~"order\\\\..*"', {
        description: 'order.placed / confirmed / failed / cancelled, each with its trace_id.',
      }),
    ],
  }),

  'inventory-locking': dashboard({
    uid: 'fd-inventory-locking',
    title: 'Food delivery · Inventory locking',
    description:
      'Row-lock wait and hold of the inventory transactions (SELECT ... FOR UPDATE), and what they cost.',
    variables: [],
    panels: [
      row('Row locks'),
      timeseries('Lock wait', quantiles('inventory_lock_wait_seconds', '', ['operation'], '{{operation}}'), {
        unit: 's',
        description: 'Time a transaction waited for its menu rows. Grows with contention on hot menus.',
      }),
      timeseries('Lock hold', quantiles('inventory_lock_hold_seconds', '', ['operation'], '{{operation}}'), {
        unit: 's',
        description: 'Time the rows stayed locked, until commit (includes chaos inventory_delay).',
      }),
      heatmap(
        'Lock wait distribution',
        `sum by (le) (increase(inventory_lock_wait_seconds_bucket[${RATE}]))`,
      ),
      timeseries(
        'Inventory transactions per second',
        [prom(`sum by (operation) (rate(inventory_lock_hold_seconds_count[${RATE}]))`, '{{operation}}')],
        { unit: 'ops', stack: true },
      ),
      row('Effect on requests'),
      timeseries(
        'Inventory routes p99',
        quantiles(
          'http_server_request_duration_seconds',
          'service="restaurant-service",route=~"/inventory.*"',
          ['method', 'route'],
          '{{method}} {{route}}',
          [0.99],
        ),
        { unit: 's' },
      ),
      timeseries(
        'INVENTORY_BUSY and other 5xx on inventory routes',
        [
          prom(
            `sum by (route) (rate(http_server_request_duration_seconds_count{service="restaurant-service",route=~"/inventory.*",status_class="5xx"}[${RATE}]))`,
            '{{route}}',
          ),
        ],
        {
          unit: 'reqps',
          description: 'Lock timeouts and a full transaction queue answer 503 INVENTORY_BUSY.',
        },
      ),
      timeseries('Restaurant Postgres pool', [
        prom('sum(pg_pool_total_connections{service="restaurant-service"})', 'open'),
        prom('sum(pg_pool_waiting_clients{service="restaurant-service"})', 'waiting'),
        prom('sum(pg_pool_max_connections{service="restaurant-service"})', 'max'),
      ]),
      timeseries(
        'Chaos inventory_delay injections',
        [
          prom(
            `sum(rate(chaos_injections_total{service="restaurant-service",type="inventory_delay"}[${RATE}]))`,
            'inventory_delay',
          ),
        ],
        { unit: 'ops' },
      ),
      traceTable(
        'Slowest recent inventory transactions',
        '{ name =~ "inventory.*" && span.inventory.lock.wait_ms > 10 } | select(span.inventory.lock.wait_ms, span.inventory.lock.hold_ms, span.menu.id)',
        { description: 'Inventory spans that waited more than 10 ms for their row locks; click a trace id.' },
      ),
    ],
  }),

  'cache-effectiveness': dashboard({
    uid: 'fd-cache-effectiveness',
    title: 'Food delivery · Cache effectiveness',
    description: 'Redis cache hit ratios (menus, orders) and what a hit buys in latency.',
    panels: [
      row('Hits and misses'),
      timeseries(
        'Hit ratio by cache',
        [
          prom(
            `sum by (cache) (rate(cache_requests_total{${SVC},result="hit"}[${RATE}])) / sum by (cache) (rate(cache_requests_total{${SVC}}[${RATE}]))`,
            '{{cache}}',
          ),
        ],
        { unit: 'percentunit', min: 0, max: 1 },
      ),
      timeseries(
        'Lookups by cache and result',
        [
          prom(
            `sum by (cache, result) (rate(cache_requests_total{${SVC}}[${RATE}]))`,
            '{{cache}} {{result}}',
          ),
        ],
        { unit: 'ops', stack: true, description: 'bypass: Redis was unavailable and the source answered.' },
      ),
      row('What the cache buys'),
      timeseries(
        'Cached routes latency',
        quantiles(
          'http_server_request_duration_seconds',
          `${SVC},method="GET",route=~"/menus|/menus/:id|/orders/:id"`,
          ['service', 'route'],
          '{{route}}',
          [0.5, 0.99],
        ),
        { unit: 's', w: 24 },
      ),
      timeseries(
        'Redis command latency p99 (from traces)',
        [
          prom(
            `histogram_quantile(0.99, sum by (service, span_name, le) (rate(traces_spanmetrics_latency_bucket{${SVC},span_kind="SPAN_KIND_CLIENT",span_name=~"get|mget|hget|eval|evalsha|multi|exec|incr|del"}[${RATE}])))`,
            '{{service}} {{span_name}}',
          ),
        ],
        { unit: 's' },
      ),
      timeseries(
        'Postgres queries per second (from traces)',
        [
          prom(
            `sum by (service) (rate(traces_spanmetrics_calls_total{${SVC},span_name=~"pg.query.*"}[${RATE}]))`,
            '{{service}}',
          ),
        ],
        { unit: 'ops', description: 'Falls as the hit ratio rises.' },
      ),
    ],
  }),

  chaos: dashboard({
    uid: 'fd-chaos',
    title: 'Food delivery · Chaos',
    description:
      'Faults in force and injected, and their effect. The same faults are annotated on every dashboard.',
    panels: [
      row('Faults'),
      stat('Faults in force', [prom('sum(max by (service, type) (chaos_active_faults))')], {
        thresholds: {
          mode: 'absolute',
          steps: [
            { color: 'green', value: null },
            { color: 'red', value: 1 },
          ],
        },
      }),
      stat('Injections in range', [prom('sum(increase(chaos_injections_total[$__range]))')], { w: 6 }),
      stat('Open circuits', [prom('sum(circuit_breaker_state == bool 2)')], {
        w: 12,
        thresholds: {
          mode: 'absolute',
          steps: [
            { color: 'green', value: null },
            { color: 'red', value: 1 },
          ],
        },
      }),
      stateTimeline(
        'Active faults',
        [prom(`max by (service, type) (chaos_active_faults{${SVC}})`, '{{service}} {{type}}')],
        { 0: { text: 'off', color: 'transparent', index: 0 }, 1: { text: 'ACTIVE', color: 'red', index: 1 } },
        { w: 24 },
      ),
      timeseries(
        'Injections per second',
        [
          prom(
            `sum by (service, type) (rate(chaos_injections_total{${SVC}}[${RATE}]))`,
            '{{service}} {{type}}',
          ),
        ],
        { unit: 'ops', stack: true },
      ),
      row('Effect'),
      timeseries(
        'Server errors (5xx ratio)',
        [
          prom(
            `sum by (service) (rate(${http(',status_class="5xx"')}[${RATE}])) / sum by (service) (rate(${http()}[${RATE}]))`,
            '{{service}}',
          ),
        ],
        { unit: 'percentunit', min: 0 },
      ),
      timeseries(
        'Latency p99',
        quantiles('http_server_request_duration_seconds', SVC, ['service'], '{{service}}', [0.99]),
        { unit: 's' },
      ),
      timeseries(
        'Orders by final status',
        [prom(`sum by (status) (rate(orders_total[${RATE}]))`, '{{status}}')],
        { unit: 'ops', stack: true },
      ),
      logs('Chaos log', '{service_name=~"$service"} | json | context="Chaos"', {
        description: 'Every fault change and injection, with the trace it hit.',
      }),
    ],
  }),
};

/** The dashboards as the files hold them (Prettier-formatted JSON). */
export async function renderDashboards() {
  const config = (await prettier.resolveConfig(fileURLToPath(import.meta.url))) ?? {};
  const files = {};
  for (const [name, definition] of Object.entries(DASHBOARDS)) {
    files[`${name}.json`] = await prettier.format(JSON.stringify(definition), { ...config, parser: 'json' });
  }
  return files;
}

async function main() {
  for (const [file, text] of Object.entries(await renderDashboards())) {
    writeFileSync(new URL(`./dashboards/${file}`, import.meta.url), text);
    process.stdout.write(`wrote infra/grafana/dashboards/${file}\n`);
  }
}

// No top-level await: the tests load this module with require().
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((error) => {
    process.stderr.write(`${error.stack ?? error}\n`);
    process.exit(1);
  });
}
