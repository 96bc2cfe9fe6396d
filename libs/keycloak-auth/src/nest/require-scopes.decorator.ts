import { SetMetadata } from '@nestjs/common';
import { REQUIRED_SCOPES_KEY } from '../core/constants';

/** The token's `scope` must contain every one of these, else 403 insufficient_scope naming them. */
export const RequireScopes = (...scopes: string[]) => SetMetadata(REQUIRED_SCOPES_KEY, scopes);
