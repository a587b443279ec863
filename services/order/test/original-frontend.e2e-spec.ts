import { expect } from 'expect';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startOrderKit, type OrderKit } from './support';

const PAGE = readFileSync(join(__dirname, 'original-client.html'));
const PASSWORD = 'password123';

/**
 * The original frontend's small express proxy, reduced to what the browser needs: the page, and /api/<service>/*
 * passed through to that service unchanged (method, headers, body bytes), so what reaches the services is exactly
 * what Chromium sent.
 */
function startProxy(upstreams: Record<string, string>): Promise<Server> {
  const server = createServer((req, res) => {
    const match = /^\/api\/(user|restaurant|order)(\/.*)$/.exec(req.url ?? '');
    if (!match) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE);
      return;
    }
    const target = new URL(match[2], upstreams[match[1]]);
    const headers = { ...req.headers, host: target.host };
    const upstream = httpRequest(target, { method: req.method, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** Chromium (Debian's, installed by npm test's preflight) driving a page that uses the original frontend's requests. */
describe("the original frontend's request patterns, in Chromium, against the real services", () => {
  let kit: OrderKit;
  let proxy: Server;
  let browser: Browser;
  let page: Page;
  let base: string;

  before(async () => {
    kit = await startOrderKit('original_frontend');
    proxy = await startProxy({ user: kit.user.url, restaurant: kit.restaurant.url, order: kit.orderUrl });
    base = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    // Debian's chromium, which npm test's preflight installs (scripts/preflight.mjs); CHROMIUM_PATH overrides.
    const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
    if (!existsSync(executablePath))
      throw new Error(`${executablePath} is missing: npm test installs chromium`);
    browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
    page = await browser.newPage();
    await page.goto(base);
  });

  after(async () => {
    await browser?.close();
    await new Promise((resolve) => proxy?.close(resolve));
    await kit?.close();
  });

  it('signs up, logs in with FormData, and keeps the session across page loads (bodiless validate)', async () => {
    await page.evaluate(([name, password]) => (globalThis as any).signup(name, password), ['kim', PASSWORD]);
    // A second sign-up is refused with the reason, read from `detail`.
    const duplicate = await page.evaluate(
      ([name, password]) => (globalThis as any).signup(name, password).catch((error: Error) => error.message),
      ['kim', PASSWORD],
    );
    expect(duplicate).not.toMatch(/^HTTP \d+/);
    expect(duplicate).toMatch(/taken|exists|registered/i);

    const login = await page.evaluate(
      ([name, password]) => (globalThis as any).login(name, password),
      ['kim', PASSWORD],
    );
    expect(login.access_token).toEqual(expect.any(String));
    await page.reload();
    const user = await page.evaluate(() => (globalThis as any).restoreSession());
    expect(user).toMatchObject({ valid: true, username: 'kim', user_id: expect.any(Number) });
    expect(await page.textContent('#who')).toBe('안녕하세요, kim님!');
    expect(await page.evaluate(() => (globalThis as any).localStorage.getItem('authToken'))).toBe(
      login.access_token,
    );
  });

  it('shows each menu with its inventory and orders only what is available', async () => {
    await kit.resetStock(0, [2]);
    await kit.resetStock(50, [1]);
    const menus = await page.evaluate(() => (globalThis as any).loadMenus());
    expect(menus.length).toBeGreaterThan(0);
    const text = (await page.textContent('#menus')) ?? '';
    expect(text).not.toMatch(/undefined/);
    expect(await page.textContent('li[data-menu-id="1"]')).toMatch(/재고: 50개/);
    expect(await page.isDisabled('li[data-menu-id="1"] button')).toBe(false);
    expect(await page.textContent('li[data-menu-id="2"]')).toMatch(/재고: 0개 · 품절/);
    expect(await page.isDisabled('li[data-menu-id="2"] button')).toBe(true);
  });

  it('orders, reads total_price and payment_status, cancels with a bodiless POST, and sees why a second cancel fails', async () => {
    const placed = await page.evaluate(() => (globalThis as any).order(1, 2));
    expect(placed).toMatchObject({
      status: 'CONFIRMED',
      payment_status: 'completed',
      total_price: expect.any(Number),
    });
    const read = await page.evaluate((id) => (globalThis as any).getOrder(id), placed.id);
    expect(read).toMatchObject({
      id: placed.id,
      total_price: placed.total_price,
      payment_status: 'completed',
    });
    expect(read.items[0]).toMatchObject({ menu_id: 1, quantity: 2, price: placed.total_price / 2 });

    const cancelled = await page.evaluate((id) => (globalThis as any).cancel(id), placed.id);
    expect(cancelled).toMatchObject({ message: 'Order cancelled successfully', order_id: placed.id });
    const again = await page.evaluate((id) => (globalThis as any).cancel(id), placed.id);
    expect(again.error).not.toMatch(/^HTTP \d+/);
    expect(again.error).toMatch(/CANCELLED/);
    expect(await page.textContent('#alert')).toBe(again.error);
  });

  it('a declined payment is a 201 the page reads as an order FAILED with payment_status "failed"', async () => {
    await kit.setChaos(kit.order!, 'payment_fail', { fail_percent: 100 });
    try {
      const placed = await page.evaluate(() => (globalThis as any).order(1, 1));
      expect(placed).toMatchObject({
        status: 'FAILED',
        payment_status: 'failed',
        failure_reason: 'PAYMENT_FAILED',
      });
      expect(placed.error).toBeUndefined();
    } finally {
      await kit.clearChaos(kit.order!);
    }
  });
});
