// Renders every overlay with `kubectl kustomize` and checks that what would be applied agrees with the services:
// images, ports, probes on the health endpoints, an environment each service's own validation accepts, Services,
// HPAs, PDBs, and a gateway whose config (rendered as the nginx image renders it) passes `nginx -t`.
import { expect } from 'expect';
import { loadAll } from 'js-yaml';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { upstreamServers } from '../../gateway/render.mjs';
import { ensureEnvFile, generateKubernetesDevSecrets, TARGETS } from '../../scripts/secrets-env.mjs';
import {
  ROOT,
  SERVICES,
  TEMPLATE_PATH,
  defaultPort,
  envProblems,
  envsubstLikeNginxImage,
  hostAndPort,
  isPinnedImage,
  nginxCheck,
  normalizeDirectives,
  templateVariables,
  unknownEnv,
  upstreamAddresses,
  type ServiceName,
} from './support';

type Manifest = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: any };
  spec?: any;
  data?: any;
};

const OVERLAYS = ['dev', 'prod'] as const;
type Overlay = (typeof OVERLAYS)[number];
/** The one Secret the manifests read; generated in dev, managed outside git in prod. */
const SECRET = 'food-delivery-secrets';
const SAMPLE_POD_NAME = 'order-7d9f8b6c5d-x2x7k';

const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
const kubectlMissing = kubectl.error || kubectl.status !== 0 ? 'kubectl is not installed' : false;

function render(overlay: Overlay): Manifest[] {
  const result = spawnSync('kubectl', ['kustomize', join(ROOT, 'deploy', 'overlays', overlay)], {
    encoding: 'utf8',
    maxBuffer: 32 * 1024 * 1024,
  });
  if (result.status !== 0)
    throw new Error(`kubectl kustomize deploy/overlays/${overlay} failed:\n${result.stderr}`);
  return loadAll(result.stdout).filter(Boolean) as Manifest[];
}

const find = (manifests: Manifest[], kind: string, name: string): Manifest | undefined =>
  manifests.find((manifest) => manifest.kind === kind && manifest.metadata.name === name);

function get(manifests: Manifest[], kind: string, name: string): Manifest {
  const manifest = find(manifests, kind, name);
  if (!manifest) throw new Error(`no ${kind} ${name}`);
  return manifest;
}

/** Generated ConfigMaps/Secrets carry a hash suffix: find them by their generator name. */
function generated(manifests: Manifest[], kind: string, referenced: string): Manifest | undefined {
  return manifests.find((manifest) => manifest.kind === kind && manifest.metadata.name === referenced);
}

function secretData(secret: Manifest): Record<string, string> {
  return Object.fromEntries(
    Object.entries((secret.data ?? {}) as Record<string, string>).map(([key, value]) => [
      key,
      Buffer.from(value, 'base64').toString('utf8'),
    ]),
  );
}

/**
 * The environment a container would get: envFrom ConfigMaps, env values, the pod name for fieldRefs, Secret keys
 * (from `secrets` when the Secret is not part of the render, as in prod). Records what it could not resolve.
 */
function containerEnv(
  manifests: Manifest[],
  container: any,
  secrets: Record<string, Record<string, string>>,
): {
  env: Record<string, string>;
  missing: string[];
  secretRefs: { name: string; key: string; optional: boolean }[];
} {
  const env: Record<string, string> = {};
  const missing: string[] = [];
  const secretRefs: { name: string; key: string; optional: boolean }[] = [];
  for (const source of container.envFrom ?? []) {
    const name = source.configMapRef?.name as string | undefined;
    const configMap = name ? generated(manifests, 'ConfigMap', name) : undefined;
    if (!configMap) missing.push(`envFrom ${JSON.stringify(source)}`);
    else Object.assign(env, configMap.data);
  }
  for (const variable of container.env ?? []) {
    if ('value' in variable) env[variable.name] = String(variable.value);
    else if (variable.valueFrom?.fieldRef?.fieldPath === 'metadata.name')
      env[variable.name] = SAMPLE_POD_NAME;
    else if (variable.valueFrom?.secretKeyRef) {
      const { name, key, optional = false } = variable.valueFrom.secretKeyRef;
      secretRefs.push({ name, key, optional });
      const value = secrets[name]?.[key];
      if (value !== undefined) env[variable.name] = value;
      else if (!optional) missing.push(`secret ${name}/${key}`);
    } else if (variable.valueFrom?.configMapKeyRef) {
      const { name, key } = variable.valueFrom.configMapKeyRef;
      const value = generated(manifests, 'ConfigMap', name)?.data?.[key];
      if (value === undefined) missing.push(`configMap ${name}/${key}`);
      else env[variable.name] = value;
    } else missing.push(`env ${variable.name}`);
  }
  return { env, missing, secretRefs };
}

