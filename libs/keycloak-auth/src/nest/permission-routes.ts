import { Controller, Get } from '@nestjs/common';
import type { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { REQUIRED_PERMISSIONS_KEY } from '../core/authz.constants';
import type { PermissionRequirement } from './permission-requirement';

/**
 * Where `@Controller()` and `@Get()` keep a path: learnt once by applying them to a probe class, so the library
 * reads no Nest internals by name and follows the installed Nest (as the route-input checks do).
 */
const PATH_KEY = (() => {
  const path = 'keycloak-auth-probe-path';
  class Probe {
    handler(): void {}
  }
  Get(path)(Probe.prototype, 'handler', Object.getOwnPropertyDescriptor(Probe.prototype, 'handler')!);
  Controller(path)(Probe);
  const onClass = Reflect.getOwnMetadataKeys(Probe) as unknown[];
  const key = onClass.find((k) => Reflect.getOwnMetadata(k, Probe) === path);
  if (key === undefined || Reflect.getOwnMetadata(key, Probe.prototype.handler) !== path)
    throw new Error('keycloak-auth: cannot find where Nest keeps a route path');
  return key;
})();

/** The names of the parameters a route path declares (`:id`, `{/:id}`, `*rest`). */
function parameterNames(paths: readonly unknown[]): Set<string> {
  const names = new Set<string>();
  for (const path of paths.flat())
    if (typeof path === 'string')
      for (const [, name] of path.matchAll(/[:*]([A-Za-z_$][\w$]*)/g)) names.add(name);
  return names;
}

/** The `{name}`s of a resource template (`order:{id}`). */
function templateNames(resource: string): string[] {
  return [...resource.matchAll(/\{([^}]+)\}/g)].map(([, name]) => name);
}

/**
 * At startup: every `@RequirePermission` whose resource names a route parameter (`order:{id}`) is on a route that
 * declares it, in its own path, its controller's, its module's (RouterModule) or the global prefix. A route
 * without it would refuse every request with a 500 (the parameter is read per request); this throws instead,
 * naming the controller, the handler and the parameter, so the application does not start.
 */
export function assertPermissionParameters(
  discovery: DiscoveryService,
  scanner: MetadataScanner,
  reflector: Reflector,
  globalPrefix: string,
): void {
  const problems: string[] = [];
  for (const wrapper of discovery.getControllers()) {
    const type: unknown = wrapper.metatype;
    if (typeof type !== 'function' || wrapper.isNotMetatype) continue;
    const prototype = type.prototype as Record<string, unknown>;
    const outer = [
      globalPrefix,
      Reflect.getMetadata(PATH_KEY, type) as unknown,
      ...modulePaths(wrapper.host?.metatype),
    ];
    for (const name of scanner.getAllMethodNames(prototype)) {
      const handler = prototype[name];
      if (typeof handler !== 'function') continue;
      const requirements = reflector.getAllAndMerge<PermissionRequirement[]>(REQUIRED_PERMISSIONS_KEY, [
        type,
        handler as () => void,
      ]);
      if (requirements.length === 0) continue;
      const declared = parameterNames([...outer, Reflect.getMetadata(PATH_KEY, handler) as unknown]);
      for (const { resource } of requirements)
        for (const parameter of templateNames(resource))
          if (!declared.has(parameter))
            problems.push(
              `${type.name}.${name}: @RequirePermission('${resource}') names route parameter "${parameter}", which the route does not have`,
            );
    }
  }
  if (problems.length > 0) throw new Error(`keycloak-auth: ${problems.join('; ')}`);
}

/**
 * The paths RouterModule gave a module: the string-valued metadata of its class (its other metadata, from
 * `@Module()`, are lists and flags), read without naming Nest's key, which also carries the application's id.
 */
function modulePaths(module: object | undefined): string[] {
  if (!module) return [];
  return (Reflect.getOwnMetadataKeys(module) as unknown[])
    .map((key) => Reflect.getOwnMetadata(key, module) as unknown)
    .filter((value): value is string => typeof value === 'string');
}
