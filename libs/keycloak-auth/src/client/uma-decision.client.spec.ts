import { resolveKeycloakAuthOptions } from '../config/resolve-options';
import type { LocalIdp } from '../testing/local-idp';
import { KeycloakOAuthClient } from './keycloak-oauth.client';
import { UMA_TICKET_GRANT, UmaDecisionClient } from './uma-decision.client';
import { startS2sIdp } from '../../../../test/support/s2s-idp';

describe('UmaDecisionClient against a stub of the token endpoint', () => {
  let idp: LocalIdp;
  let oauth: KeycloakOAuthClient;
  let client: UmaDecisionClient;
  const order = { resource: 'order', scopes: ['approve'] };
  const ask = (permissions = [order]) => client.decide({ subjectToken: 'caller-token', permissions });

  beforeAll(async () => {
    idp = await startS2sIdp();
    oauth = new KeycloakOAuthClient(
      resolveKeycloakAuthOptions(idp.moduleOptions({ http: { timeoutMs: 500 } })),
    );
    client = new UmaDecisionClient(oauth, 'service-b');
  });

  afterAll(async () => {
    await oauth.close();
    await idp.stop();
  });

  beforeEach(() => {
    idp.behaviour.token = 'answer';
  });

  const answer = (status: number, body: unknown) => (idp.tokenAnswer = { status, body });

  it('sends the UMA grant with the audience, permission, response mode and subject token; no pushed claims unasked', async () => {
    answer(200, { result: true });
    expect(await ask()).toEqual(['allowed']);
    const form = idp.forms.token.at(-1)!;
    expect(form.get('grant_type')).toBe(UMA_TICKET_GRANT);
    expect(form.get('audience')).toBe('service-b');
    expect(form.get('permission')).toBe('order#approve');
    expect(form.get('response_mode')).toBe('decision');
    expect(form.get('subject_token')).toBe('caller-token');
    expect(form.has('claim_token')).toBe(false);
  });

  it('asks a permission of several scopes in permissions mode: granted only when every scope is listed', async () => {
    const both = { resource: 'order', scopes: ['read', 'approve'] };
    answer(200, [{ rsname: 'order', rsid: 'id-1', scopes: ['read'] }]);
    expect(await ask([both])).toEqual(['denied']);
    expect(idp.forms.token.at(-1)!.get('response_mode')).toBe('permissions');
    expect(idp.forms.token.at(-1)!.get('permission')).toBe('order#read,approve');
    answer(200, [{ rsname: 'order', rsid: 'id-1', scopes: ['approve', 'read'] }]);
    expect(await ask([both])).toEqual(['allowed']);
  });

  it('reads a decision that is not `true` as a denial', async () => {
    answer(200, { result: false });
    expect(await ask()).toEqual(['denied']);
  });

  it('reads 403 access_denied as denied; of several, each is asked again on its own for its exact verdict', async () => {
    answer(403, { error: 'access_denied', error_description: 'not_authorized' });
    expect(await ask()).toEqual(['denied']);
    const before = idp.forms.token.length;
    expect(await ask([order, { resource: 'invoice', scopes: [] }])).toEqual(['denied', 'denied']);
    const forms = idp.forms.token.slice(before).map((f) => f.getAll('permission').join(' '));
    expect(forms).toEqual(['order#approve invoice', 'order#approve', 'invoice']);
  });

  it('tells an unknown resource from a denied one when several are asked (Keycloak leaves it out silently)', async () => {
    idp.tokenAnswer = (form) => {
      const asked = form.getAll('permission');
      if (asked.length > 1) return { status: 200, body: [{ rsname: 'order', scopes: ['approve'] }] };
      if (asked[0] === 'nope#read') return { status: 400, body: { error: 'invalid_resource' } };
      return { status: 403, body: { error: 'access_denied' } };
    };
    const verdicts = await ask([
      order,
      { resource: 'nope', scopes: ['read'] },
      { resource: 'invoice', scopes: [] },
    ]);
    expect(verdicts).toEqual(['allowed', 'unknown_resource', 'denied']);
  });

  it('reads invalid_resource and invalid_scope as unknown; with several, asks each on its own', async () => {
    answer(400, { error: 'invalid_scope', error_description: 'One of the given scopes [x] is invalid' });
    expect(await ask()).toEqual(['unknown_resource']);
    idp.tokenAnswer = (form) =>
      form.get('response_mode') === 'permissions' || form.get('permission') === 'nope#read'
        ? { status: 400, body: { error: 'invalid_resource' } }
        : { status: 200, body: { result: true } };
    expect(await ask([order, { resource: 'nope', scopes: ['read'] }])).toEqual([
      'allowed',
      'unknown_resource',
    ]);
  });

  it.each([
    [400, { error: 'unauthorized_client', error_description: 'Invalid identity' }, 401, 'token_inactive'],
    [
      401,
      { error: 'unauthorized_client', error_description: 'Invalid client or Invalid client credentials' },
      503,
      'idp_rejected_client',
    ],
    [400, { error: 'invalid_client' }, 503, 'idp_rejected_client'],
    [
      400,
      { error: 'invalid_request', error_description: 'Client does not support permissions' },
      502,
      'authorization_failed',
    ],
    [500, { error: 'server_error' }, 503, 'idp_unavailable'],
    [404, 'not json', 503, 'idp_unavailable'],
  ])('fails closed on HTTP %i %j: %i %s', async (status, body, expected, code) => {
    answer(status, body);
    await expect(ask()).rejects.toMatchObject({ code, status: expected });
  });

  it('Keycloak unreachable: 503 idp_unavailable', async () => {
    idp.behaviour.token = 'reset';
    await expect(ask()).rejects.toMatchObject({ code: 'idp_unavailable' });
  });
});
