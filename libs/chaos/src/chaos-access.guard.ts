import { Injectable, NotFoundException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { BaseEnv } from '@food-delivery/config';
import { ApiError } from '@food-delivery/http';
import type { FastifyRequest } from 'fastify';
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/**
 * CHAOS_ENABLED=false: every chaos route answers exactly like a route that does not exist.
 * CHAOS_API_KEY set: changing faults (anything but GET) needs a matching X-Chaos-Key header.
 */
@Injectable()
export class ChaosAccessGuard implements CanActivate {
  /** Compared as SHA-256 digests: equal lengths, so timingSafeEqual leaks neither content nor length. */
  private readonly keyDigest: Buffer | null;

  constructor(private readonly env: BaseEnv) {
    this.keyDigest = env.CHAOS_API_KEY ? digest(env.CHAOS_API_KEY) : null;
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (!this.env.CHAOS_ENABLED) throw new NotFoundException(`Cannot ${request.method} ${request.url}`);
    if (!this.keyDigest || request.method === 'GET' || request.method === 'HEAD') return true;
    const header = request.headers['x-chaos-key'];
    const provided = Array.isArray(header) ? header[0] : header;
    if (!provided) {
      throw new ApiError(401, 'CHAOS_KEY_REQUIRED', 'Changing faults needs the X-Chaos-Key header');
    }
    if (!timingSafeEqual(digest(provided), this.keyDigest)) {
      throw new ApiError(401, 'CHAOS_KEY_INVALID', 'X-Chaos-Key does not match CHAOS_API_KEY');
    }
    return true;
  }
}
