import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

const root = join(__dirname, '..', '..');

/** One service of a compose model, as far as the tests read it (`docker-compose config` prints this shape). */
export interface ComposeService {
  image?: string;
  build?: { context: string; args?: Record<string, string> };
  command?: string[];
  environment?: Record<string, string>;
  ports?: (string | { published: number | string; target: number | string })[];
  volumes?: (string | { source: string; target: string })[];
  healthcheck?: { test: string[] | string; interval?: string; timeout?: string; retries?: number };
  depends_on?: Record<string, { condition: string }> | string[];
}

/** A compose model: the file as written (anchors and `<<` merges resolved) or as the real parser resolved it. */
export interface ComposeModel {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

/** docker-compose.yml as YAML with merge keys resolved — what the Postgres e2e job reads its variables from. */
export function readComposeFile(file = join(root, 'docker-compose.yml')): ComposeModel {
  return parse(readFileSync(file, 'utf8'), { merge: true }) as ComposeModel;
}

/** A service of the model; throws naming it when the model has none of that name. */
export function composeService(model: ComposeModel, name: string): ComposeService {
  const service = model.services[name];
  if (!service) throw new Error(`docker-compose.yml has no service ${name}`);
  return service;
}

/** A service's environment as strings (the map form; the list form `KEY=value` is refused to keep reading simple). */
export function composeEnvironment(model: ComposeModel, name: string): Record<string, string> {
  const env = composeService(model, name).environment ?? {};
  if (Array.isArray(env)) throw new Error(`${name}: write environment as a map, not a KEY=value list`);
  return Object.fromEntries(Object.entries(env).map(([key, value]) => [key, String(value)]));
}

/** The `host:port` pairs of a service's published ports, as `{ published, target }`. */
export function publishedPorts(service: ComposeService): { published: number; target: number }[] {
  return (service.ports ?? []).map((port) => {
    const [published, target] = typeof port === 'string' ? port.split(':') : [port.published, port.target];
    return { published: Number(published), target: Number(target) };
  });
}

/** A healthcheck's command as argv: the exec form `CMD a b` as is, the shell form `CMD-SHELL s` as `sh -c s`. */
export function healthcheckCommand(service: ComposeService): string[] {
  const test = service.healthcheck?.test;
  if (!test) throw new Error('no healthcheck');
  const [kind, ...rest] = typeof test === 'string' ? ['CMD-SHELL', test] : test;
  if (kind === 'CMD') return rest;
  if (kind === 'CMD-SHELL') return ['sh', '-c', rest.join(' ')];
  throw new Error(`unknown healthcheck form ${kind}`);
}

/**
 * Rewrites every `//host:port` of `env`'s values by `hosts` (`{ 'keycloak:8080': '127.0.0.1:41234' }`): the compose
 * network's names become loopback ports. Throws when a value still names a host of `compose` afterwards, so a new
 * host in the file cannot slip through unmapped.
 */
export function toLoopback(
  env: Record<string, string>,
  hosts: Record<string, string>,
  compose: ComposeModel,
): Record<string, string> {
  const mapped = Object.fromEntries(
    Object.entries(env).map(([key, value]) => [
      key,
      Object.entries(hosts).reduce((v, [from, to]) => v.split(`//${from}`).join(`//${to}`), value),
    ]),
  );
  const names = Object.keys(compose.services).join('|');
  for (const [key, value] of Object.entries(mapped))
    if (new RegExp(`//(${names})[:/]`).test(value))
      throw new Error(`${key}=${value} still names a compose host`);
  return mapped;
}
