/**
 * What the console server accepts from the browser, checked before anything is forwarded: known service names,
 * knob and instance names of bounded shape, small JSON objects, traffic rates and mixes within the generator's
 * limits, result paths that stay inside results/. Plain functions returning a value or a ConsoleError.
 */
import { checkAgainstSchema, type JsonSchema } from '../shared/knob-schema';

/** A refusal in the services' common error shape (libs/http errorBody). */
export class ConsoleError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details: string[] = [],
  ) {
    super(message);
  }
}

const invalid = (message: string, details: string[] = [message]) =>
  new ConsoleError(400, 'VALIDATION_FAILED', message, details);

/** The largest request body the console reads (knob bodies are a few hundred bytes). */
export const MAX_BODY_BYTES = 16 * 1024;
/** What the traffic generator's control API accepts (load/traffic/api.ts). */
export const MAX_TRAFFIC_RATE = 200;
export const MAX_MIX_WEIGHT = 1000;

export const KNOB_NAME = /^[a-z][a-z0-9_]{0,63}$/;
/** As the services check it (libs/chaos INSTANCE_ID_PATTERN). */
export const INSTANCE_ID = /^[A-Za-z0-9_.:-]{1,64}$/;
const JOURNEY_NAME = /^[a-z][a-z0-9_-]{0,31}$/;
const RESULT_DIR = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
const RESULT_FILE =
  /^(?:report\.html|summary\.json|samples\.csv|report\.md|logs\/[A-Za-z0-9_.-]{1,64}\.log)$/;

export function serviceName(value: string, known: readonly string[]): string {
  if (!known.includes(value))
    throw new ConsoleError(404, 'SERVICE_NOT_FOUND', `No service "${value.slice(0, 64)}"`);
  return value;
}

export function knobName(value: string): string {
  if (!KNOB_NAME.test(value)) throw invalid('knob must be 1-64 chars of [a-z0-9_], starting with a letter');
  return value;
}

/** `?instance=`: absent → null. */
export function instanceParam(value: string | null): string | null {
  if (value === null) return null;
  if (!INSTANCE_ID.test(value)) throw invalid('instance must be 1-64 chars of [A-Za-z0-9_.:-]');
  return value;
}

/** A JSON object body of at most MAX_BODY_BYTES. */
export function jsonObject(text: string): Record<string, unknown> {
  if (Buffer.byteLength(text) > MAX_BODY_BYTES)
    throw new ConsoleError(413, 'PAYLOAD_TOO_LARGE', 'body too large');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalid('body must be JSON');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw invalid('body must be a JSON object');
  return parsed as Record<string, unknown>;
}

/** A knob body checked against the schema the service published; the service checks it once more. */
export function knobBody(text: string, schema: JsonSchema | undefined): Record<string, unknown> {
  const body = jsonObject(text);
  if (!schema) throw new ConsoleError(404, 'CHAOS_KNOB_NOT_FOUND', 'No such knob on this service');
  const problems = checkAgainstSchema(schema, body);
  if (problems.length) throw invalid(problems[0], problems.slice(0, 20));
  return body;
}

const RATE_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['rate'],
  additionalProperties: false,
  properties: { rate: { type: 'number', minimum: 0, maximum: MAX_TRAFFIC_RATE } },
};

export function trafficRate(text: string): { rate: number } {
  const body = jsonObject(text);
  const problems = checkAgainstSchema(RATE_SCHEMA, body);
  if (problems.length) throw invalid(problems[0], problems);
  return { rate: body.rate as number };
}

export function trafficMix(text: string, journeys: readonly string[]): { mix: Record<string, number> } {
  const body = jsonObject(text);
  const keys = Object.keys(body);
  if (keys.length !== 1 || keys[0] !== 'mix') throw invalid('body must be {"mix": {journey: weight, …}}');
  const mix = body.mix;
  if (mix === null || typeof mix !== 'object' || Array.isArray(mix)) throw invalid('mix must be an object');
  const entries = Object.entries(mix as Record<string, unknown>);
  if (entries.length === 0 || entries.length > 32) throw invalid('mix must name 1-32 journeys');
  for (const [journey, weight] of entries) {
    if (!JOURNEY_NAME.test(journey) || (journeys.length > 0 && !journeys.includes(journey)))
      throw invalid(`${journey.slice(0, 32)} is not a journey`);
    if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0 || weight > MAX_MIX_WEIGHT)
      throw invalid(`${journey} must be a weight from 0 to ${MAX_MIX_WEIGHT}`);
  }
  return { mix: Object.fromEntries(entries) as Record<string, number> };
}

/** results/<run>/<file>: a run folder name and one of the files a run writes; never a path outside results/. */
export function resultPath(run: string, file: string): { run: string; file: string } {
  if (!RESULT_DIR.test(run) || run.includes('..')) throw new ConsoleError(404, 'NOT_FOUND', 'No such run');
  if (!RESULT_FILE.test(file)) throw new ConsoleError(404, 'NOT_FOUND', 'No such result file');
  return { run, file };
}
