// Every dashboard query as Grafana sends it on a first page load (every variable on "All"): the PromQL parses with
// Prometheus' own grammar, the LogQL and TraceQL with Grafana's, and each LogQL stream selector passes Loki's
// empty-matcher rule. No query is skipped: their number is checked against a count on the raw JSON.
import { expect } from 'expect';
import { load } from 'js-yaml';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  countQueriesInJson,
  dashboardQueries,
  logqlSelectors,
  logqlSyntaxErrors,
  lokiSelectorProblem,
  promqlSyntaxErrors,
  substituteAll,
  traceqlSyntaxErrors,
  variableSelectors,
} from './dashboard-queries';

const queries = dashboardQueries();
const named = (query: { dashboard: string; panel: string; expr: string }) =>
  `${query.dashboard} / ${query.panel}: ${query.expr}`;

describe('dashboard queries, as Grafana sends them with "All" selected', () => {
  it('finds every query of all five dashboards, and no variable is left unsubstituted', () => {
    expect(new Set(queries.map((query) => query.dashboard)).size).toBe(5);
    // Every target and annotation of the JSON, none skipped (an unknown kind of query throws).
    expect(queries.length).toBe(countQueriesInJson());
    const count = (language: string) => queries.filter((query) => query.language === language).length;
    expect(count('promql')).toBeGreaterThan(50);
    expect([count('logql'), count('traceql'), count('tempo-service-map')]).toEqual([3, 1, 1]);
    expect(count('promql') + count('logql') + count('traceql') + count('tempo-service-map')).toBe(
      queries.length,
    );
    for (const query of queries) expect([named(query), /\$/.test(query.expr)]).toEqual([named(query), false]);
  });

  it('substitutes a custom All value verbatim, as Grafana does', () => {
    const variables = [{ name: 'service', includeAll: true, allValue: '.+' }];
    expect(substituteAll('{service_name=~"$service"} [$__rate_interval]', variables)).toBe(
      '{service_name=~".+"} [1m]',
    );
    expect(substituteAll('x{a=~"${service}"}', variables)).toBe('x{a=~".+"}');
  });

  it('every PromQL query parses with the Prometheus grammar (@prometheus-io/lezer-promql)', () => {
    for (const query of queries.filter((candidate) => candidate.language === 'promql')) {
      expect([named(query), promqlSyntaxErrors(query.expr)]).toEqual([named(query), []]);
    }
    for (const { dashboard, variable, selector } of variableSelectors()) {
      expect([dashboard, variable, promqlSyntaxErrors(selector)]).toEqual([dashboard, variable, []]);
    }
  });

  it('every LogQL query parses with Grafana’s LogQL grammar (@grafana/lezer-logql)', () => {
    for (const query of queries.filter((candidate) => candidate.language === 'logql')) {
      expect([named(query), logqlSyntaxErrors(query.expr)]).toEqual([named(query), []]);
    }
  });

  it('every TraceQL query parses with Grafana’s TraceQL grammar (@grafana/lezer-traceql)', () => {
    for (const query of queries.filter((candidate) => candidate.language === 'traceql')) {
      expect([named(query), traceqlSyntaxErrors(query.expr)]).toEqual([named(query), []]);
    }
  });

  it('every LogQL stream selector has a matcher that does not accept the empty string (Loki’s rule)', () => {
    for (const query of queries.filter((candidate) => candidate.language === 'logql')) {
      const selectors = logqlSelectors(query.expr);
      expect([named(query), selectors.length > 0]).toEqual([named(query), true]);
      for (const matchers of selectors) {
        expect([named(query), lokiSelectorProblem(matchers)]).toEqual([named(query), null]);
      }
    }
  });

  it('the checks catch what Loki and the grammars refuse (the old `.*` All value among them)', () => {
    expect(
      lokiSelectorProblem(logqlSelectors('{service_name=~".*"} | json | level=~"warn|error"')[0]),
    ).toMatch(/empty-compatible/);
    expect(lokiSelectorProblem(logqlSelectors('{a=~".*", b!="x"}')[0])).not.toBeNull();
    expect(lokiSelectorProblem(logqlSelectors('{a=""}')[0])).not.toBeNull();
    expect(lokiSelectorProblem(logqlSelectors('{a=~"x|"}')[0])).not.toBeNull();
    expect(lokiSelectorProblem(logqlSelectors('{a=~".+"} |= "x"')[0])).toBeNull();
    expect(lokiSelectorProblem(logqlSelectors('{a="order-service", b=~".*"}')[0])).toBeNull();
    // Loki counts any matcher that refuses the empty string, a negative one too.
    expect(lokiSelectorProblem(logqlSelectors('{a!=""}')[0])).toBeNull();
    expect(lokiSelectorProblem(logqlSelectors('{a!~".*"}')[0])).toBeNull();
    expect(lokiSelectorProblem(logqlSelectors('{a!~"x"}')[0])).not.toBeNull();
    // A label filter in the pipeline is not a stream selector.
    expect(logqlSelectors('{a="x"} | json | level=~".*"')).toEqual([[{ label: 'a', op: '=', value: 'x' }]]);
    expect(logqlSyntaxErrors('{service_name=~".+"} | json | level=~')).not.toEqual([]);
    expect(promqlSyntaxErrors('sum by (service (rate(x[1m]))')).not.toEqual([]);
    expect(promqlSyntaxErrors('rate(x[$__rate_interval])')).not.toEqual([]);
    expect(traceqlSyntaxErrors('{ name =~ "inventory.*" && span.x > } | select(span.x)')).not.toEqual([]);
    expect(traceqlSyntaxErrors('{ name =~ "inventory.*" && span.x > 10 } | select(span.x)')).toEqual([]);
  });

  it('the links of the datasources (trace → logs, trace → metrics) send queries the grammars and Loki accept', () => {
    interface Datasource {
      uid: string;
      jsonData: {
        tracesToLogsV2: { query: string; tags: { value: string }[] };
        tracesToMetrics: { queries: { name: string; query: string }[]; tags: { value: string }[] };
      };
    }
    const file = join(__dirname, '..', 'grafana', 'provisioning', 'datasources', 'datasources.yaml');
    const { datasources } = load(readFileSync(file, 'utf8')) as { datasources: Datasource[] };
    const tempo = datasources.find((datasource) => datasource.uid === 'tempo')!.jsonData;
    // Grafana expands "$$" to "$" when it provisions the file, then fills ${__tags} with the span's tags
    // (`label="value"`, comma-separated) and ${__trace.traceId} with the trace id.
    const fill = (query: string, tags: { value: string }[]) =>
      query
        .replace(/\$\$/g, '$')
        .replace(/\$\{__tags\}|\$__tags/g, tags.map((tag) => `${tag.value}="order-service"`).join(','))
        .replace(/\$\{__trace\.traceId\}/g, '4bf92f3577b34da6a3ce929d0e0e4736');
    const logs = fill(tempo.tracesToLogsV2.query, tempo.tracesToLogsV2.tags);
    expect(logs).toBe('{service_name="order-service"} |= "4bf92f3577b34da6a3ce929d0e0e4736"');
    expect(logqlSyntaxErrors(logs)).toEqual([]);
    for (const matchers of logqlSelectors(logs)) expect(lokiSelectorProblem(matchers)).toBeNull();
    expect(tempo.tracesToMetrics.queries.length).toBeGreaterThan(0);
    for (const { name, query } of tempo.tracesToMetrics.queries) {
      const expr = fill(query, tempo.tracesToMetrics.tags);
      expect([name, expr.includes('$'), promqlSyntaxErrors(expr)]).toEqual([name, false, []]);
    }
  });
});
