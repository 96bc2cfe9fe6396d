import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { Deployment, IDeployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler, IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { IPodDisruptionBudget, PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { INetworkPolicy, NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import {
  ConfigMap,
  IConfigMap,
  ISecret,
  IService,
  IServiceAccount,
  Namespace,
  Secret,
  Service,
  ServiceAccount,
} from 'kubernetes-models/v1';
import { parseAllDocuments } from 'yaml';
import { checkDeployedEnv, SERVICES } from './service-contract';
import { loadRealmOverlay } from '../../tools/realm-cli/src/realm-overlay';

const root = join(__dirname, '..', '..');
const deploy = join(root, 'deploy');

/**
 * The kinds deploy/ may hold, each with its model from kubernetes-models: JSON schemas of the Kubernetes API
 * (1.33) compiled into validators that ship in the package, so nothing is downloaded at test time.
 */
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Namespace': Namespace,
  'v1/ServiceAccount': ServiceAccount,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
};

/**
 * The Keycloak Operator's `Keycloak` resource, checked against the operator's own CRD schema: its openAPIV3Schema
 * as published in the operator's resources repository (tag 26.0.0, the newest this machine could read), kept in
 * fixtures/ without its descriptions. Newer operators add fields; what this folder uses is in 26.0.0's.
 */
const keycloakCrd = JSON.parse(
  readFileSync(join(__dirname, 'fixtures', 'keycloak-crd-v2alpha1.json'), 'utf8'),
) as {
  group: string;
  version: string;
  kind: string;
  schema: object;
};
const validateKeycloak = new Ajv({ strict: false, allErrors: true }).compile(keycloakCrd.schema);
/**
 * Secrets a pod reads that this folder does not hold, by design (created by the operator: docs say how), with a
 * stand-in value of the right shape for the configuration check.
 */
const EXTERNAL_SECRETS: Record<string, Record<string, string>> = {
  'service-a-sessions': { keys: Buffer.alloc(32, 1).toString('base64') },
};

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
}

/** Every document of every deploy/*.yaml; a YAML error fails the whole file's suite. */
const documents: { file: string; manifest: Manifest }[] = readdirSync(deploy)
  .filter((file) => /\.ya?ml$/.test(file))
  .sort()
  .flatMap((file) =>
    parseAllDocuments(readFileSync(join(deploy, file), 'utf8')).map((doc) => {
      if (doc.errors.length > 0)
        throw new Error(`deploy/${file}: ${doc.errors.map((e) => e.message).join('; ')}`);
      return { file, manifest: doc.toJS() as Manifest };
    }),
  );

function validate(manifest: Manifest): void {
  if (
    manifest.apiVersion === `${keycloakCrd.group}/${keycloakCrd.version}` &&
    manifest.kind === keycloakCrd.kind
  ) {
    if (!validateKeycloak(manifest))
      throw new Error(validateKeycloak.errors?.map((e) => `${e.instancePath} ${e.message}`).join('; '));
    return;
  }
  const Model = MODELS[`${manifest.apiVersion}/${manifest.kind}`];
  if (!Model) throw new Error(`no schema known for ${manifest.apiVersion} ${manifest.kind}`);
  new Model(manifest as never).validate();
}

function ofKind<T>(kind: string): T[] {
  return documents.filter((d) => d.manifest.kind === kind).map((d) => d.manifest as unknown as T);
}
const byName = <T extends { metadata?: { name?: string } }>(items: T[], name: string): T => {
  const found = items.find((i) => i.metadata?.name === name);
  if (!found) throw new Error(`deploy/ has none named ${name}`);
  return found;
};
const deployments = ofKind<IDeployment>('Deployment');
const services = ofKind<IService>('Service');
const secrets = ofKind<ISecret>('Secret');
const configMaps = ofKind<IConfigMap>('ConfigMap');
const policies = ofKind<INetworkPolicy>('NetworkPolicy');
const serviceAccounts = ofKind<IServiceAccount>('ServiceAccount');
const budgets = ofKind<IPodDisruptionBudget>('PodDisruptionBudget');
const autoscalers = ofKind<IHorizontalPodAutoscaler>('HorizontalPodAutoscaler');
/** What the realm needs for these manifests: its Kubernetes identity provider and the clients' subjects. */
const overlay = loadRealmOverlay(join(deploy, 'realm-kubernetes.json'));
const NAMES = Object.keys(SERVICES);

/** The one container of a service's Deployment. */
function containerOf(name: string) {
  const containers = byName(deployments, name).spec?.template.spec?.containers ?? [];
  expect(containers).toHaveLength(1);
  return containers[0];
}
const podLabels = (name: string) => byName(deployments, name).spec?.template.metadata?.labels ?? {};
const matches = (selector: Record<string, string> = {}, labels: Record<string, string>) =>
  Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);

