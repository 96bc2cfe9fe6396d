import {
  Controller,
  Get,
  HttpCode,
  INestApplication,
  Logger,
  Module,
  Param,
  Post,
  UseGuards,
} from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { listenOnLoopback, metadataOf } from '../../../../test/support/loopback-app';
import { AUTHZ_OUTCOMES, AUTHZ_SOURCES, KeycloakAuthObserver } from '../transport/keycloak-auth.observer';
import { LocalIdp } from '../testing/local-idp';
import { KeycloakAuthModule } from './keycloak-auth.module';
import { KeycloakAuthGuard } from './keycloak-auth.guard';
import { KeycloakAuthzModule } from './keycloak-authz.module';
import { Public } from './public.decorator';
import { PermissionEnforcement, RequirePermission } from './require-permission.decorator';
import { RequireScopes } from './require-scopes.decorator';
import { UMA_TICKET_GRANT } from '../client/uma-decision.client';
import type { KeycloakAuthzOptions } from '../config/authz.options';
import { startS2sIdp } from '../../../../test/support/s2s-idp';

let handled = 0;

@Controller()
class OrdersController {
  @RequireScopes('orders.read')
  @RequirePermission('order:{id}', 'approve')
  @HttpCode(200)
  @Post('orders/:id/approve')
  approve(@Param('id') id: string) {
    handled++;
    return { approved: id };
  }

  @RequirePermission('order', 'read')
  @RequirePermission('invoice', 'view:all')
  @Get('both')
  both() {
    handled++;
    return { ok: true };
  }

  @PermissionEnforcement('permissive')
  @RequirePermission('order:{id}', 'read')
  @Get('orders/:id/permissive')
  permissive() {
    handled++;
    return { ok: true };
  }

  @PermissionEnforcement('disabled')
  @RequirePermission('order', 'read')
  @Get('disabled')
  disabled() {
    handled++;
    return { ok: true };
  }

  @Public()
  @RequirePermission('order', 'read')
  @Get('public')
  publicRoute() {
    handled++;
    return { ok: true };
  }

  @RequirePermission('order', (request, caller) =>
    (request as { query: { bulk?: string } }).query.bulk && caller.username === 'alice'
      ? ['approve', 'bulk']
      : ['approve'],
  )
  @Get('conditional')
  conditional() {
    handled++;
    return { ok: true };
  }
}

@RequirePermission('order', 'read')
@Controller('reports')
class ReportsController {
  @RequirePermission('report', 'view')
  @Get()
  list() {
    handled++;
    return { ok: true };
  }
}

@Module({ controllers: [OrdersController, ReportsController] })
class OrdersModule {}

type Verdict = 'allow' | 'deny' | 'unknown';

/** A token endpoint that decides as Keycloak does: per `resource#scopes`, `allow` unless told otherwise. */
function decideAs(idp: LocalIdp, verdicts: Record<string, Verdict>) {
  idp.tokenAnswer = (form) => {
    if (form.get('grant_type') !== UMA_TICKET_GRANT)
      return { status: 400, body: { error: 'unsupported_grant_type' } };
    const asked = form.getAll('permission');
    const of = (p: string) => verdicts[p] ?? 'allow';
    if (form.get('response_mode') === 'decision') {
      const v = of(asked[0]);
      if (v === 'unknown')
        return {
          status: 400,
          body: { error: 'invalid_resource', error_description: 'Resource with id [x] does not exist.' },
        };
      if (v === 'deny')
        return { status: 403, body: { error: 'access_denied', error_description: 'not_authorized' } };
      return { status: 200, body: { result: true } };
    }
    const granted = asked.filter((p) => of(p) === 'allow');
    if (granted.length === 0)
      return { status: 403, body: { error: 'access_denied', error_description: 'not_authorized' } };
    return {
      status: 200,
      body: granted.map((p) => ({ rsname: p.split('#')[0], scopes: p.split('#')[1].split(',') })),
    };
  };
}