function podLabels(deployment: Manifest): Record<string, string> {
  return deployment.spec.template.metadata.labels;
}

function selects(selector: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.entries(selector).every(([key, value]) => labels[key] === value);
}

describe('Kubernetes manifests (kubectl kustomize deploy/overlays/*)', { skip: kubectlMissing }, () => {
  const rendered = {} as Record<Overlay, Manifest[]>;
  let devSecrets: Record<string, Record<string, string>> = {};
  let createdDevSecrets: string | null = null;

  after(() => {
    if (createdDevSecrets) rmSync(createdDevSecrets, { force: true });
  });

  it('does not render the dev overlay without its generated secrets: nothing constant stands in', () => {
    const source = readFileSync(join(ROOT, 'deploy', 'overlays', 'dev', 'kustomization.yaml'), 'utf8');
    expect(source).toMatch(/envs:\s*\n\s*- secrets\.env/);
    expect(source).not.toMatch(/(=|:\s)dev-[a-z-]*(secret|password|key)/);
    const ignored = readFileSync(join(ROOT, '.gitignore'), 'utf8').split('\n');
    expect(ignored).toContain('deploy/overlays/dev/secrets.env');
  });

  before(() => {
    // The dev overlay's Secret comes from the git-ignored secrets.env (`npm run kube:dev-secrets`): without it the
    // overlay does not render. Made for this run when missing, and removed again.
    const devSecretsFile = TARGETS['kubernetes-dev'].path;
    if (!existsSync(devSecretsFile)) {
      ensureEnvFile(devSecretsFile, generateKubernetesDevSecrets());
      createdDevSecrets = devSecretsFile;
    }
    for (const overlay of OVERLAYS) rendered[overlay] = render(overlay);
    const devSecret = rendered.dev.find((manifest) => manifest.kind === 'Secret');
    // Prod reads the same keys from a Secret managed outside git: the dev values (and a chaos key, which prod
    // requires) stand in for it here.
    devSecrets = { [SECRET]: { ...secretData(devSecret!), CHAOS_API_KEY: 'stand-in-chaos-key' } };
  });

  for (const overlay of OVERLAYS) {
    describe(`overlay ${overlay}`, () => {
      const manifests = () => rendered[overlay];
      const secrets = () =>
        overlay === 'dev'
          ? Object.fromEntries(
              manifests()
                .filter((manifest) => manifest.kind === 'Secret')
                .map((secret) => [secret.metadata.name, secretData(secret)]),
            )
          : devSecrets;

      it('renders, into one namespace, with every namespaced object in it', () => {
        const namespaces = manifests().filter((manifest) => manifest.kind === 'Namespace');
        expect(namespaces).toHaveLength(1);
        const namespace = namespaces[0].metadata.name;
        for (const manifest of manifests()) {
          if (manifest.kind === 'Namespace') continue;
          expect([manifest.kind, manifest.metadata.name, manifest.metadata.namespace]).toEqual([
            manifest.kind,
            manifest.metadata.name,
            namespace,
          ]);
          expect(manifest.metadata.labels?.['app.kubernetes.io/part-of']).toBe('food-delivery');
        }
      });

      for (const service of SERVICES) {
        describe(`${service} service`, () => {
          const deployment = () => get(manifests(), 'Deployment', service);
          const container = () => deployment().spec.template.spec.containers[0];

          it('runs its own image at a fixed tag, non-root, with requests and limits', () => {
            const image: string = container().image;
            expect(image).toMatch(new RegExp(`(^|/)food-delivery/${service}:[\\w.-]+$`));
            expect(image.endsWith(':latest')).toBe(false);
            if (overlay === 'prod') expect(isPinnedImage(image)).toBe(true);
            const pod = deployment().spec.template.spec;
            expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
            expect(container().securityContext).toMatchObject({
              allowPrivilegeEscalation: false,
              readOnlyRootFilesystem: true,
            });
            for (const kind of ['requests', 'limits']) {
              expect(Object.keys(container().resources[kind]).sort()).toEqual(['cpu', 'memory']);
            }
          });

          it('listens on its spec port and is probed on /health/live and /health/ready on its management port', () => {
            const port = defaultPort(service);
            expect(container().ports).toEqual([
              { name: 'http', containerPort: port },
              { name: 'management', containerPort: 9090 },
            ]);
            const env = Object.fromEntries(
              (container().env as { name: string; value?: string }[]).map((entry) => [
                entry.name,
                entry.value,
              ]),
            );
            expect(env).toMatchObject({ MANAGEMENT_PORT: '9090', MANAGEMENT_HOST: '0.0.0.0' });
            const probe = (name: string) => container()[name]?.httpGet;
            expect(probe('readinessProbe')).toEqual({ path: '/health/ready', port: 'management' });
            expect(probe('livenessProbe')).toEqual({ path: '/health/live', port: 'management' });
            expect(probe('startupProbe')).toEqual({ path: '/health/live', port: 'management' });
            const annotations = deployment().spec.template.metadata.annotations;
            expect(annotations).toMatchObject({
              'prometheus.io/port': String(port),
              'prometheus.io/path': '/metrics',
            });
          });

          it('gets an environment its env class accepts, from ConfigMaps and the Secret', () => {
            const { env, missing, secretRefs } = containerEnv(manifests(), container(), secrets());
            expect(missing).toEqual([]);
            expect(unknownEnv(service, env)).toEqual([]);
            // The image sets HOST=0.0.0.0 (Dockerfile): a pod listens beyond loopback, so its keys must be there.
            expect(envProblems(service, { HOST: '0.0.0.0', ...env })).toEqual([]);
            expect(Number(env.PORT)).toBe(defaultPort(service));
            expect(env.OTEL_SERVICE_NAME).toBe(`${service}-service`);
            expect(env.INSTANCE_ID).toBe(SAMPLE_POD_NAME);
            // Credentials come from the Secret only, never from a ConfigMap or a literal.
            for (const name of ['DATABASE_URL', 'REDIS_URL', 'SERVICE_CLIENTS', 'SERVICE_CLIENT_SECRET']) {
              if (name in env) expect(secretRefs.map((ref) => ref.key)).toContain(name);
            }
            for (const ref of secretRefs) {
              expect(overlay === 'prod' ? ref.name : ref.name.replace(/-[a-z0-9]{10}$/, '')).toBe(SECRET);
            }
            if (overlay === 'prod') {
              expect(secretRefs.find((ref) => ref.key === 'CHAOS_API_KEY')).toMatchObject({
                optional: false,
              });
            }
          });

          it('is reachable through a Service on its spec port', () => {
            const port = defaultPort(service);
            const target = get(manifests(), 'Service', service);
            expect(target.spec.ports).toEqual([{ name: 'http', port, targetPort: 'http' }]);
            expect(selects(target.spec.selector, podLabels(deployment()))).toBe(true);
          });

          it('has a PodDisruptionBudget; restaurant and order scale with an HPA', () => {
            const budget = get(manifests(), 'PodDisruptionBudget', service);
            expect(selects(budget.spec.selector.matchLabels, podLabels(deployment()))).toBe(true);
            expect(budget.spec.maxUnavailable ?? budget.spec.minAvailable).toBeDefined();
            const hpa = find(manifests(), 'HorizontalPodAutoscaler', service);
            if (service === 'user') {
              expect(hpa).toBeUndefined();
              return;
            }
            expect(hpa?.apiVersion).toBe('autoscaling/v2');
            expect(hpa?.spec.scaleTargetRef).toEqual({
              apiVersion: 'apps/v1',
              kind: 'Deployment',
              name: service,
            });
            expect(hpa?.spec.minReplicas).toBeGreaterThanOrEqual(2);
            expect(hpa?.spec.maxReplicas).toBeGreaterThan(hpa?.spec.minReplicas);
            expect(hpa?.spec.metrics[0].resource.name).toBe('cpu');
            // The HPA owns the replica count: a fixed one would be reset on every apply.
            expect(deployment().spec.replicas).toBeUndefined();
          });
        });
      }

      it('wires the order service to the user and restaurant Services, and token checks to the JWKS', () => {
        const resolve = (url: string, service: ServiceName) => {
          const { host, port } = hostAndPort(url);
          const target = get(manifests(), 'Service', host);
          expect([url, target.spec.ports[0].port]).toEqual([url, port]);
          expect([url, port]).toEqual([url, defaultPort(service)]);
          expect(selects(target.spec.selector, podLabels(get(manifests(), 'Deployment', service)))).toBe(
            true,
          );
        };
        const order = containerEnv(
          manifests(),
          get(manifests(), 'Deployment', 'order').spec.template.spec.containers[0],
          secrets(),
        ).env;
        resolve(order.USER_SERVICE_URL, 'user');
        resolve(order.RESTAURANT_SERVICE_URL, 'restaurant');
        const user = containerEnv(
          manifests(),
          get(manifests(), 'Deployment', 'user').spec.template.spec.containers[0],
          secrets(),
        ).env;
        expect(user.SERVICE_CLIENTS.split(',')).toContain(
          `${order.SERVICE_CLIENT_ID}:${order.SERVICE_CLIENT_SECRET}`,
        );
        for (const service of ['restaurant', 'order'] as const) {
          const env = containerEnv(
            manifests(),
            get(manifests(), 'Deployment', service).spec.template.spec.containers[0],
            secrets(),
          ).env;
          resolve(env.JWKS_URL, 'user');
          expect(new URL(env.JWKS_URL).pathname).toBe('/.well-known/jwks.json');
          // One Redis key prefix: chaos faults set on one pod reach every pod.
          expect(env.REDIS_KEY_PREFIX).toBe(user.REDIS_KEY_PREFIX);
        }
      });

      it(
        overlay === 'dev'
          ? 'brings a throwaway Postgres and Redis, pinned like docker-compose.yml, that the URLs point at'
          : 'has no Postgres or Redis of its own: both are external, by URL',
        () => {
          const compose = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
          const urls = secrets()[Object.keys(secrets())[0]];
          for (const [dependency, url] of [
            ['postgres', urls.DATABASE_URL],
            ['redis', urls.REDIS_URL],
          ] as const) {
            const deployment = find(manifests(), 'Deployment', dependency);
            if (overlay === 'prod') {
              expect(deployment).toBeUndefined();
              expect(find(manifests(), 'Service', dependency)).toBeUndefined();
              continue;
            }
            const image: string = deployment!.spec.template.spec.containers[0].image;
            expect(compose).toContain(`image: ${image}\n`);
            const { host } = hostAndPort(url);
            expect(host).toBe(dependency);
            expect(
              selects(get(manifests(), 'Service', dependency).spec.selector, podLabels(deployment!)),
            ).toBe(true);
          }
        },
      );

      describe('gateway', () => {
        const deployment = () => get(manifests(), 'Deployment', 'gateway');
        const container = () => deployment().spec.template.spec.containers[0];
        const env = () => containerEnv(manifests(), container(), secrets()).env;
        const template = readFileSync(TEMPLATE_PATH, 'utf8');

        it('mounts a copy of gateway/nginx.conf.template identical to it', () => {
          const volume = deployment().spec.template.spec.volumes.find((v: any) => v.name === 'template');
          const configMap = generated(manifests(), 'ConfigMap', volume.configMap.name);
          // deploy/base cannot load files outside itself: keep the copy in sync with
          //   cp gateway/nginx.conf.template deploy/base/gateway/nginx.conf.template
          expect(configMap?.data['nginx.conf.template']).toBe(template);
          expect(container().volumeMounts).toEqual(
            expect.arrayContaining([{ name: 'template', mountPath: '/etc/nginx/templates', readOnly: true }]),
          );
        });

        it('runs the official nginx image unprivileged, rendering into a writable emptyDir', () => {
          expect(container().image).toMatch(/^nginx:\d+\.\d+\.\d+(-alpine)?$/);
          const compose = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
          expect(compose).toContain(`image: ${container().image}\n`);
          const output = env().NGINX_ENVSUBST_OUTPUT_DIR;
          expect(container().args).toEqual(expect.arrayContaining(['-c', `${output}/nginx.conf`]));
          const mounts = container().volumeMounts.map((mount: any) => mount.mountPath);
          expect(mounts).toEqual(expect.arrayContaining([output, env().GATEWAY_RUNTIME_DIR]));
          expect(deployment().spec.template.spec.securityContext).toMatchObject({
            runAsNonRoot: true,
            runAsUser: 101,
          });
          expect(Number(env().GATEWAY_PORT)).toBeGreaterThan(1024);
          expect(container().ports).toEqual([{ name: 'http', containerPort: Number(env().GATEWAY_PORT) }]);
          expect(container().readinessProbe.httpGet).toEqual({ path: '/health', port: 'http' });
          expect(container().livenessProbe.httpGet).toEqual({ path: '/health', port: 'http' });
          const service = get(manifests(), 'Service', 'gateway');
          expect(service.spec.ports).toEqual([{ name: 'http', port: 80, targetPort: 'http' }]);
          expect(get(manifests(), 'PodDisruptionBudget', 'gateway')).toBeDefined();
        });

        it('sets every template variable and routes to the Services', () => {
          const variables = Object.keys(env()).filter((name) => name.startsWith('GATEWAY_'));
          expect(variables.sort()).toEqual(templateVariables(template));
          for (const [variable, service] of [
            ['GATEWAY_USER_SERVERS', 'user'],
            ['GATEWAY_RESTAURANT_SERVERS', 'restaurant'],
            ['GATEWAY_ORDER_SERVERS', 'order'],
          ] as const) {
            const address = `${service}:${defaultPort(service)}`;
            expect(upstreamAddresses(env()[variable])).toEqual([address]);
            expect(normalizeDirectives(env()[variable])).toBe(upstreamServers([address]));
            expect(get(manifests(), 'Service', service).spec.ports[0].port).toBe(defaultPort(service));
          }
        });

        it('renders, as the nginx image would, a config that passes nginx -t', (t) => {
          const rendered = envsubstLikeNginxImage(template, env());
          expect(rendered).not.toMatch(/\$\{[A-Z_]+\}/);
          const check = nginxCheck(rendered, { hosts: [...SERVICES], runtimeDir: env().GATEWAY_RUNTIME_DIR });
          t.diagnostic(`nginx -t (${check.mode}): ${check.output.trim()}`);
          expect(check).toMatchObject({ ok: true });
        });
      });
    });
  }

  it('prod runs more of everything than dev, behind a load balancer that keeps client addresses', () => {
    const hpa = (overlay: Overlay, name: string) =>
      get(rendered[overlay], 'HorizontalPodAutoscaler', name).spec;
    for (const name of ['restaurant', 'order']) {
      expect(hpa('prod', name).minReplicas).toBeGreaterThan(hpa('dev', name).minReplicas);
    }
    expect(get(rendered.prod, 'Deployment', 'user').spec.replicas).toBeGreaterThanOrEqual(2);
    expect(get(rendered.prod, 'Deployment', 'gateway').spec.replicas).toBeGreaterThanOrEqual(2);
    expect(get(rendered.prod, 'Service', 'gateway').spec).toMatchObject({
      type: 'LoadBalancer',
      externalTrafficPolicy: 'Local',
    });
    for (const deployment of rendered.prod.filter((manifest) => manifest.kind === 'Deployment')) {
      expect(deployment.spec.template.spec.topologySpreadConstraints?.length).toBeGreaterThan(0);
    }
    // No secret value is committed for prod.
    expect(rendered.prod.filter((manifest) => manifest.kind === 'Secret')).toEqual([]);
  });
});
