import { normalizedHtu, normalizedRequestUrl, requestHtu } from './htu';

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

  // The DPoP check takes a proof's htu equal to the request's normalised URL without normalising it again.
  it.each([
    'HTTPS://Service-C.Example:443/api/compute',
    'http://c:3002/api/x/../%63ompute?x=1#top',
    'http://c/api/a%2fb%7e%41',
    'http://[::1]:3002/a%20b',
    'http://c/ä/ö',
    'https://c',
  ])('gives a value that normalises to itself: %s', (value) => {
    const once = normalizedHtu(value)!;
    expect(once).toBeDefined();
    expect(normalizedHtu(once)).toBe(once);
  });
});

describe('normalizedRequestUrl', () => {
  it('is normalizedHtu, the same answer when asked again', () => {
    for (let i = 0; i < 2; i++) {
      expect(normalizedRequestUrl('HTTP://C:80/api/%63ompute?x=1')).toBe('http://c/api/compute');
      expect(normalizedRequestUrl('not a url')).toBeUndefined();
    }
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

  it('answers a request again as the first time, and each host, protocol, origin and path apart', () => {
    const at = (host: string | undefined, url: string, protocol = 'http', origin?: string) =>
      requestHtu({ headers: host === undefined ? {} : { host }, protocol, url }, origin);
    for (let i = 0; i < 2; i++) {
      expect(at('c:3002', '/api/compute')).toBe('http://c:3002/api/compute');
      expect(at('other:3002', '/api/compute')).toBe('http://other:3002/api/compute');
      expect(at('c:3002', '/api/compute', 'https')).toBe('https://c:3002/api/compute');
      expect(at('c:3002', '/api/other')).toBe('http://c:3002/api/other');
      expect(at('c:3002', '/api/compute', 'http', 'https://c.example')).toBe('https://c.example/api/compute');
      expect(at('c/evil', '/api/compute')).toBeUndefined();
      expect(at(undefined, '/api/compute')).toBeUndefined();
      expect(requestHtu({ headers: { host: ['c:3002', 'c:3002'] }, url: '/api/compute' })).toBeUndefined();
    }
  });
});
