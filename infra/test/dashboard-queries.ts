/**
 * Every query of the provisioned dashboards, with the dashboard variables substituted the way Grafana 11.6 does on
 * a first page load ("All" selected), and the checks Loki applies to a LogQL selector before running it.
 */
import { parser as logqlParser } from '@grafana/lezer-logql';
import { parser as traceqlParser } from '@grafana/lezer-traceql';
import { parser as promqlParser } from '@prometheus-io/lezer-promql';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const DASHBOARDS_DIR = join(__dirname, '..', 'grafana', 'dashboards');

export interface DashboardQuery {
  dashboard: string;
  panel: string;
  /**
   * `tempo-service-map`: the Tempo datasource's service map, which has no query text (Grafana runs its own PromQL
   * on Tempo's traces_service_graph_* series).
   */
  language: 'promql' | 'logql' | 'traceql' | 'tempo-service-map';
  /** As written in the dashboard. */
  raw: string;
  /** As Grafana sends it with every variable on "All". */
  expr: string;
}

interface Variable {
  name: string;
  includeAll?: boolean;
  allValue?: string;
  definition?: string;
  query?: { query?: string };
}

interface Target {
  datasource?: { type?: string };
  expr?: string;
  query?: string;
  queryType?: string;
  name?: string;
  builtIn?: number;
}

interface Panel {
  title: string;
  type?: string;
  datasource?: { type?: string };
  targets?: Target[];
  /** A collapsed row keeps its panels here. */
  panels?: Panel[];
}

interface DashboardJson {
  templating?: { list?: Variable[] };
  annotations?: { list?: Target[] };
  panels?: Panel[];
}

function readDashboards(): { file: string; json: DashboardJson }[] {
  return readdirSync(DASHBOARDS_DIR)
    .filter((name) => name.endsWith('.json'))
    .map((file) => ({
      file,
      json: JSON.parse(readFileSync(join(DASHBOARDS_DIR, file), 'utf8')) as DashboardJson,
    }));
}

/**
 * Grafana's interval macros, at a 15 s scrape interval (the Prometheus datasource's timeInterval) and a one-hour
 * dashboard: $__rate_interval is max(4 × scrape interval, $__interval + scrape interval).
 */
const MACROS: Record<string, string> = {
  __rate_interval: '1m',
  __interval: '15s',
  __range: '1h',
  __auto: '15s',
};

/**
 * Substitutes `$name` / `${name}` like Grafana's template service for "All": a custom `allValue` goes in as it
 * is (no escaping), without one Grafana writes the regex of every value (not needed: every variable here has one).
 */
export function substituteAll(expr: string, variables: Variable[]): string {
  return expr.replace(/\$\{(\w+)(?::\w+)?\}|\$(\w+)/g, (match, braced: string, bare: string) => {
    const name = braced ?? bare;
    if (name in MACROS) return MACROS[name];
    const variable = variables.find((candidate) => candidate.name === name);
    if (!variable) return match;
    if (!variable.includeAll || variable.allValue === undefined) {
      throw new Error(`variable $${name} has no custom All value: Grafana would substitute all its values`);
    }
    return variable.allValue;
  });
}

/**
 * Every query of every dashboard: each panel's targets (panels of collapsed rows included) and each annotation
 * other than Grafana's built-in one. A target this cannot classify (another datasource type, a query without
 * its text) is an error, never skipped: the tests below must see every query.
 */
