import { SetMetadata } from '@nestjs/common';
import { ALLOWED_CALLERS_KEY } from '../core/constants';

/**
 * Only tokens whose `azp` (the client that obtained them) is one of these may call: service-c accepts only
 * service-b. When the token carries an RFC 8693 `act` chain, its current actor must be one of these too; earlier
 * actors are in `Principal.actors` for the handler to judge.
 */
export const AllowedCallers = (...clientIds: string[]) => SetMetadata(ALLOWED_CALLERS_KEY, clientIds);