/** The container's environment as the pod gets it: its ConfigMaps, then its own entries, secrets as their value. */
function environmentOf(name: string): Record<string, string> {
  const container = containerOf(name);
  const env: Record<string, string> = {};
  for (const from of container.envFrom ?? [])
    Object.assign(env, byName(configMaps, from.configMapRef?.name ?? '').data);
  for (const entry of container.env ?? []) {
    const ref = entry.valueFrom?.secretKeyRef;
    const external = ref && EXTERNAL_SECRETS[ref.name ?? ''];
    const secret = ref && !external ? byName(secrets, ref.name ?? '') : undefined;
    env[entry.name] = ref ? ((external ?? secret?.stringData ?? {})[ref.key] ?? '') : (entry.value ?? '');
  }
  return env;
}

describe('deploy/ (Kubernetes manifests), checked against the Kubernetes schema and each other', () => {
  it('holds a Namespace, a ConfigMap, Keycloak, and a Deployment, Service, ServiceAccount, PodDisruptionBudget and HorizontalPodAutoscaler per service', () => {
    expect(documents.length).toBeGreaterThan(0);
    expect(ofKind('Namespace')).toHaveLength(1);
    for (const items of [deployments, services, serviceAccounts, budgets, autoscalers])
      expect(items.map((d) => d.metadata?.name).sort()).toEqual(NAMES);
    expect(ofKind('Keycloak')).toHaveLength(1);
  });

  it('runs Keycloak as the operator resource with 2 instances on PostgreSQL, behind the host the services trust', () => {
    const [keycloak] = ofKind<{ spec: Record<string, Record<string, unknown> | number> }>('Keycloak');
    expect(keycloak.spec.instances).toBe(2);
    expect(keycloak.spec.db).toMatchObject({ vendor: 'postgres' });
    const config = byName(configMaps, 'keycloak-s2s').data ?? {};
    expect(config.KEYCLOAK_ISSUER).toBe(
      `${(keycloak.spec.hostname as { hostname: string }).hostname}/realms/s2s`,
    );
    // The operator's Service for a Keycloak named `keycloak`, on its HTTP port.
    expect(config.KEYCLOAK_URL).toBe(
      `http://${(keycloak as unknown as Manifest).metadata.name}-service:8080`,
    );
    expect(() => validate({ ...keycloak, spec: { ...keycloak.spec, instances: 'two' } } as never)).toThrow(
      /instances must be integer/,
    );
  });

  it.each(NAMES)('%s: at least 2 replicas, kept by a disruption budget and scaled on CPU', (name) => {
    const budget = byName(budgets, name);
    expect(budget.spec?.minAvailable).toBe(1);
    expect(matches(budget.spec?.selector?.matchLabels, podLabels(name))).toBe(true);
    const scaler = byName(autoscalers, name);
    expect(scaler.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name });
    expect(scaler.spec.minReplicas).toBeGreaterThanOrEqual(2);
    expect(scaler.spec.maxReplicas).toBeGreaterThan(scaler.spec.minReplicas!);
    expect(scaler.spec.metrics).toEqual([
      {
        type: 'Resource',
        resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } },
      },
    ]);
    expect(byName(deployments, name).spec?.replicas).toBeGreaterThanOrEqual(2);
  });

  it("keeps service-a's sessions in Redis, encrypted with keys from a Secret this folder does not hold", () => {
    const env = environmentOf('service-a');
    expect(env).toMatchObject({ SESSION_STORE: 'redis', REDIS_URL: expect.stringMatching(/^redis:\/\//) });
    const ref = containerOf('service-a').env?.find((e) => e.name === 'SESSION_ENCRYPTION_KEYS');
    expect(ref?.valueFrom?.secretKeyRef).toEqual({ name: 'service-a-sessions', key: 'keys' });
  });

  it.each(['service-a', 'service-b', 'service-c'])(
    '%s: its replicas share one Redis for the checks (DPoP proofs used, budgets, login limits)',
    (name) => {
      expect(environmentOf(name)).toMatchObject({ REDIS_URL: expect.stringMatching(/^redis:\/\//) });
    },
  );

  it.each(documents.map((d) => [d.file, d.manifest.kind, d.manifest.metadata.name, d.manifest] as const))(
    '%s: %s %s is valid against its schema',
    (_file, _kind, _name, manifest) => {
      expect(() => validate(manifest)).not.toThrow();
    },
  );

  it('is checked by a validator that refuses a broken manifest (a port as text, a memory that is no quantity)', () => {
    const broken = structuredClone(byName(deployments, 'service-b')) as IDeployment;
    const container = broken.spec!.template.spec!.containers[0];
    (container.ports![0] as { containerPort: unknown }).containerPort = '3001';
    container.resources!.limits!.memory = 'a lot';
    expect(() => validate(broken as unknown as Manifest)).toThrow(/containerPort must be integer/);
    expect(() => validate(broken as unknown as Manifest)).toThrow(/memory must match format "quantity"/);
    expect(() => validate({ ...broken, kind: 'Deploymnet' } as unknown as Manifest)).toThrow(
      /no schema known/,
    );
  });

  it("wires the probes to the services' health endpoints", () => {
    const controller = readFileSync(join(root, 'libs/service-runtime/src/health.controller.ts'), 'utf8');
    expect(controller).toMatch(/@Controller\('health'\)[\s\S]*@Get\('live'\)[\s\S]*@Get\('ready'\)/);
    for (const name of NAMES) {
      const { readinessProbe, livenessProbe } = containerOf(name);
      expect(readinessProbe?.httpGet).toEqual({ path: '/health/ready', port: 'http' });
      expect(livenessProbe?.httpGet).toEqual({ path: '/health/live', port: 'http' });
    }
  });

  it.each(NAMES)('%s: listens on the port its probes and Service use, which is its PORT', (name) => {
    const container = containerOf(name);
    const http = container.ports?.find((p) => p.name === 'http');
    expect(http?.containerPort).toBe(Number(environmentOf(name).PORT));
    const service = byName(services, name);
    expect(service.spec?.ports).toEqual([{ name: 'http', port: http?.containerPort, targetPort: 'http' }]);
  });

  it.each(NAMES)('%s: its Deployment and its Service select its pods', (name) => {
    const deployment = byName(deployments, name);
    expect(matches(deployment.spec?.selector.matchLabels, podLabels(name))).toBe(true);
    expect(matches(byName(services, name).spec?.selector, podLabels(name))).toBe(true);
    for (const other of NAMES.filter((n) => n !== name))
      expect(matches(byName(services, name).spec?.selector, podLabels(other))).toBe(false);
  });

  it.each(NAMES)('%s: runs as non-root, unprivileged, with resource requests and limits', (name) => {
    const pod = byName(deployments, name).spec?.template.spec;
    expect(pod?.securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(pod?.securityContext?.runAsUser).toBeGreaterThan(0);
    const container = containerOf(name);
    expect(container.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    for (const kind of ['requests', 'limits'] as const)
      expect(Object.keys(container.resources?.[kind] ?? {}).sort()).toEqual(['cpu', 'memory']);
  });

  it.each(NAMES)(
    '%s: sets every variable it needs: the image entry point, its client, Keycloak and its next hop',
    (name) => {
      const env = environmentOf(name);
      expect(() => checkDeployedEnv(name, env)).not.toThrow();
      expect(env.SERVICE).toBe(name);
      expect(existsSync(join(root, 'apps', name, 'src', 'main.ts'))).toBe(true);
      expect(env.CLIENT_ID).toBe(name);
      expect(env.KEYCLOAK_ISSUER).toMatch(new RegExp(`/realms/${env.KEYCLOAK_REALM}$`));
      const nextHop = SERVICES[name].nextHop;
      if (nextHop) {
        const port = byName(services, nextHop.service).spec?.ports?.[0].port;
        expect(env[nextHop.key]).toBe(`http://${nextHop.service}:${port}`);
      }
    },
  );

  it('holds no client secret and no private key: no Secret, no CLIENT_SECRET, no key material in any file', () => {
    expect(secrets).toEqual([]);
    for (const file of readdirSync(deploy)) {
      const text = readFileSync(join(deploy, file), 'utf8');
      expect(text).not.toMatch(/CLIENT_SECRET|PRIVATE KEY|"secret"\s*:/);
    }
    // The one Secret a pod reads is service-a's session keys, which this folder leaves to the operator.
    const refs = deployments.flatMap((d) =>
      (d.spec?.template.spec?.containers ?? []).flatMap((c) =>
        (c.env ?? []).map((e) => e.valueFrom?.secretKeyRef),
      ),
    );
    expect(refs.filter(Boolean).map((r) => r!.name)).toEqual(Object.keys(EXTERNAL_SECRETS));
  });

  it.each(NAMES)(
    '%s: authenticates with a projected token of its own service account, for Keycloak alone, at most an hour long',
    (name) => {
      const pod = byName(deployments, name).spec!.template.spec!;
      const env = environmentOf(name);
      expect(env.CLIENT_AUTH_METHOD).toBe('federated_jwt');
      expect(pod.serviceAccountName).toBe(name);
      // The Kubernetes API token is mounted neither by the pod nor by its account: only Keycloak's audience is.
      expect(pod.automountServiceAccountToken).toBe(false);
      expect(byName(serviceAccounts, name).automountServiceAccountToken).toBe(false);
      const sources = pod.volumes?.flatMap((v) => (v.projected?.sources ?? []).map((s) => ({ v, s })));
      const tokens = (sources ?? []).filter(({ s }) => s.serviceAccountToken);
      expect(tokens).toHaveLength(1);
      const [{ v: volume, s: source }] = tokens;
      // The realm's issuer: Keycloak refuses a client assertion whose aud is anything else.
      expect(source.serviceAccountToken?.audience).toBe(env.KEYCLOAK_ISSUER);
      // Kubernetes' minimum is 600 s; Keycloak's Kubernetes provider refuses a token issued over 3600 s ago.
      const seconds = source.serviceAccountToken?.expirationSeconds ?? 3600;
      expect(seconds).toBeGreaterThanOrEqual(600);
      expect(seconds).toBeLessThanOrEqual(3600);
      const mount = containerOf(name).volumeMounts?.find((m) => m.name === volume.name);
      expect(mount?.readOnly).toBe(true);
      expect(join(mount!.mountPath, source.serviceAccountToken!.path)).toBe(env.CLIENT_ASSERTION_FILE);
    },
  );

  it("matches the realm overlay: each client is federated-jwt with the subject of its service account in this folder's namespace", () => {
    const namespaces = ofKind<Manifest>('Namespace').map((n) => n.metadata.name);
    expect(namespaces).toHaveLength(1);
    for (const { manifest } of documents.filter((d) => d.manifest.kind !== 'Namespace'))
      expect(manifest.metadata.namespace).toBe(namespaces[0]);
    const [provider] = overlay.identityProviders ?? [];
    expect(overlay.identityProviders).toHaveLength(1);
    expect(provider.providerId).toBe('kubernetes');
    expect(overlay.clients?.map((c) => c.clientId).sort()).toEqual(NAMES);
    for (const client of overlay.clients ?? []) {
      const account = byName(deployments, client.clientId).spec?.template.spec?.serviceAccountName;
      expect(client.clientAuthenticatorType).toBe('federated-jwt');
      expect(client.attributes).toEqual({
        'jwt.credential.issuer': provider.alias,
        'jwt.credential.sub': `system:serviceaccount:${namespaces[0]}:${account}`,
      });
    }
  });

  it('lets each service be called over the network only by the one before it in the chain, and scraped', () => {
    for (const caller of NAMES) {
      const callee = SERVICES[caller].nextHop?.service;
      if (!callee) continue;
      const policy = byName(policies, callee);
      const port = [{ port: Number(environmentOf(callee).PORT) }];
      expect(matches(policy.spec?.podSelector?.matchLabels, podLabels(callee))).toBe(true);
      expect(policy.spec?.policyTypes).toEqual(['Ingress']);
      expect(policy.spec?.ingress).toHaveLength(2);
      const [fromCaller, fromScraper] = policy.spec!.ingress!;
      expect(fromCaller.from).toHaveLength(1);
      expect(matches(fromCaller.from?.[0].podSelector?.matchLabels, podLabels(caller))).toBe(true);
      expect(fromCaller.ports).toEqual(port);
      // The scraper's rule names pods of one namespace (both selectors), never every pod of the cluster.
      expect(fromScraper.from).toHaveLength(1);
      expect(fromScraper.from?.[0].namespaceSelector?.matchLabels).toBeDefined();
      expect(fromScraper.from?.[0].podSelector?.matchLabels).toBeDefined();
      expect(fromScraper.ports).toEqual(port);
    }
  });

  it('announces /metrics on the container port to an annotation-driven Prometheus', () => {
    for (const name of NAMES) {
      const annotations = byName(deployments, name).spec?.template.metadata?.annotations ?? {};
      expect(annotations).toEqual({
        'prometheus.io/scrape': 'true',
        'prometheus.io/port': environmentOf(name).PORT,
        'prometheus.io/path': '/metrics',
      });
    }
  });

  it('gives each pod time to drain: the grace period covers SHUTDOWN_DELAY_MS plus the longest call under way', () => {
    for (const name of NAMES) {
      const env = environmentOf(name);
      const delayMs = Number(env.SHUTDOWN_DELAY_MS ?? 0);
      const downstreamMs = Number(env.DOWNSTREAM_TIMEOUT_MS ?? 5000); // the services' default
      const graceSec = byName(deployments, name).spec?.template.spec?.terminationGracePeriodSeconds ?? 30;
      expect(delayMs).toBeGreaterThan(0); // 0 would close the listener before the Service stops sending
      expect(graceSec * 1000).toBeGreaterThan(delayMs + downstreamMs);
    }
  });
});
