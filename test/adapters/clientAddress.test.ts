import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { clientAddressOf } from '../../src/adapters/http/clientAddress.ts';

/** A request as the server sees it: the socket's peer, and what X-Forwarded-For says. */
function request(peer: string, forwardedFor?: string): IncomingMessage {
  const headers = forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor };
  return { socket: { remoteAddress: peer }, connection: { remoteAddress: peer }, headers } as unknown as IncomingMessage;
}

describe('clientAddressOf', () => {
  it('believes no header when no proxy is trusted', () => {
    expect(clientAddressOf(false)(request('203.0.113.7', '198.51.100.1'))).toBe('203.0.113.7');
  });

  it('behind one proxy, takes the address that proxy appended, whatever the client claimed before it', () => {
    const address = clientAddressOf({ hops: 1 });
    expect(address(request('10.0.0.2', '198.51.100.1'))).toBe('198.51.100.1');
    // The client sent "X-Forwarded-For: 1.2.3.4"; nginx appended the real address.
    expect(address(request('10.0.0.2', '1.2.3.4, 198.51.100.1'))).toBe('198.51.100.1');
  });

  it('behind listed proxies, walks back past them only', () => {
    const address = clientAddressOf({ addresses: ['10.0.0.0/8'] });
    expect(address(request('10.0.0.2', '1.2.3.4, 198.51.100.1, 10.0.0.9'))).toBe('198.51.100.1');
    // From an address that is not a trusted proxy, the header means nothing.
    expect(address(request('203.0.113.7', '1.2.3.4'))).toBe('203.0.113.7');
  });
});
