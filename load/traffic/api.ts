/**
 * The generator's control API (what the console steers) and its /metrics. Small on purpose: read the state, set
 * the rate or the mix, start, stop. Bad input gets a 4xx in the services' error shape and changes nothing.
 */
import { trace } from '@opentelemetry/api';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { JOURNEYS, type Mix, type TrafficGenerator } from './generator';

interface ErrorBody {
  statusCode: number;
  code: string;
  message: string;
  traceId: string | null;
}

const errorBody = (statusCode: number, code: string, message: string): ErrorBody => ({
  statusCode,
  code,
  message,
  traceId: trace.getActiveSpan()?.spanContext().traceId ?? null,
});

/** The largest weight of one journey in the mix (weights are relative: 0-100 reads as percentages). */
export const MAX_WEIGHT = 1000;

export function buildControlApi(generator: TrafficGenerator): FastifyInstance {
  // Strict bodies: an unknown field or a string where a number belongs is refused, not dropped or coerced.
  const app = Fastify({
    logger: false,
    bodyLimit: 16 * 1024,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false } },
  });

  app.setErrorHandler((error: FastifyError, _request, reply) => {
    if (error.validation) {
      return reply.status(400).send(errorBody(400, 'VALIDATION_FAILED', error.message));
    }
    const status =
      error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    const code = status === 500 ? 'INTERNAL_ERROR' : (error.code ?? 'BAD_REQUEST');
    return reply
      .status(status)
      .send(errorBody(status, code, status === 500 ? 'internal error' : error.message));
  });
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send(errorBody(404, 'NOT_FOUND', `no route ${request.method} ${request.url}`)),
  );

  app.get('/health', () => ({ status: 'ok', service: 'traffic-generator' }));
  app.get('/state', () => generator.state());

  app.get('/metrics', async (_request, reply) => {
    const text = await generator.registry.metrics();
    return reply.type(generator.registry.contentType).send(text);
  });

  app.post<{ Body: { rate: number } }>(
    '/rate',
    {
      schema: {
        body: {
          type: 'object',
          required: ['rate'],
          additionalProperties: false,
          properties: { rate: { type: 'number', minimum: 0, maximum: generator.state().max_rate } },
        },
      },
    },
    (request) => {
      generator.setRate(request.body.rate);
      return generator.state();
    },
  );

  app.post<{ Body: { mix: Partial<Mix> } }>(
    '/mix',
    {
      schema: {
        body: {
          type: 'object',
          required: ['mix'],
          additionalProperties: false,
          properties: {
            mix: {
              type: 'object',
              minProperties: 1,
              additionalProperties: false,
              properties: Object.fromEntries(
                JOURNEYS.map((journey) => [journey, { type: 'number', minimum: 0, maximum: MAX_WEIGHT }]),
              ),
            },
          },
        },
      },
    },
    (request, reply) => {
      const after = generator.mixAfter(request.body.mix);
      if (JOURNEYS.every((journey) => after[journey] === 0)) {
        return reply
          .status(400)
          .send(
            errorBody(400, 'VALIDATION_FAILED', 'the mix needs at least one journey with a weight above 0'),
          );
      }
      generator.setMix(request.body.mix);
      return generator.state();
    },
  );

  app.post('/start', () => {
    generator.resume();
    return generator.state();
  });
  app.post('/stop', () => {
    generator.pause();
    return generator.state();
  });
  return app;
}