export function dashboardQueries(): DashboardQuery[] {
  const queries: DashboardQuery[] = [];
  for (const { file, json } of readDashboards()) {
    const variables = json.templating?.list ?? [];
    const add = (panel: string, type: string | undefined, target: Target) => {
      const where = `${file} / ${panel}`;
      const text = (value: string | undefined, field: string) => {
        if (!value?.trim()) throw new Error(`${where}: a ${type} query without its ${field}`);
        return value;
      };
      if (type === 'prometheus' || type === 'loki') {
        const raw = text(target.expr, 'expr');
        queries.push({
          dashboard: file,
          panel,
          language: type === 'prometheus' ? 'promql' : 'logql',
          raw,
          expr: substituteAll(raw, variables),
        });
      } else if (type === 'tempo' && target.queryType === 'traceql') {
        const raw = text(target.query, 'query');
        queries.push({
          dashboard: file,
          panel,
          language: 'traceql',
          raw,
          expr: substituteAll(raw, variables),
        });
      } else if (type === 'tempo' && target.queryType === 'serviceMap') {
        queries.push({ dashboard: file, panel, language: 'tempo-service-map', raw: '', expr: '' });
      } else {
        throw new Error(`${where}: a query of an unknown kind (${type} ${target.queryType ?? ''})`);
      }
    };
    for (const annotation of json.annotations?.list ?? []) {
      // Grafana's own "Annotations & Alerts" reads Grafana's annotation store: no query.
      if (annotation.builtIn === 1 && annotation.datasource?.type === 'grafana') continue;
      add(`annotation ${annotation.name ?? ''}`, annotation.datasource?.type, annotation);
    }
    const visit = (panel: Panel) => {
      for (const target of panel.targets ?? []) {
        add(panel.title, (target.datasource ?? panel.datasource)?.type, target);
      }
      for (const child of panel.panels ?? []) visit(child);
    };
    for (const panel of json.panels ?? []) visit(panel);
  }
  return queries;
}

/**
 * How many queries the dashboards hold, counted on the raw JSON (every element of every `targets` array at any
 * depth, every annotation but Grafana's built-in one): dashboardQueries() must return exactly as many.
 */
export function countQueriesInJson(): number {
  let count = 0;
  for (const { json } of readDashboards()) {
    JSON.stringify(json, (key, value: unknown) => {
      if (key === 'targets' && Array.isArray(value)) count += value.length;
      return value;
    });
    count += (json.annotations?.list ?? []).filter((annotation) => annotation.builtIn !== 1).length;
  }
  return count;
}

/** The selectors of the dashboards' query variables (`label_values(<selector>, label)`), "All" substituted. */
export function variableSelectors(): {
  dashboard: string;
  variable: string;
  selector: string;
  label: string;
}[] {
  const found: { dashboard: string; variable: string; selector: string; label: string }[] = [];
  for (const { file, json } of readDashboards()) {
    const variables = json.templating?.list ?? [];
    for (const variable of variables) {
      const query: string = variable.query?.query ?? variable.definition ?? '';
      const match = /^label_values\((.+),\s*(\w+)\)$/.exec(query);
      if (!match)
        throw new Error(`${file}: variable ${variable.name} is not a label_values() query: ${query}`);
      found.push({
        dashboard: file,
        variable: variable.name,
        selector: substituteAll(match[1], variables),
        label: match[2],
      });
    }
  }
  return found;
}

/** Texts of the parse errors of a lezer tree (empty when the grammar accepts the whole text). */
function syntaxErrors(tree: ReturnType<typeof promqlParser.parse>, text: string): string[] {
  const errors: string[] = [];
  tree.iterate({
    enter(node) {
      if (node.type.isError)
        errors.push(`at ${node.from}: "${text.slice(Math.max(0, node.from - 10), node.to + 10)}"`);
    },
  });
  return errors;
}

export const promqlSyntaxErrors = (expr: string) => syntaxErrors(promqlParser.parse(expr), expr);
export const logqlSyntaxErrors = (expr: string) => syntaxErrors(logqlParser.parse(expr), expr);
export const traceqlSyntaxErrors = (expr: string) => syntaxErrors(traceqlParser.parse(expr), expr);

export interface LabelMatcher {
  label: string;
  op: '=' | '!=' | '=~' | '!~';
  value: string;
}

/** A LogQL or PromQL string literal's value: "double quoted" with Go escapes, 'single quoted', or `raw`. */
function unquote(literal: string): string {
  if (literal.startsWith('`')) return literal.slice(1, -1);
  if (literal.startsWith("'")) {
    return JSON.parse(`"${literal.slice(1, -1).replace(/\\'/g, "'").replace(/"/g, '\\"')}"`) as string;
  }
  return JSON.parse(literal) as string;
}

