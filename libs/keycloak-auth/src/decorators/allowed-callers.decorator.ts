import { SetMetadata } from '@nestjs/common';
import { ALLOWED_CALLERS_KEY } from '../keycloak-auth.constants';

/** Only tokens whose `azp` (the client that obtained them) is one of these may call: service-c accepts only service-b. */
export const AllowedCallers = (...clientIds: string[]) => SetMetadata(ALLOWED_CALLERS_KEY, clientIds);
