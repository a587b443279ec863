import { ESLint } from 'eslint';
import { expect } from 'expect';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, it } from 'node:test';

// k6 is not installable here, so its scripts are checked statically: they must parse as ES modules, use only
// k6's globals and modules, resolve their local imports, and every scenario must end with the stock audit.
const k6Dir = join(__dirname, '..', 'k6');
const scripts = readdirSync(k6Dir).filter((name) => name.endsWith('.js'));
const libs = readdirSync(join(k6Dir, 'lib')).filter((name) => name.endsWith('.js'));
const K6_MODULES = new Set([
  'k6',
  'k6/http',
  'k6/metrics',
  'k6/execution',
  'k6/data',
  'k6/crypto',
  'k6/encoding',
]);

const k6Lint = new ESLint({
  overrideConfigFile: true,
  overrideConfig: [
    {
      files: ['**/*.js'],
      languageOptions: {
        ecmaVersion: 2022,
        sourceType: 'module',
        globals: { __ENV: 'readonly', __VU: 'readonly', __ITER: 'readonly', console: 'readonly' },
      },
      rules: {
        'no-undef': 'error',
        'no-unused-vars': 'error',
        'no-unreachable': 'error',
        'no-dupe-keys': 'error',
      },
    },
  ],
});

function importsOf(source: string): string[] {
  return [...source.matchAll(/^import .* from '([^']+)';$/gm)].map((match) => match[1]);
}

describe('k6 scripts', () => {
  it('covers the six spec scenarios and a smoke test', () => {
    expect(scripts.sort()).toEqual(
      [
        'cancel-reorder.js',
        'caching.js',
        'chaos-payment-failure.js',
        'concurrent-orders.js',
        'delay-injection.js',
        'inter-service.js',
        'smoke.js',
      ].sort(),
    );
  });

  for (const file of [...scripts, ...libs.map((name) => `lib/${name}`)]) {
    it(`${file} is a valid k6 module`, async () => {
      const path = join(k6Dir, file);
      const source = readFileSync(path, 'utf8');
      const [result] = await k6Lint.lintText(source, { filePath: path });
      expect(result.messages.map((m) => `${m.line}:${m.column} ${m.message}`)).toEqual([]);
      for (const specifier of importsOf(source)) {
        if (specifier.startsWith('.')) expect(existsSync(resolve(dirname(path), specifier))).toBe(true);
        else expect(K6_MODULES.has(specifier)).toBe(true);
      }
    });
  }

  for (const file of scripts) {
    it(`${file} has thresholds, a scenario tag, and fails on lost or oversold stock`, () => {
      const source = readFileSync(join(k6Dir, file), 'utf8');
      expect(source).toMatch(/export const options = \{/);
      expect(source).toMatch(/thresholds: \{/);
      expect(source).toMatch(/\.\.\.auditThresholds/);
      expect(source).toMatch(/export function teardown\(\) \{[\s\S]*checkStockAudit\(\);/);
      expect(source).toMatch(/tags: \{ scenario: '[a-z-]+' \}/);
      // Every exec function named in the scenarios exists.
      for (const [, exec] of source.matchAll(/exec: '([A-Za-z]+)'/g))
        expect(source).toContain(`export function ${exec}(`);
      if (!/exec: '/.test(source)) expect(source).toMatch(/export default function \(\)/);
    });
  }

  it('logs in once per VU, with a JSON or form body, and sends an Idempotency-Key', () => {
    const session = readFileSync(join(k6Dir, 'lib', 'session.js'), 'utf8');
    expect(session).toMatch(/if \(token\) return token;/);
    expect(session).toMatch(/LOGIN_FORMAT === 'form'/);
    // Each VU's password is random (or given), never a constant anyone could log in with.
    expect(session).toMatch(/const password =\s+__ENV\.USER_PASSWORD \|\| `k6-\$\{Math\.random\(\)/);
    expect(session).not.toMatch(/password[^\n]*= '[^']+'/);
    expect(readFileSync(join(k6Dir, 'lib', 'orders.js'), 'utf8')).toMatch(
      /'Idempotency-Key': idempotencyKey\(\)/,
    );
  });
});

describe('JMeter plan', () => {
  const path = join(__dirname, '..', 'jmeter', 'concurrent-orders.jmx');
  const xml = readFileSync(path, 'utf8');

  it('is well-formed XML', () => {
    expect(XMLValidator.validate(xml)).toBe(true);
  });

  it('is parameterised by host, port, threads and duration, and audits stock at the end', () => {
    const plan = new XMLParser({ ignoreAttributes: false }).parse(xml) as { jmeterTestPlan: unknown };
    expect(plan.jmeterTestPlan).toBeDefined();
    for (const property of ['host', 'port', 'threads', 'duration', 'menu_id'])
      expect(xml).toContain(`\${__P(${property},`);
    expect(xml).toContain('<stringProp name="ThreadGroup.num_threads">${threads}</stringProp>');
    expect(xml).toContain('<stringProp name="ThreadGroup.duration">${duration}</stringProp>');
    expect(xml).toContain('<stringProp name="Header.value">${__UUID()}</stringProp>');
    expect(xml).toContain('<stringProp name="HTTPSampler.path">/api/orders/audit</stringProp>');
    expect(xml).toContain('<stringProp name="JSON_PATH">$.ok</stringProp>');
  });

  it("signs each thread up with a random password, never a constant, and logs in with that thread's", () => {
    expect(xml).toContain(
      '"password": "${__RandomString(20,abcdefghijklmnopqrstuvwxyz0123456789,password)}"',
    );
    expect(xml).toMatch(
      /<stringProp name="Argument.name">password<\/stringProp>\s*<stringProp name="Argument.value">\$\{password\}</,
    );
    expect(xml).not.toMatch(/"password": "[^$]/);
  });
});