describe.each([
  ['fastify', () => new FastifyAdapter()],
  ['express', () => new ExpressAdapter()],
] as const)('@RequirePermission on %s', (_name, adapter) => {
  let idp: LocalIdp;
  let app: INestApplication;
  let base: string;
  const events: { outcome: string; source: string }[] = [];
  const warnings: string[] = [];

  const observer: KeycloakAuthObserver = {
    authenticated: () => undefined,
    idpCall: () => undefined,
    cacheLookup: () => undefined,
    authorized: (event) => events.push(event),
  };

  async function start(authz: KeycloakAuthzOptions) {
    const moduleRef = await Test.createTestingModule({
      imports: [
        KeycloakAuthModule.forRoot(idp.moduleOptions({ observer })),
        KeycloakAuthzModule.forRoot(authz),
        OrdersModule,
      ],
    }).compile();
    app = moduleRef.createNestApplication(adapter(), { logger: false });
    base = await listenOnLoopback(app);
  }

  beforeAll(async () => {
    idp = await startS2sIdp();
    vi.spyOn(Logger.prototype, 'warn').mockImplementation(
      (message: unknown) => void warnings.push(String(message)),
    );
    await start({ claims: { method: true, path: true, user: (_r, p) => ({ tenant: p.username ?? '' }) } });
  });

  afterAll(async () => {
    vi.restoreAllMocks();
    await app.close();
    await idp.stop();
  });

  beforeEach(() => {
    decideAs(idp, {});
    idp.behaviour.token = 'answer';
    events.length = 0;
    warnings.length = 0;
    handled = 0;
  });

  const send = async (method: string, path: string, token?: string) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
    return {
      status: res.status,
      challenge: res.headers.get('www-authenticate'),
      body: (await res.json()) as Record<string, unknown>,
    };
  };
  const umaForms = () => idp.forms.token.filter((f) => f.get('grant_type') === UMA_TICKET_GRANT);

  it('asks Keycloak once with the UMA grant (decision mode), as this service, the caller as subject', async () => {
    const before = umaForms().length;
    const token = await idp.issue();
    const res = await send('POST', '/orders/42/approve', token);
    expect(res).toMatchObject({ status: 200, body: { approved: '42' } });
    const forms = umaForms().slice(before);
    expect(forms).toHaveLength(1);
    const form = forms[0];
    expect(form.get('audience')).toBe('service-b');
    expect(form.getAll('permission')).toEqual(['order:42#approve']);
    expect(form.get('response_mode')).toBe('decision');
    expect(form.get('subject_token')).toBe(token);
    expect(form.get('claim_token_format')).toBe('urn:ietf:params:oauth:token-type:jwt');
    expect(JSON.parse(Buffer.from(form.get('claim_token')!, 'base64url').toString())).toEqual({
      'http.method': ['POST'],
      'http.uri': ['/orders/42/approve'],
      tenant: ['alice'],
    });
    // Authenticated as this service (its client secret here, in HTTP Basic): its existing client authentication.
    expect(idp.authorizations.at(-1)).toMatch(/^Basic /);
    expect(events).toEqual([{ outcome: 'allowed', source: 'keycloak' }]);
  });

  it('answers the same token and permission from its cache: no second call', async () => {
    const token = await idp.issue();
    await send('POST', '/orders/7/approve', token);
    const before = idp.requests.token;
    expect((await send('POST', '/orders/7/approve', token)).status).toBe(200);
    expect(idp.requests.token).toBe(before);
    expect(events.at(-1)).toEqual({ outcome: 'allowed', source: 'cache' });
  });

  it('100 concurrent requests with one token and one permission make one Keycloak call', async () => {
    const token = await idp.issue();
    const before = idp.requests.token;
    const answers = await Promise.all(
      Array.from({ length: 100 }, () => send('POST', '/orders/100/approve', token)),
    );
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(idp.requests.token - before).toBe(1);
  });

  it('denied: 403 insufficient_scope (permission_denied), a challenge naming no resource, the handler not run', async () => {
    decideAs(idp, { 'order:9#approve': 'deny' });
    const res = await send('POST', '/orders/9/approve', await idp.issue());
    expect(res).toMatchObject({
      status: 403,
      body: { code: 'permission_denied', error: 'insufficient_scope' },
    });
    expect(res.challenge).toBe(
      'Bearer realm="s2s", error="insufficient_scope", error_description="the permission this route requires is not granted", ' +
        metadataOf(base),
    );
    expect(res.challenge).not.toMatch(/order|approve/);
    expect(handled).toBe(0);
    expect(events).toEqual([{ outcome: 'denied', source: 'keycloak' }]);
  });

  it('a forged token is refused by authentication (401): Keycloak is never asked', async () => {
    const token = await idp.issue();
    const forged = `${token.slice(0, -6)}AAAAAA`;
    const before = idp.requests.token;
    const res = await send('POST', '/orders/1/approve', forged);
    expect(res).toMatchObject({ status: 401, body: { error: 'invalid_token' } });
    expect(res.challenge).toMatch(/error="invalid_token"/);
    expect(idp.requests.token).toBe(before);
    expect(handled).toBe(0);
  });

  it('no token, or a token lacking the route scope: refused before any decision', async () => {
    const before = idp.requests.token;
    expect((await send('POST', '/orders/1/approve')).status).toBe(401);
    const res = await send('POST', '/orders/1/approve', await idp.issue({ scope: 'profile' }));
    expect(res).toMatchObject({ status: 403, body: { code: 'insufficient_scope' } });
    expect(idp.requests.token).toBe(before);
  });

  it('Keycloak unreachable: 503 idp_unavailable, never allowed, nothing cached', async () => {
    idp.behaviour.token = 'reset';
    const token = await idp.issue();
    const res = await send('POST', '/orders/5/approve', token);
    expect(res).toMatchObject({ status: 503, body: { code: 'idp_unavailable' } });
    expect(handled).toBe(0);
    expect(events).toEqual([{ outcome: 'unavailable', source: 'keycloak' }]);
    idp.behaviour.token = 'answer';
    expect((await send('POST', '/orders/5/approve', token)).status).toBe(200);
  });

  it('Keycloak failing (HTTP 500): 503, never allowed', async () => {
    idp.tokenAnswer = { status: 500, body: 'oops' };
    const res = await send('POST', '/orders/6/approve', await idp.issue());
    expect(res).toMatchObject({ status: 503, body: { code: 'idp_unavailable' } });
    expect(handled).toBe(0);
  });

  it('enforcing: a resource Keycloak does not know is refused (403)', async () => {
    decideAs(idp, { 'order:8#approve': 'unknown' });
    const res = await send('POST', '/orders/8/approve', await idp.issue());
    expect(res).toMatchObject({ status: 403, body: { code: 'permission_denied' } });
    expect(events).toEqual([{ outcome: 'unknown_resource', source: 'keycloak' }]);
  });

  it('permissive: an unknown resource passes and is logged; a denial is still refused', async () => {
    decideAs(idp, { 'order:77#read': 'unknown', 'order:78#read': 'deny' });
    const token = await idp.issue();
    expect((await send('GET', '/orders/77/permissive', token)).status).toBe(200);
    // Logged once per decision Keycloak made, not again when the cache answers.
    expect((await send('GET', '/orders/77/permissive', token)).status).toBe(200);
    expect(warnings).toEqual([expect.stringContaining('order:77#read')]);
    expect((await send('GET', '/orders/78/permissive', token)).status).toBe(403);
  });

  it('disabled: asks nothing', async () => {
    const before = idp.requests.token;
    expect((await send('GET', '/disabled', await idp.issue())).status).toBe(200);
    expect(idp.requests.token).toBe(before);
  });

  it('on a public route there is no verified caller: 401, Keycloak not asked', async () => {
    const before = idp.requests.token;
    const res = await send('GET', '/public');
    expect(res).toMatchObject({ status: 401, body: { code: 'token_missing' } });
    expect(idp.requests.token).toBe(before);
  });

  it('several permissions on a route are asked in one call (permissions mode); all are required', async () => {
    const before = umaForms().length;
    const token = await idp.issue();
    expect((await send('GET', '/both', token)).status).toBe(200);
    const forms = umaForms().slice(before);
    expect(forms).toHaveLength(1);
    expect(forms[0].get('response_mode')).toBe('permissions');
    // A scope with a colon is sent whole (nest-keycloak-connect cut it at the colon).
    expect(forms[0].getAll('permission').sort()).toEqual(['invoice#view:all', 'order#read']);
    decideAs(idp, { 'invoice#view:all': 'deny' });
    expect((await send('GET', '/both', await idp.issue({ jti: 'other' }))).status).toBe(403);
  });

  it('a permission on the controller and one on the route: both required, decided once per request', async () => {
    const before = umaForms().length;
    expect((await send('GET', '/reports', await idp.issue())).status).toBe(200);
    expect(
      umaForms()
        .slice(before)
        .flatMap((f) => f.getAll('permission'))
        .sort(),
    ).toEqual(['order#read', 'report#view']);
    expect(events).toHaveLength(2);
  });

  it('scopes chosen per request (a function)', async () => {
    const before = umaForms().length;
    const token = await idp.issue();
    await send('GET', '/conditional?bulk=1', token);
    expect(
      umaForms()
        .slice(before)
        .map((f) => f.get('permission')),
    ).toEqual(['order#approve,bulk']);
  });

  it('a route parameter that would change the permission (# or ,) is refused without asking', async () => {
    const before = idp.requests.token;
    const res = await send('POST', `/orders/${encodeURIComponent('1#read')}/approve`, await idp.issue());
    expect(res).toMatchObject({ status: 403, body: { code: 'permission_denied' } });
    expect(idp.requests.token).toBe(before);
  });

  it('an RPT whose authorization claim grants the permission is allowed locally: Keycloak not asked', async () => {
    const before = idp.requests.token;
    const rpt = await idp.issue({
      authorization: { permissions: [{ rsname: 'order:3', rsid: 'id-3', scopes: ['approve'] }] },
    });
    expect((await send('POST', '/orders/3/approve', rpt)).status).toBe(200);
    expect(idp.requests.token).toBe(before);
    expect(events).toEqual([{ outcome: 'allowed', source: 'claim' }]);
    // The claim for another resource does not count: Keycloak decides.
    await send('POST', '/orders/4/approve', rpt);
    expect(idp.requests.token).toBe(before + 1);
  });

  it('the event labels are the fixed lists', () => {
    expect(AUTHZ_OUTCOMES).toEqual(['allowed', 'denied', 'unknown_resource', 'unavailable']);
    expect(AUTHZ_SOURCES).toEqual(['claim', 'cache', 'keycloak']);
  });
});

describe('KeycloakAuthzGuard on its own', () => {
  it('refuses a request the authentication guard did not verify (another guard let it through)', async () => {
    const idp = await startS2sIdp();
    @Controller()
    class OpenController {
      @UseGuards({ canActivate: () => true })
      @RequirePermission('order', 'read')
      @Get('open')
      open() {
        return { ok: true };
      }
    }
    const moduleRef = await Test.createTestingModule({
      imports: [
        KeycloakAuthModule.forRoot(idp.moduleOptions({ globalGuard: false })),
        KeycloakAuthzModule.forRoot({}),
      ],
      controllers: [OpenController],
    }).compile();
    const app = moduleRef.createNestApplication(new FastifyAdapter(), { logger: false });
    const base = await listenOnLoopback(app);
    try {
      const res = await fetch(`${base}/open`, { headers: { authorization: `Bearer ${await idp.issue()}` } });
      expect(res.status).toBe(401);
      expect(idp.requests.token).toBe(0);
    } finally {
      await app.close();
      await idp.stop();
    }
    expect(KeycloakAuthGuard).toBeDefined();
  });
});
