import { stacks } from './support/keycloak';

interface Operation {
  security?: Record<string, string[]>[];
  description?: string;
  requestBody?: { content: Record<string, { schema: { $ref: string } }> };
  responses: Record<string, { content?: Record<string, { schema: { $ref?: string } }> }>;
}
interface OpenApiDocument {
  info: { title: string };
  paths: Record<string, Record<string, Operation>>;
  components: {
    schemas: Record<string, { properties: Record<string, unknown>; required?: string[] }>;
    securitySchemes: Record<string, { type: string; scheme: string }>;
  };
}

const stack = stacks().jwt;

async function documentOf(service: keyof typeof stack): Promise<OpenApiDocument> {
  const res = await fetch(`${stack[service]}/docs-json`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('application/json');
  return (await res.json()) as OpenApiDocument;
}

const bodySchemaOf = (operation: Operation) => operation.requestBody?.content['application/json'].schema.$ref;

describe('OpenAPI documents (/docs-json) and the Swagger UI (/docs)', () => {
  it.each(['service-a', 'service-b', 'service-c'] as const)(
    '%s: /docs answers the UI as HTML, under a CSP of its own',
    async (service) => {
      const res = await fetch(`${stack[service]}/docs`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/html');
      expect(await res.text()).toContain('swagger-ui');
      expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect((await fetch(`${stack[service]}/docs/swagger-ui-bundle.js`)).status).toBe(200);
    },
  );

  it('service-b: POST /api/process takes the OrderRequestDto and requires what the guard enforces', async () => {
    const doc = await documentOf('service-b');
    expect(doc.info.title).toBe('service-b');
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    const process = doc.paths['/api/process'].post;
    expect(bodySchemaOf(process)).toBe('#/components/schemas/OrderRequestDto');
    expect(doc.components.schemas.OrderRequestDto.required).toEqual(['order_id', 'amount']);
    expect(Object.keys(doc.components.schemas.OrderRequestDto.properties)).toEqual([
      'order_id',
      'amount',
      'value',
    ]);
    expect(process.security).toEqual([{ bearer: [] }]);
    expect(process.description).toContain('scope orders.read');
    expect(process.description).toContain('role orders-user or service-b:process-orders');
    expect(process.description).toContain('**Requires** a bearer access token');
    const quote = doc.paths['/api/quote'].post;
    expect(bodySchemaOf(quote)).toBe('#/components/schemas/OrderRequestDto');
    expect(quote.description).toContain('**Requires** a DPoP-bound access token (with its DPoP proof)');
    const approve = doc.paths['/api/orders/{id}/approve'].post;
    expect(approve.security).toEqual([{ bearer: [] }]);
    expect(approve.description).toContain('scope orders.read; Keycloak permission order#approve');
    for (const status of ['400', '401', '403', '502', '503', '504'])
      expect(process.responses[status].content?.['application/json'].schema.$ref).toBe(
        '#/components/schemas/ErrorBody',
      );
    expect(doc.components.schemas.ErrorBody.required).toEqual(
      expect.arrayContaining(['statusCode', 'error', 'message', 'request_id']),
    );
  });

  it('service-c: POST /api/compute takes the ComputeDto, for service-b only', async () => {
    const doc = await documentOf('service-c');
    const compute = doc.paths['/api/compute'].post;
    expect(bodySchemaOf(compute)).toBe('#/components/schemas/ComputeDto');
    expect(doc.components.schemas.ComputeDto.required).toEqual(['value']);
    expect(compute.security).toEqual([{ bearer: [] }]);
    expect(compute.description).toContain('scope analytics.run');
    expect(compute.description).toContain('caller (azp) service-b');
    expect(compute.description).toContain('a DPoP-bound access token (with its DPoP proof)');
  });

  it('service-a: the chain and login routes, none of them needing a bearer token', async () => {
    const doc = await documentOf('service-a');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/chain',
        '/api/chain/user',
        '/run-service-b',
        '/auth/login',
        '/auth/token',
      ]),
    );
    expect(bodySchemaOf(doc.paths['/api/chain'].post)).toBe('#/components/schemas/OrderRequestDto');
    expect(bodySchemaOf(doc.paths['/auth/token'].post)).toBe('#/components/schemas/PasswordLoginDto');
    for (const operations of Object.values(doc.paths))
      for (const operation of Object.values(operations)) expect(operation.security).toBeUndefined();
    // Health and metrics are for the orchestrator and the scraper, not API clients.
    expect(Object.keys(doc.paths).filter((p) => p.startsWith('/health') || p === '/metrics')).toEqual([]);
    // The Protected Resource Metadata is a discovery document, not an operation of the API.
    expect(
      Object.keys(doc.paths).filter((p) => p.startsWith('/.well-known/oauth-protected-resource')),
    ).toEqual([]);
  });

  it("service-a's page keeps its own strict policy (no script at all)", async () => {
    const res = await fetch(`${stack['service-a']}/`);
    expect(res.headers.get('content-security-policy')).toMatch(/^default-src 'none'; style-src 'self'; /);
    expect(res.headers.get('content-security-policy')).not.toContain('script-src');
  });
});
