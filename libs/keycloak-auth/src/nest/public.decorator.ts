import { SetMetadata } from '@nestjs/common';
import { IS_PUBLIC_KEY } from '../core/constants';

/** Marks a route or controller as reachable without a token (health checks, the BFF's page). */
export const Public = () => SetMetadata(IS_PUBLIC_KEY, true);
