import { StoreUnavailableException } from './store-unavailable.exception';
import { HttpException } from '@nestjs/common';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { decodeJwt, generateKeyPair } from 'jose';
import { DpopProofMaker } from 'nest-keycloak-s2s/dpop';
import { DownstreamClient } from './downstream.client';

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

describe('DownstreamClient', () => {
  let server: Server;
  let handler: Handler;
  let client: DownstreamClient;
  let baseUrl: string;

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => handler(req, res, body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    client = new DownstreamClient({ name: 'service-c', baseUrl, timeoutMs: 300 });
  });
  afterAll(async () => {
    await client.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const failure = async (promise: Promise<unknown>) => {
    try {
      await promise;
    } catch (error) {
      const e = error as HttpException;
      return { status: e.getStatus(), body: e.getResponse() as Record<string, unknown> };
    }
    throw new Error('expected a failure');
  };

  describe('with a DPoP-bound token', () => {
    let maker: DpopProofMaker;
    beforeAll(async () => {
      maker = new DpopProofMaker(await generateKeyPair('ES256'));
    });

    it('sends Authorization: DPoP and a proof for this request (htm, htu, ath)', async () => {
      let seen: IncomingMessage['headers'] = {};
      handler = (req, res) => {
        seen = req.headers;
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      };
      await expect(client.postJson('/api/compute', { value: 1 }, 'the-token', maker)).resolves.toEqual({
        ok: true,
      });
      expect(seen.authorization).toBe('DPoP the-token');
      expect(decodeJwt(String(seen.dpop))).toMatchObject({ htm: 'POST', htu: `${baseUrl}/api/compute` });
    });

    it('sends once more with the nonce the next hop asks for (use_dpop_nonce), with a fresh proof', async () => {
      const proofs: string[] = [];
      handler = (req, res) => {
        proofs.push(String(req.headers.dpop));
        if (decodeJwt(String(req.headers.dpop)).nonce === 'rs-nonce')
          return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
        res
          .writeHead(401, {
            'www-authenticate': 'DPoP error="use_dpop_nonce", error_description="nonce required"',
            'dpop-nonce': 'rs-nonce',
            'content-type': 'application/json',
          })
          .end('{"statusCode":401}');
      };
      await expect(client.postJson('/api/compute', {}, 'the-token', maker)).resolves.toEqual({ ok: true });
      expect(proofs).toHaveLength(2);
      expect(decodeJwt(proofs[0]).jti).not.toBe(decodeJwt(proofs[1]).jti);
    });

    it('does not loop: a second use_dpop_nonce answer is the next hop’s 401, as a 502', async () => {
      let calls = 0;
      handler = (_req, res) => {
        calls++;
        res
          .writeHead(401, {
            'www-authenticate': 'DPoP error="use_dpop_nonce"',
            'dpop-nonce': `n-${calls}`,
            'content-type': 'application/json',
          })
          .end('{"statusCode":401,"message":"nonce"}');
      };
      expect((await failure(client.postJson('/api/compute', {}, 'the-token', maker))).status).toBe(502);
      expect(calls).toBe(2);
    });
  });

  it('sends the JSON body with the bearer token and returns the JSON answer', async () => {
    handler = (req, res, body) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ auth: req.headers.authorization, got: JSON.parse(body) }));
    };
    await expect(client.postJson('/api/compute', { value: 10 }, 'tok')).resolves.toEqual({
      auth: 'Bearer tok',
      got: { value: 10 },
    });
  });

  it("turns the next hop's refusal into 502 carrying its status and message", async () => {
    handler = (_req, res) =>
      res
        .writeHead(403)
        .end(JSON.stringify({ error: 'insufficient_scope', message: 'token lacks scope analytics.run' }));
    const { status, body } = await failure(client.postJson('/api/compute', {}, 'tok'));
    expect(status).toBe(502);
    expect(body.message).toBe('service-c answered 403: token lacks scope analytics.run');
    expect(body.upstream).toEqual({
      service: 'service-c',
      status: 403,
      error: 'insufficient_scope',
      message: 'token lacks scope analytics.run',
    });
  });

  it("passes the next hop's 503 idp_unavailable on as 503 idp_unavailable (the realm is down for us too)", async () => {
    handler = (_req, res) =>
      res.writeHead(503, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          statusCode: 503,
          error: 'idp_unavailable',
          code: 'idp_unavailable',
          message: 'Keycloak unreachable',
        }),
      );
    const { status, body } = await failure(client.postJson('/api/compute', {}, 'tok'));
    expect(status).toBe(503);
    expect(body).toMatchObject({
      code: 'idp_unavailable',
      message: 'service-c answered 503: Keycloak unreachable',
    });
    expect(body.upstream).toMatchObject({ service: 'service-c', status: 503 });
  });

  it("passes the next hop's 503 store_unavailable on as 503 with its code and Retry-After (Redis is ours too)", async () => {
    handler = (_req, res) =>
      res.writeHead(503, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          statusCode: 503,
          error: 'store_unavailable',
          code: 'replay_store_unavailable',
          message: 'the store of used DPoP proofs cannot be reached; try again shortly',
        }),
      );
    const error = await client.postJson('/api/compute', {}, 'tok').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreUnavailableException);
    const { status, body } = await failure(Promise.reject(error));
    expect(status).toBe(503);
    expect(body).toMatchObject({
      error: 'store_unavailable',
      code: 'replay_store_unavailable',
      message: 'service-c answered 503: the store of used DPoP proofs cannot be reached; try again shortly',
      retry_after: 1,
    });
  });

  it('keeps any other 503 of the next hop a 502', async () => {
    handler = (_req, res) => res.writeHead(503).end(JSON.stringify({ message: 'draining' }));
    const { status, body } = await failure(client.postJson('/api/compute', {}, 'tok'));
    expect(status).toBe(502);
    expect(body.error).toBe('bad_gateway');
  });

  it('reports an answer that is not JSON as 502', async () => {
    handler = (_req, res) => res.writeHead(200).end('<html>');
    const { status, body } = await failure(client.postJson('/api/compute', {}, 'tok'));
    expect(status).toBe(502);
    expect(body.message).toContain('not JSON');
  });

  it('answers 504 when the next hop does not answer within the timeout', async () => {
    handler = () => undefined; // never answers
    const { status, body } = await failure(client.postJson('/api/compute', {}, 'tok'));
    expect(status).toBe(504);
    expect(body.message).toBe('service-c did not answer within 300 ms');
  });

  it('answers 502 when the next hop refuses connections', async () => {
    const closed = new DownstreamClient({ name: 'service-c', baseUrl: 'http://127.0.0.1:1', timeoutMs: 300 });
    const { status, body } = await failure(closed.postJson('/api/compute', {}, 'tok'));
    await closed.close();
    expect(status).toBe(502);
    expect(body.message).toBe('service-c unreachable (ECONNREFUSED)');
  });
});
