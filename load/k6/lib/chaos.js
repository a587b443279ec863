import http from 'k6/http';
import { check } from 'k6';
import { CHAOS_KEY, chaosUrl } from './config.js';

const headers = () => ({
  'Content-Type': 'application/json',
  ...(CHAOS_KEY ? { 'X-Chaos-Key': CHAOS_KEY } : {}),
});

/** Sets a chaos knob on a service, e.g. setChaos('order', 'payment_fail', { fail_percent: 30 }). */
export function setChaos(service, knob, body) {
  const res = http.post(`${chaosUrl[service]}/${knob}`, JSON.stringify(body), {
    headers: headers(),
    tags: { name: `chaos ${knob}` },
  });
  check(res, { [`chaos ${service}/${knob} set`]: (r) => r.status === 200 || r.status === 201 });
}

/** Resets every fault of a service. */
export function resetChaos(service) {
  http.del(chaosUrl[service], null, { headers: headers(), tags: { name: 'chaos reset' } });
}
