import { boundExchangeAsServiceB, dpopKey } from './support/dpop';
import { serviceToken, stacks } from './support/keycloak';
import { post } from './support/http';

describe('request bodies the services refuse, naming the field', () => {
  const stack = stacks().jwt;
  const chain = () => `${stack['service-a']}/api/chain`;

  it.each([
    ['missing order_id', { amount: 10 }, 'order_id'],
    ['order_id not an integer', { order_id: 1.5, amount: 10 }, 'order_id'],
    ['order_id as a string', { order_id: '9876', amount: 10 }, 'order_id'],
    ['negative amount', { order_id: 1, amount: -5 }, 'amount'],
    ['zero amount', { order_id: 1, amount: 0 }, 'amount'],
    ['non-numeric value', { order_id: 1, amount: 5, value: 'ten' }, 'value'],
    ['a field the contract does not have', { order_id: 1, amount: 5, admin: true }, 'admin'],
  ])('service-a: %s → 400', async (_case, body, field) => {
    const res = await post(chain(), body);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ statusCode: 400, error: 'invalid_request', fields: [field] });
    expect(res.body.message).toContain(field);
  });

  it('service-a: a body that is not JSON → 400 saying so', async () => {
    const res = await post(chain(), '{"order_id": 1,');
    expect(res.status).toBe(400);
    expect(String(res.body.message)).toMatch(/JSON/);
  });

  it('service-a: another content type → 415', async () => {
    const res = await post(chain(), 'order_id=1&amount=2', { contentType: 'text/plain' });
    expect(res.status).toBe(415);
  });

  it('service-b: an authenticated request with a negative amount → 400 naming amount', async () => {
    const res = await post(
      `${stack['service-b']}/api/process`,
      { order_id: 3, amount: -1 },
      {
        token: await serviceToken('service-a'),
      },
    );
    expect(res.status).toBe(400);
    expect(res.body.fields).toEqual(['amount']);
  });

  it('service-c: a non-numeric value → 400 naming value', async () => {
    const key = await dpopKey();
    const token = await boundExchangeAsServiceB(await serviceToken('service-a'), key);
    const res = await post(`${stack['service-c']}/api/compute`, { value: '10' }, { token, dpop: key });
    expect(res.status).toBe(400);
    expect(res.body.fields).toEqual(['value']);
  });
});
