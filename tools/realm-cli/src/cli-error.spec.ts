import { CliError, describeFailure } from './cli-error';

const URL = 'http://kc.test:8080';

describe('describeFailure', () => {
  it('passes a CliError through', () => {
    expect(describeFailure(new CliError('no client x in realm y'), URL)).toBe('no client x in realm y');
  });

  it('names the status and path of a refused admin call, not its body', () => {
    const error = Object.assign(new Error('unknown_error'), {
      response: { status: 409, url: `${URL}/admin/realms/s2s/clients?secret=never-shown` },
    });
    expect(describeFailure(error, URL)).toBe(
      `Keycloak at ${URL} answered 409 to /admin/realms/s2s/clients: unknown_error`,
    );
  });

  it('says Keycloak cannot be reached, with the network error code', () => {
    const error = new TypeError('fetch failed', {
      cause: Object.assign(new Error('connect'), { code: 'ENOTFOUND' }),
    });
    expect(describeFailure(error, URL)).toBe(`cannot reach Keycloak at ${URL} (ENOTFOUND)`);
  });

  it('reduces anything else to its message', () => {
    expect(describeFailure(new RangeError('boom'), URL)).toBe('unexpected error: boom');
    expect(describeFailure('text', URL)).toBe('unexpected error: text');
  });
});
