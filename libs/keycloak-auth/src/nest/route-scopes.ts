import { Inject, Injectable } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { IS_PUBLIC_KEY, REQUIRED_SCOPES_KEY } from '../core/constants';

/**
 * The scopes the application's routes ask for with `@RequireScopes` (on a handler or its class; HTTP controllers
 * and GraphQL resolvers alike), for the metadata's `scopes_supported`. A public route's scopes are not enforced
 * and not listed. Read once, on first use, once every module is in place.
 */
@Injectable()
export class RouteScopes {
  private scopes?: readonly string[];

  constructor(
    @Inject(DiscoveryService) private readonly discovery: DiscoveryService,
    @Inject(MetadataScanner) private readonly scanner: MetadataScanner,
    @Inject(Reflector) private readonly reflector: Reflector,
  ) {}

  /** Every distinct scope, sorted. */
  all(): readonly string[] {
    return (this.scopes ??= this.collect());
  }

  private collect(): readonly string[] {
    const found = new Set<string>();
    const wrappers = [...this.discovery.getControllers(), ...this.discovery.getProviders()];
    for (const wrapper of wrappers) {
      const type: unknown = wrapper.metatype;
      if (typeof type !== 'function' || wrapper.isNotMetatype) continue;
      const prototype = type.prototype as object | undefined;
      if (!prototype) continue;
      for (const name of this.scanner.getAllMethodNames(prototype)) {
        const handler = (prototype as Record<string, unknown>)[name];
        if (typeof handler !== 'function') continue;
        const targets = [handler, type];
        if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, targets) === true) continue;
        const scopes = this.reflector.getAllAndOverride<string[] | undefined>(REQUIRED_SCOPES_KEY, targets);
        for (const scope of scopes ?? []) found.add(scope);
      }
    }
    return [...found].sort();
  }
}
