import { Injectable } from '@nestjs/common';
import type { ReservationLine, ReservationStatus, ReservedLine } from '@food-delivery/contracts';
import { DependencyError, type DownstreamRequest, type DownstreamResponse } from '@food-delivery/http-client';
import type { CallContext, DownstreamErrorBody } from './call-context';
import { Downstreams, RESTAURANT_SERVICE } from './downstreams';
import { ServiceTokenProvider } from './service-token.provider';

/** `ReservationDto` / `ReservationResultDto` of the restaurant service (the fields we use). */
export interface Reservation {
  order_id: string;
  status: ReservationStatus;
  items: ReservedLine[];
  total_price: number;
  outcome?: string;
}

/** What a reservation request came to, when the restaurant answered. */
export type ReserveResult =
  | { kind: 'reserved'; reservation: Reservation }
  | { kind: 'out_of_stock'; message: string; details: string[] }
  | { kind: 'menu_not_found'; message: string }
  /** The restaurant answered with a 4xx we do not expect (e.g. the order id was already released). */
  | { kind: 'rejected'; status: number; code: string; message: string };

/** The answer to release / commit / cancel: done, or refused with a code. */
export type TransitionResult =
  { done: true; outcome: string } | { done: false; status: number; code: string; message: string };

export interface MenuAudit {
  menu_id: number;
  name: string;
  initial_stock: number;
  stock: number;
  reserved_active: number;
  reserved_committed: number;
  ok: boolean;
}

export interface RestaurantAudit {
  ok: boolean;
  menus: MenuAudit[];
  reservations: Record<ReservationStatus, number>;
}

interface ReservationPage {
  reservations: Reservation[];
  next_after: string | null;
}

type Body<T> = T & DownstreamErrorBody;

/**
 * The restaurant service's reservation API (`/inventory/reservations`), keyed by our order id. Every call is
 * idempotent there, so every call is retried. Only the order service's principal may use it: every call carries
 * the service token, and the reservation names the user it is for.
 */
@Injectable()
export class RestaurantServiceClient {
  constructor(
    private readonly downstreams: Downstreams,
    private readonly serviceToken: ServiceTokenProvider,
  ) {}

  async reserve(
    orderId: number,
    userId: number,
    items: ReservationLine[],
    context: CallContext,
  ): Promise<ReserveResult> {
    const response = await this.call<Body<Reservation>>(context, {
      method: 'POST',
      path: '/inventory/reservations',
      body: { order_id: orderId, user_id: userId, items },
    });
    const body = response.body;
    if ((response.status === 201 || response.status === 200) && Array.isArray(body?.items)) {
      return { kind: 'reserved', reservation: body };
    }
    if (response.status === 409 && body?.code === 'INSUFFICIENT_STOCK') {
      return {
        kind: 'out_of_stock',
        message: body.message ?? 'Not enough stock',
        details: body.details ?? [],
      };
    }
    if (response.status === 404 && body?.code === 'MENU_NOT_FOUND') {
      return { kind: 'menu_not_found', message: body.message ?? 'Menu not found' };
    }
    return rejected(response);
  }

  release(orderId: number, context: CallContext = {}): Promise<TransitionResult> {
    return this.transition(context, 'DELETE', `/inventory/reservations/${orderId}`);
  }

  commit(orderId: number, context: CallContext = {}): Promise<TransitionResult> {
    return this.transition(context, 'POST', `/inventory/reservations/${orderId}/commit`);
  }

