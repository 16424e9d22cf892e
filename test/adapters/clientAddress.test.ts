import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { addressGroup, clientAddressOf } from '../../src/adapters/http/clientAddress.ts';

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

describe('addressGroup: one client as per-address limits count it', () => {
  it('groups IPv6 addresses by their /64, whatever their notation', () => {
    const group = addressGroup('2001:db8:1234:5678::1');
    expect(group).toBe('2001:db8:1234:5678::/64');
    for (const sameSubscriber of ['2001:db8:1234:5678:ffff:ffff:ffff:ffff', '2001:0db8:1234:5678:0:0:0:2', '2001:DB8:1234:5678:abcd::9']) {
      expect(addressGroup(sameSubscriber)).toBe(group);
    }
    expect(addressGroup('2001:db8:1234:5679::1')).not.toBe(group);
    expect(addressGroup('::1')).toBe('0:0:0:0::/64');
  });

  it('counts an IPv4-mapped IPv6 address as the IPv4 address it is, and IPv4 addresses one by one', () => {
    expect(addressGroup('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(addressGroup('203.0.113.7')).toBe('203.0.113.7');
    expect(addressGroup('203.0.113.8')).toBe('203.0.113.8');
  });

  it('applies to the address read through trusted proxies as well as to the socket peer', () => {
    expect(clientAddressOf(false)(request('2001:db8::7'))).toBe('2001:db8:0:0::/64');
    expect(clientAddressOf({ hops: 1 })(request('10.0.0.2', '2001:db8:aa:bb:1::1'))).toBe('2001:db8:aa:bb::/64');
    expect(clientAddressOf(false)(request('::ffff:198.51.100.1'))).toBe('198.51.100.1');
  });
});
