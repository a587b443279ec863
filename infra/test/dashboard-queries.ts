/**
 * Every query of the provisioned dashboards, with the dashboard variables substituted the way Grafana 11.6 does on
 * a first page load ("All" selected), and the checks Loki applies to a LogQL selector before running it.
 */
import { parser as logqlParser } from '@grafana/lezer-logql';
import { parser as promqlParser } from '@prometheus-io/lezer-promql';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const DASHBOARDS_DIR = join(__dirname, '..', 'grafana', 'dashboards');

export interface DashboardQuery {
  dashboard: string;
  panel: string;
  language: 'promql' | 'logql' | 'traceql' | 'tempo';
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
}

interface DashboardJson {
  templating?: { list?: Variable[] };
  annotations?: { list?: Target[] };
  panels?: { title: string; datasource?: { type?: string }; targets?: Target[] }[];
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

export function dashboardQueries(): DashboardQuery[] {
  const queries: DashboardQuery[] = [];
  for (const { file, json } of readDashboards()) {
    const variables = json.templating?.list ?? [];
    const add = (
      panel: string,
      type: string | undefined,
      target: { expr?: string; query?: string; queryType?: string },
    ) => {
      if (type === 'prometheus' && target.expr) {
        queries.push({
          dashboard: file,
          panel,
          language: 'promql',
          raw: target.expr,
          expr: substituteAll(target.expr, variables),
        });
      } else if (type === 'loki' && target.expr) {
        queries.push({
          dashboard: file,
          panel,
          language: 'logql',
          raw: target.expr,
          expr: substituteAll(target.expr, variables),
        });
      } else if (type === 'tempo') {
        const raw = target.query ?? target.queryType ?? '';
        queries.push({
          dashboard: file,
          panel,
          language: target.queryType === 'traceql' ? 'traceql' : 'tempo',
          raw,
          expr: raw,
        });
      }
    };
    for (const annotation of json.annotations?.list ?? []) {
      if (annotation.expr)
        add(`annotation ${annotation.name ?? ''}`, annotation.datasource?.type, annotation);
    }
    for (const panel of json.panels ?? []) {
      for (const target of panel.targets ?? []) {
        add(panel.title, (target.datasource ?? panel.datasource)?.type, target);
      }
    }
  }
  return queries;
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

export interface LabelMatcher {
  label: string;
  op: '=' | '!=' | '=~' | '!~';
  value: string;
}

/** A LogQL string literal's value: "double quoted" with Go escapes, or `raw`. */
function unquote(literal: string): string {
  if (literal.startsWith('`')) return literal.slice(1, -1);
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
export function matchesEmpty({ op, value }: LabelMatcher): boolean {
  // Loki and Prometheus anchor label regexes (RE2); JavaScript's syntax agrees for the regexes used here.
  const regexMatches = () => new RegExp(`^(?:${value})$`).test('');
  switch (op) {
    case '=':
      return value === '';
    case '!=':
      return value !== '';
    case '=~':
      return regexMatches();
    case '!~':
      return !regexMatches();
  }
}

/**
 * Loki's rule for a stream selector (pkg/logql/syntax validateMatchers): "queries require at least one regexp or
 * equality matcher that does not have an empty-compatible value".
 */
export function lokiSelectorProblem(matchers: LabelMatcher[]): string | null {
  const selective = matchers.filter(
    (matcher) => (matcher.op === '=' || matcher.op === '=~') && !matchesEmpty(matcher),
  );
  return selective.length > 0
    ? null
    : 'queries require at least one regexp or equality matcher that does not have an empty-compatible value';
}
