import { applyDecorators, SetMetadata } from '@nestjs/common';
import { REQUIRED_ROLES_KEY, ROLES_MATCH_KEY } from '../core/constants';

/**
 * The token must carry one of these roles, or all of them with `{ match: 'all' }` last: `name` for a realm role,
 * `client:name` for a client role. 403 `insufficient_role` otherwise.
 *
 * @example
 * ```ts
 * @Roles('orders-user', 'orders-api:reader') // either
 * @Roles('orders-user', 'orders-api:approver', { match: 'all' }) // both
 * ```
 */
export function Roles(
  ...args: [...roles: string[]] | [...roles: string[], options: { match: 'any' | 'all' }]
) {
  const last = args[args.length - 1];
  const options = typeof last === 'object' ? last : undefined;
  const roles = (options ? args.slice(0, -1) : args) as string[];
  if (options && options.match !== 'any' && options.match !== 'all')
    throw new Error(`@Roles: match must be 'any' or 'all', not ${String(options.match)}`);
  return applyDecorators(
    SetMetadata(REQUIRED_ROLES_KEY, roles),
    SetMetadata(ROLES_MATCH_KEY, options?.match ?? 'any'),
  );
}
