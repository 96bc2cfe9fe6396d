import { normalizedHtu, requestHtu } from './htu';

describe('normalizedHtu (RFC 9449 §4.3, RFC 3986 §6.2.2 and §6.2.3)', () => {
  it.each([
    [
      'the case of scheme and host',
      'HTTPS://Service-C.Example/api/compute',
      'https://service-c.example/api/compute',
    ],
    ['the default port', 'http://service-c:80/api/compute', 'http://service-c/api/compute'],
    ['an empty path', 'https://service-c', 'https://service-c/'],
    ['query and fragment', 'http://c:3002/api/compute?x=1#top', 'http://c:3002/api/compute'],
    ['dot segments', 'http://c:3002/api/x/../compute', 'http://c:3002/api/compute'],
    ['percent-encoded unreserved characters', 'http://c/api/%63ompute', 'http://c/api/compute'],
    ['the case of other percent-encodings', 'http://c/api/a%2fb', 'http://c/api/a%2Fb'],
  ])('normalises %s', (_name, value, expected) => {
    expect(normalizedHtu(value)).toBe(expected);
  });

  it('keeps a port that is not the default and a path that differs', () => {
    expect(normalizedHtu('http://c:8080/api/compute')).not.toBe(normalizedHtu('http://c/api/compute'));
    expect(normalizedHtu('http://c/api/compute/')).not.toBe(normalizedHtu('http://c/api/compute'));
  });

  it.each(['not a url', 'ftp://c/api', 'javascript:alert(1)'])('refuses %s', (value) => {
    expect(normalizedHtu(value)).toBeUndefined();
  });
});

describe('requestHtu', () => {
  it('builds the URL from the protocol, the Host header and the path as received, without the query', () => {
    const request = { headers: { host: 'Service-C:3002' }, protocol: 'http', url: '/api/compute?debug=1' };
    expect(requestHtu(request)).toBe('http://service-c:3002/api/compute');
  });

  it("prefers Express' originalUrl (routers trim url) and the configured origin over the Host header", () => {
    const request = { headers: { host: 'internal:3002' }, originalUrl: '/api/compute', url: '/compute' };
    expect(requestHtu(request, 'https://c.example')).toBe('https://c.example/api/compute');
    expect(requestHtu(request)).toBe('http://internal:3002/api/compute');
  });

  it('is undefined without a Host header or configured origin', () => {
    expect(requestHtu({ headers: {}, url: '/api/compute' })).toBeUndefined();
  });
});
