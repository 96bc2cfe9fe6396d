import { applyDecorators, SetMetadata } from '@nestjs/common';
import { IS_PUBLIC_KEY, OPTIONAL_AUTHENTICATION_KEY } from '../core/constants';

/**
 * Marks a route or controller as reachable without a token (health checks, the BFF's page). With
 * `{ authentication: 'optional' }` a request that carries an Authorization header is still authenticated: a
 * valid token gives the handler its principal (`@CurrentPrincipal()`), a request without the header has none,
 * and a token that fails verification (forged, expired, another audience) is refused with 401 as on any guarded
 * route — never let through as anonymous. `@Roles`, `@RequireScopes` and `@AllowedCallers` do not apply to a
 * public route.
 *
 * @example
 * ```ts
 * @Public({ authentication: 'optional' })
 * @Get('catalogue')
 * list(@CurrentPrincipal() caller: Principal | undefined) {}
 * ```
 */
export function Public(options: { authentication?: 'none' | 'optional' } = {}) {
  const authentication = options.authentication ?? 'none';
  if (authentication !== 'none' && authentication !== 'optional')
    throw new Error(`@Public: authentication must be 'none' or 'optional', not ${String(authentication)}`);
  return authentication === 'optional'
    ? applyDecorators(SetMetadata(IS_PUBLIC_KEY, true), SetMetadata(OPTIONAL_AUTHENTICATION_KEY, true))
    : SetMetadata(IS_PUBLIC_KEY, true);
}
