import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { isPathId } from '@food-delivery/http';
import { setSpanAttributes } from '@food-delivery/observability';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { MENU_LIST_KEY, MenuCache, menuKey } from './menu-cache.service';
import { withCacheHeaders } from './menus.controller';

/** The menu reads whose cache hits are answered here, by route template. */
const CACHED_READS: Record<string, (request: FastifyRequest) => string | null> = {
  '/menus': () => MENU_LIST_KEY,
  '/menus/:id': (request) => {
    // The route's one parameter, whatever the controller names it.
    const [id] = Object.values(request.params as Record<string, string>);
    // Anything ParseIdPipe would refuse goes on to Nest, which answers the 400.
    if (id === undefined || !isPathId(id)) return null;
    setSpanAttributes({ 'menu.id': Number(id) }); // as MenusService.findOne does
    return menuKey(Number(id));
  },
};

/**
 * Answers menu cache hits from a Fastify `onRequest` hook, ahead of Nest's guard/pipe/interceptor pipeline: a hit
 * is one Redis GET and the stored JSON bytes, and the pipeline was a third of its cost (some 20 promises per
 * request, each also seen by the tracing context's async hook). Misses, Redis trouble and bad ids go on to
 * `MenusController`, which loads, fills the cache and answers errors as usual; the response is the same either
 * way (MenusController's headers, and the shared hooks' request line, metrics, trace and request ids). Added at
 * bootstrap, after the hooks of the shared modules (load shedding, tracing, metrics, chaos), which still run
 * first: an injected delay or error applies to hits too. The routes are public, so no guard is skipped.
 */
@Injectable()
export class MenuCacheHitsHook implements OnApplicationBootstrap {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly cache: MenuCache,
  ) {}

  onApplicationBootstrap(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (typeof fastify?.addHook !== 'function') return; // not on Fastify: the controller serves every read
    // Matched by template: a controller path that changed would otherwise silently turn this off.
    const unknown = Object.keys(CACHED_READS).filter((url) => !fastify.hasRoute({ method: 'GET', url }));
    if (unknown.length)
      throw new Error(`MenuCacheHitsHook: no GET route ${unknown.join(', ')} to answer hits for`);
    fastify.addHook('onRequest', (request, reply, done) => {
      const keyOf = request.method === 'GET' ? CACHED_READS[request.routeOptions.url ?? ''] : undefined;
      const key = keyOf?.(request);
      if (!key) return done();
      this.cache.peek(key).then(
        (body) => (body === null ? done() : void reply.send(withCacheHeaders(reply, { body, hit: true }))),
        () => done(),
      );
    });
  }
}
