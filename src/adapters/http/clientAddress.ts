import type { IncomingMessage } from 'node:http';
import ipaddr from 'ipaddr.js';
import proxyAddr from 'proxy-addr';

/**
 * Which proxies may tell us the client's address, as Express's `trust proxy` does:
 * none (the socket's peer is the client), the nearest `hops` proxies, or proxies at
 * these addresses, CIDR ranges or names (loopback, linklocal, uniquelocal). Never "any
 * header from anyone": a client could then name any address and escape its limits.
 */
/** Whose X-Forwarded-For to believe: none, a number of proxies in front, or their addresses (app/config.ts parses TRUST_PROXY into it). */
export type TrustedProxies = false | { readonly hops: number } | { readonly addresses: readonly string[] };

/**
 * Who a request comes from, as per-address limits count it: walks X-Forwarded-For from
 * the right past trusted proxies only, then groups the address (see addressGroup).
 */
export function clientAddressOf(trusted: TrustedProxies): (request: IncomingMessage) => string {
  if (trusted === false) return (request) => addressGroup(request.socket.remoteAddress ?? '');
  const trust = 'hops' in trusted ? (_: string, hop: number) => hop < trusted.hops : proxyAddr.compile([...trusted.addresses]);
  return (request) => addressGroup(proxyAddr(request, trust));
}

/**
 * One client, as far as an address can tell: an IPv4 address as it is (an IPv4-mapped
 * IPv6 one too), an IPv6 address as its /64. A single subscriber is routinely given a
 * whole /64 (RFC 6177), so counting each of its 2^64 addresses apart would give it
 * unlimited sessions. Anything unparsable is its own group.
 */
export function addressGroup(address: string): string {
  if (!ipaddr.isValid(address)) return address;
  const parsed = ipaddr.process(address);
  if (parsed.kind() === 'ipv4') return parsed.toString();
  const prefix = (parsed as ipaddr.IPv6).parts.slice(0, 4).map((part) => part.toString(16));
  return `${prefix.join(':')}::/64`;
}
