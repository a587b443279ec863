// The console in a real Chromium (playwright-core, Debian's /usr/bin/chromium) against the three services as
// real processes: a delay set on the user service through its generated form shows in GET /chaos and lifts the
// order service's p99 on the live chart while orders flow; reset removes it; no console errors; the page fits a
// phone's width; the screenshot is written to console/test-results/ (and to docs/console.png with
// UPDATE_SCREENSHOT=1). Then the access rule from another address (a network namespace) and the input checks.
import {
  createRemotePeer,
  createTestStack,
  remotePeerUnavailable,
  request,
  startServiceProcess,
  startTrafficProcess,
  waitFor,
  type RemotePeer,
  type ServiceProcess,
  type TestStack,
  type TrafficProcess,
} from '@food-delivery/testing';
import { expect } from 'expect';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { randomBytes, randomUUID } from 'node:crypto';
import { get } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ROOT, startConsoleProcess, type ConsoleProcess, type GeneratorState } from './console-process';

const DELAY_MS = 400;
const MENU = 1;
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

describe('chaos console in a browser, against real services', () => {
  let stack: TestStack;
  let user: ServiceProcess;
  let restaurant: ServiceProcess;
  let order: ServiceProcess;
  let consoleApp: ConsoleProcess;
  let resultsDir: string | undefined;
  let traffic: TrafficProcess<GeneratorState>;
  let browser: Browser;
  let page: Page;
  let token: string;
  const chaosKey = randomBytes(18).toString('base64url');
  const pageErrors: string[] = [];
  let ordering = false;
  let orderLoop: Promise<void> | null = null;

  const userFaults = async () =>
    (await request<{ faults: Array<{ type: string; delay_ms?: number }> }>(`${user.url}/chaos`)).body
      .faults ?? [];

  /** The newest value of a chart line, as the page shows it (data-value of the legend). */
  const chartValue = async (chart: string, line: string): Promise<number | null> => {
    const value = await page
      .locator(`[data-chart="${chart}"] .legend[data-line="${line}"]`)
      .getAttribute('data-value', { timeout: 1000 })
      .catch(() => null);
    return value ? Number(value) : null;
  };

  /** Orders, two at a time, while `ordering` is on: what the order chart measures. */
  function startOrders(): void {
    ordering = true;
    const worker = async () => {
      while (ordering) {
        await request(`${order.url}/orders`, {
          body: { items: [{ menu_id: MENU, quantity: 1 }], address: 'Seoul', phone: '010-1234-5678' },
          headers: { authorization: `Bearer ${token}`, 'idempotency-key': randomUUID() },
        }).catch(() => undefined);
        await new Promise((done) => setTimeout(done, 50));
      }
    };
    orderLoop = Promise.all([worker(), worker()]).then(() => undefined);
  }

  before(async () => {
    stack = await createTestStack('console');
    user = await startServiceProcess('user', { ...stack.baseEnv, INSTANCE_ID: 'user-1' });
    const jwks = { JWKS_URL: `${user.url}/.well-known/jwks.json` };
    restaurant = await startServiceProcess('restaurant', {
      ...stack.baseEnv,
      ...jwks,
      INSTANCE_ID: 'restaurant-1',
    });
    order = await startServiceProcess('order', {
      ...stack.baseEnv,
      ...jwks,
      INSTANCE_ID: 'order-1',
      USER_SERVICE_URL: user.url,
      RESTAURANT_SERVICE_URL: restaurant.url,
    });
    const reset = await request(`${restaurant.url}/admin/stock/reset`, {
      body: { stock: 100_000, menu_ids: [MENU] },
    });
    expect(reset.status).toBe(200);
    const login = await request<{ access_token: string }>(`${user.url}/login`, {
      body: { username: 'user', password: 'pass' },
    });
    expect(login.status).toBe(200);
    token = login.body.access_token;
    // The generator paused (rate 0): the test steers it through the console.
    traffic = await startTrafficProcess<GeneratorState>({
      USER_SERVICE_URL: user.url,
      RESTAURANT_SERVICE_URL: restaurant.url,
      ORDER_SERVICE_URL: order.url,
      TRAFFIC_RATE: '0',
      TRAFFIC_MENUS: String(MENU),
      LOG_LEVEL: 'warn',
      OTEL_SDK_DISABLED: 'true',
    });
    // One experiment run, as the runner writes it (summary.json and a report), in a results folder of its own.
    resultsDir = mkdtempSync(join(tmpdir(), 'fd-console-results-'));
    const run = join(resultsDir, 'shipping-sample');
    mkdirSync(run);
    writeFileSync(
      join(run, 'summary.json'),
      JSON.stringify({
        experiment: { name: 'shipping-sample' },
        verdict: { status: 'passed', passed: true, reasons: [] },
        run: { startedAt: '2026-12-07T04:00:00.000Z', endedAt: '2026-12-07T04:01:00.000Z' },
      }),
    );
    writeFileSync(join(run, 'report.html'), '<!doctype html><title>shipping-sample</title><p>PASSED</p>');
    consoleApp = await startConsoleProcess({
      // Every address, so that the access test can call it from another one; the browser uses loopback.
      CONSOLE_HOST: '0.0.0.0',
      USER_SERVICE_URL: user.url,
      RESTAURANT_SERVICE_URL: restaurant.url,
      ORDER_SERVICE_URL: order.url,
      LAUNCHER_URL: 'off',
      TRAFFIC_URL: traffic.url,
      CHAOS_API_KEY: chaosKey,
      RESULTS_DIR: resultsDir,
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') pageErrors.push(message.text());
    });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    startOrders();
  });

  after(async () => {
    ordering = false;
    await orderLoop;
    await browser?.close();
    await consoleApp?.stop();
    await traffic?.stop();
    await Promise.allSettled([order?.stop(), restaurant?.stop(), user?.stop()]);
    await stack?.teardown();
    if (resultsDir) rmSync(resultsDir, { recursive: true, force: true });
  });

  it('shows every service, live and ready, and the live charts fill from /metrics', async () => {
    await page.goto(consoleApp.url);
    await page.getByRole('status').filter({ hasText: 'Connected.' }).waitFor({ timeout: 20_000 });
    const services = page.getByRole('region', { name: 'Services and instances' });
    for (const name of ['user-service', 'restaurant-service', 'order-service'])
      await services
        .getByRole('row', { name: new RegExp(name) })
        .getByText('ready', { exact: true })
        .waitFor({ timeout: 20_000 });
    // The orders flowing since before(): the order service's latency chart has a p99.
    // The baseline the fault is measured against: a step whose order p99 is below the delay about to be set.
    await waitFor(
      `an order p99 below ${DELAY_MS} ms on the chart`,
      async () => {
        const p99 = await chartValue('order-service/latency', 'p99');
        return p99 !== null && p99 < DELAY_MS;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    await page.locator('#outcomes table').getByText('confirmed').first().waitFor({ timeout: 20_000 });
    await page.getByRole('table').filter({ hasText: 'shipping-sample' }).waitFor({ timeout: 5000 });
  });

  it('sets a delay on the user service through its form: checked bounds, GET /chaos, a rising order p99', async () => {
    const card = page.locator('.fault-card[data-service="user-service"]');
    const knob = card.locator('details[data-knob="delay"]');
    await knob.locator('summary').focus();
    await page.keyboard.press('Enter');
    const delay = knob.getByLabel('delay_ms (required)');
    // Out of bounds: refused by the form, nothing sent.
    await delay.fill('70000');
    await delay.press('Enter');
    await knob.getByRole('alert').getByText('delay_ms must be at most 60000').waitFor();
    expect(await delay.getAttribute('aria-invalid')).toBe('true');
    expect(await userFaults()).toEqual([]);

    // With the keyboard: type the value, Enter submits.
    await delay.fill(String(DELAY_MS));
    await knob.getByLabel('ttl_s').fill('600');
    await delay.press('Enter');
    await page.getByRole('status').filter({ hasText: `delay on user-service: done` }).waitFor();
    const faults = await userFaults();
    expect(faults).toEqual([expect.objectContaining({ type: 'delay', delay_ms: DELAY_MS })]);
    await card
      .getByRole('region', { name: 'Active faults of user-service' })
      .getByText(`delay_ms=${DELAY_MS}`)
      .waitFor();
    // Each order waits for the user service's /validate: the delay is the floor of every order's latency.
    // Every order waits at least that long now: the p99 passes the delay, and so does the median (interpolated
    // inside the histogram's 250-500 ms bucket, hence the 250 ms floor).
    const latency = await waitFor(
      `the order p99 on the chart to pass ${DELAY_MS} ms and the p50 250 ms`,
      async () => {
        const [p50, p99] = [
          await chartValue('order-service/latency', 'p50'),
          await chartValue('order-service/latency', 'p99'),
        ];
        return p50 !== null && p99 !== null && p99 >= DELAY_MS && p50 >= 250 ? { p50, p99 } : null;
      },
      { timeoutMs: 40_000, intervalMs: 500 },
    );
    expect(latency.p99).toBeGreaterThanOrEqual(DELAY_MS);

    const dir = join(ROOT, 'console', 'test-results');
    mkdirSync(dir, { recursive: true });
    await page.screenshot({ path: join(dir, 'console.png'), fullPage: true });
    if (process.env.UPDATE_SCREENSHOT === '1')
      copyFileSync(join(dir, 'console.png'), join(ROOT, 'docs', 'console.png'));
  });

  it('resets the user service: the fault is gone from GET /chaos and from the page', async () => {
    const card = page.locator('.fault-card[data-service="user-service"]');
    // With the keyboard (the live panels above keep moving while orders flow; focus does not).
    await card.getByRole('button', { name: 'Reset user-service' }).focus();
    await page.keyboard.press('Enter');
    await page
      .getByRole('status')
      .filter({ hasText: 'reset user-service: done' })
      .waitFor({ timeout: 10_000 })
      .catch(async (error: Error) => {
        throw new Error(`${error.message}; status: ${await page.getByRole('status').textContent()}`);
      });
    expect(await userFaults()).toEqual([]);
    await card.getByText('No active faults.').waitFor();
  });

  it('has a form for every knob of every service, as GET /chaos lists them', async () => {
    for (const service of [user, restaurant, order]) {
      const view = await request<{ service: string; knobs: string[] }>(`${service.url}/chaos`);
      const forms = await page
        .locator(`.fault-card[data-service="${view.body.service}"] details[data-knob]`)
        .evaluateAll((elements) =>
          elements.map((element) => (element as unknown as { dataset: { knob: string } }).dataset.knob),
        );
      expect([view.body.service, forms]).toEqual([view.body.service, view.body.knobs]);
    }
  });

  it('steers the traffic generator: rate (bounded in the form), mix, start and pause', async () => {
    const panel = page.locator('#traffic');
    await panel.getByText('Paused at 0 journeys/s').waitFor({ timeout: 10_000 });
    const rate = panel.getByLabel(/^Rate/);
    await rate.fill('500');
    await rate.press('Enter');
    expect(
      await rate.evaluate((input) => (input as unknown as { validity: { valid: boolean } }).validity.valid),
    ).toBe(false);
    expect((await traffic.state()).rate).toBe(0);
    await rate.fill('2');
    await rate.press('Enter');
    await page.getByRole('status').filter({ hasText: 'traffic rate: done' }).waitFor();
    expect((await traffic.state()).rate).toBe(2);

    const browse = panel.getByLabel('browse', { exact: true });
    await browse.fill('7');
    await browse.press('Enter');
    await page.getByRole('status').filter({ hasText: 'traffic mix: done' }).waitFor();
    expect((await traffic.state()).mix.browse).toBe(7);

    await panel.getByRole('button', { name: 'Start traffic' }).focus();
    await page.keyboard.press('Enter');
    await waitFor('the generator to run', async () => (await traffic.state()).running);
    await panel.getByText('Running at 2 journeys/s').waitFor({ timeout: 10_000 });
    await panel.getByRole('button', { name: 'Pause traffic' }).focus();
    await page.keyboard.press('Enter');
    await waitFor('the generator to pause', async () => !(await traffic.state()).running);
  });

  it('fits a phone: no sideways scrolling of the page at 390 px', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(300);
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('logged no console error or warning', () => {
    expect(pageErrors).toEqual([]);
  });

  it('checks what it forwards, and refuses writes from another origin', async () => {
    const tooLong = await request(`${consoleApp.url}/api/chaos/user-service/delay`, {
      body: { delay_ms: 60_001 },
    });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body).toMatchObject({
      statusCode: 400,
      code: 'VALIDATION_FAILED',
      message: 'delay_ms must be at most 60000',
    });
    const unknown = await request(`${consoleApp.url}/api/chaos/user-service/delay`, {
      body: { delay_ms: 5, hack: 1 },
    });
    expect(unknown.status).toBe(400);
    expect(
      (await request(`${consoleApp.url}/api/chaos/nobody/delay`, { body: { delay_ms: 5 } })).status,
    ).toBe(404);
    const crossSite = await request(`${consoleApp.url}/api/chaos/user-service/delay`, {
      body: { delay_ms: 5 },
      headers: { origin: 'http://attacker.example' },
    });
    expect(crossSite.status).toBe(403);
    const form = await request(`${consoleApp.url}/api/chaos/user-service`, {
      method: 'DELETE',
      headers: { origin: 'http://attacker.example' },
    });
    expect(form.status).toBe(403);
    expect(await userFaults()).toEqual([]);
    expect((await request(`${consoleApp.url}/results/..%2F..%2Fpackage.json/report.html`)).status).toBe(404);
    // From loopback but under another name (DNS rebinding): refused, reads included.
    const rebound = await new Promise<number>((done, fail) =>
      get(
        {
          host: '127.0.0.1',
          port: consoleApp.port,
          path: '/api/chaos',
          headers: { host: `attacker.example:${consoleApp.port}` },
        },
        (response) => {
          response.resume();
          done(response.statusCode ?? 0);
        },
      ).on('error', fail),
    );
    expect(rebound).toBe(403);
  });

  it(
    'from another address: refused without the chaos key, let in with it',
    { skip: remotePeerUnavailable() ?? false },
    async () => {
      const peer: RemotePeer = await createRemotePeer();
      try {
        const base = `http://${peer.hostAddress}:${consoleApp.port}`;
        const without = await peer.request(`${base}/api/chaos`);
        expect(without.status).toBe(401);
        expect(without.body).toMatchObject({ code: 'CHAOS_KEY_REQUIRED' });
        const wrong = await peer.request(`${base}/api/chaos/user-service`, {
          method: 'DELETE',
          headers: { 'x-chaos-key': 'wrong-key-123' },
        });
        expect(wrong.status).toBe(401);
        expect(wrong.body).toMatchObject({ code: 'CHAOS_KEY_INVALID' });
        const set = await peer.request(`${base}/api/chaos/user-service/delay`, { body: { delay_ms: 5 } });
        expect(set.status).toBe(401);
        expect(await userFaults()).toEqual([]);
        const results = await peer.request(`${base}/results/shipping-sample/report.html`);
        expect(results.status).toBe(401);
        const withKey = await peer.request(`${base}/api/chaos`, { headers: { 'x-chaos-key': chaosKey } });
        expect(withKey.status).toBe(200);
        expect(Object.keys(withKey.body as object)).toEqual([
          'user-service',
          'restaurant-service',
          'order-service',
        ]);
      } finally {
        await peer.remove();
      }
    },
  );
});