  /**
   * Commits many reservations in one call (background work, service token). Each order id gets its own result;
   * an id the restaurant could not settle this time (changed meanwhile) comes back as a retryable 503.
   */
  async commitMany(orderIds: number[]): Promise<Map<number, TransitionResult>> {
    const response = await this.call<Body<{ results: { order_id: string; result: string }[] }>>(
      {},
      {
        method: 'POST',
        path: '/inventory/reservations/commits',
        body: { order_ids: orderIds.map(String) },
      },
    );
    const results = new Map<number, TransitionResult>();
    if (response.status !== 200) {
      const refused = rejected(response);
      for (const id of orderIds) results.set(id, { done: false, ...refused });
      return results;
    }
    for (const { order_id, result } of response.body.results) {
      const code = BATCH_COMMIT_REFUSALS[result];
      results.set(
        Number(order_id),
        code
          ? { done: false, status: code.status, code: result, message: code.message }
          : { done: true, outcome: result },
      );
    }
    return results;
  }

  cancel(orderId: number, context: CallContext = {}): Promise<TransitionResult> {
    return this.transition(context, 'POST', `/inventory/reservations/${orderId}/cancel`);
  }

  /** The reservation of an order, or null when the restaurant has none. */
  async find(orderId: number, context: CallContext = {}): Promise<Reservation | null> {
    const response = await this.call<Body<Reservation>>(context, {
      method: 'GET',
      path: `/inventory/reservations/${orderId}`,
    });
    if (response.status === 200) return response.body;
    if (response.status === 404) return null;
    throw unexpected(response, 'GET reservation');
  }

  /** One page of reservations in a status (keyset pagination by order id). */
  async list(status: ReservationStatus, after: string | null, limit: number): Promise<ReservationPage> {
    const query = new URLSearchParams({ status, limit: String(limit) });
    if (after) query.set('after', after);
    const response = await this.call<Body<ReservationPage>>(
      {},
      { method: 'GET', path: `/inventory/reservations?${query.toString()}` },
    );
    if (response.status === 200) return response.body;
    throw unexpected(response, 'list reservations');
  }

  /** The restaurant's own invariant check (public). */
  async audit(): Promise<RestaurantAudit> {
    const response = await this.downstreams.restaurant.request<Body<RestaurantAudit>>({
      method: 'GET',
      path: '/inventory/audit',
      idempotent: true,
    });
    if (response.status === 200) return response.body;
    throw unexpected(response, 'audit');
  }

  private async transition(
    context: CallContext,
    method: 'POST' | 'DELETE',
    path: string,
  ): Promise<TransitionResult> {
    const response = await this.call<Body<Reservation>>(context, { method, path });
    if (response.status === 200) return { done: true, outcome: response.body?.outcome ?? 'ok' };
    const refused = rejected(response);
    return { done: false, status: refused.status, code: refused.code, message: refused.message };
  }

  /** Sends with the service token (refetched once when the restaurant rejects it). */
  private call<T>(
    context: CallContext,
    request: Omit<DownstreamRequest, 'headers' | 'idempotent'>,
  ): Promise<DownstreamResponse<T>> {
    return this.serviceToken.authorized((token) =>
      this.downstreams.restaurant.request<T>({
        ...request,
        headers: { authorization: `Bearer ${token}`, 'x-request-id': context.requestId },
        idempotent: true,
      }),
    );
  }
}

/** A batched commit's per-order refusals, with the status the single commit would have answered. */
const BATCH_COMMIT_REFUSALS: Record<string, { status: number; message: string } | undefined> = {
  RESERVATION_RELEASED: { status: 409, message: 'the reservation was released or cancelled' },
  RESERVATION_NOT_FOUND: { status: 404, message: 'no reservation for this order' },
  INVENTORY_BUSY: { status: 503, message: 'the reservation changed meanwhile; try again' },
};

function rejected(response: DownstreamResponse<Body<unknown>>) {
  return {
    kind: 'rejected' as const,
    status: response.status,
    code: response.body?.code ?? `HTTP_${response.status}`,
    message: response.body?.message ?? `HTTP ${response.status}`,
  };
}

function unexpected(response: DownstreamResponse<Body<unknown>>, what: string): DependencyError {
  return new DependencyError(
    RESTAURANT_SERVICE,
    'server_error',
    `unexpected answer to ${what}: HTTP ${response.status} ${response.body?.code ?? ''}`.trim(),
  );
}