/** The matchers of every stream selector `{...}` of a LogQL query (not the label filters of its pipeline). */
export function logqlSelectors(expr: string): LabelMatcher[][] {
  const tree = logqlParser.parse(expr);
  const selectors: LabelMatcher[][] = [];
  tree.iterate({
    enter(node) {
      if (node.name !== 'Selector') return;
      const matchers: LabelMatcher[] = [];
      const cursor = node.node.cursor();
      cursor.iterate((inner) => {
        if (inner.name !== 'Matcher') return;
        const parts = inner.node;
        const label = parts.getChild('Identifier');
        const value = parts.getChild('String');
        const op =
          parts.getChild('Eq') ?? parts.getChild('Neq') ?? parts.getChild('Re') ?? parts.getChild('Nre');
        if (!label || !value || !op) throw new Error(`unexpected matcher in ${expr}`);
        matchers.push({
          label: expr.slice(label.from, label.to),
          op: expr.slice(op.from, op.to) as LabelMatcher['op'],
          value: unquote(expr.slice(value.from, value.to)),
        });
        return false;
      });
      selectors.push(matchers);
      return false;
    },
  });
  return selectors;
}

/** Whether a matcher accepts a missing label (the empty string), as Prometheus' labels.Matcher.Matches(""). */
export function matchesEmpty(matcher: LabelMatcher): boolean {
  return matcherAccepts(matcher, '');
}

/**
 * Loki's rule for a stream selector (pkg/logql/syntax validateMatchers): util.SplitFiltersAndMatchers sets aside
 * every matcher that accepts the empty string, and the query is refused when none is left: "queries require at
 * least one regexp or equality matcher that does not have an empty-compatible value".
 */
export function lokiSelectorProblem(matchers: LabelMatcher[]): string | null {
  const selective = matchers.filter((matcher) => !matchesEmpty(matcher));
  return selective.length > 0
    ? null
    : 'queries require at least one regexp or equality matcher that does not have an empty-compatible value';
}

/** Whether a label's value (the empty string for a missing label) satisfies a matcher, as Prometheus decides. */
export function matcherAccepts({ op, value }: LabelMatcher, labelValue: string): boolean {
  // Prometheus anchors label regexes (RE2); JavaScript's syntax agrees for the regexes used here.
  const regexMatches = () => new RegExp(`^(?:${value})$`).test(labelValue);
  switch (op) {
    case '=':
      return labelValue === value;
    case '!=':
      return labelValue !== value;
    case '=~':
      return regexMatches();
    case '!~':
      return !regexMatches();
  }
}

/** The vector selectors of a PromQL query (Prometheus' grammar): metric name and label matchers of each. */
export function promqlSelectors(expr: string): { metric: string; matchers: LabelMatcher[] }[] {
  const tree = promqlParser.parse(expr);
  const selectors: { metric: string; matchers: LabelMatcher[] }[] = [];
  tree.iterate({
    enter(node) {
      if (node.name !== 'VectorSelector') return;
      const identifier = node.node.getChild('Identifier');
      const matchers: LabelMatcher[] = [];
      const cursor = node.node.cursor();
      cursor.iterate((inner) => {
        if (inner.name !== 'UnquotedLabelMatcher') return;
        const parts = inner.node;
        const label = parts.getChild('LabelName');
        const op = parts.getChild('MatchOp');
        const value = parts.getChild('StringLiteral');
        if (!label || !op || !value) throw new Error(`unexpected matcher in ${expr}`);
        matchers.push({
          label: expr.slice(label.from, label.to),
          op: expr.slice(op.from, op.to) as LabelMatcher['op'],
          value: unquote(expr.slice(value.from, value.to)),
        });
        return false;
      });
      if (!identifier) throw new Error(`a selector without a metric name in ${expr}`);
      selectors.push({ metric: expr.slice(identifier.from, identifier.to), matchers });
      return false;
    },
  });
  return selectors;
}
