import { SetMetadata } from '@nestjs/common';
import { REQUIRED_ROLES_KEY } from '../core/constants';

/** The token must carry at least one of these roles: `name` for a realm role, `client:name` for a client role. */
export const Roles = (...roles: string[]) => SetMetadata(REQUIRED_ROLES_KEY, roles);
