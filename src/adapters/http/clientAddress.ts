import type { IncomingMessage } from 'node:http';
import ipaddr from 'ipaddr.js';
import proxyAddr from 'proxy-addr';

/** Whose X-Forwarded-For to believe (TRUST_PROXY). Never anyone's: a client could name any address and escape its limits. */
export type TrustedProxies = false | { readonly hops: number } | { readonly addresses: readonly string[] };

export function clientAddressOf(trusted: TrustedProxies): (request: IncomingMessage) => string {
  if (trusted === false) return (request) => addressGroup(request.socket.remoteAddress ?? '');
  const trust = 'hops' in trusted ? (_: string, hop: number) => hop < trusted.hops : proxyAddr.compile([...trusted.addresses]);
  return (request) => addressGroup(proxyAddr(request, trust));
}

/** IPv6 as its /64: a subscriber is routinely given a whole /64 (RFC 6177), and counting each address apart would lift its limits. */
export function addressGroup(address: string): string {
  if (!ipaddr.isValid(address)) return address;
  const parsed = ipaddr.process(address);
  if (parsed.kind() === 'ipv4') return parsed.toString();
  const prefix = (parsed as ipaddr.IPv6).parts.slice(0, 4).map((part) => part.toString(16));
  return `${prefix.join(':')}::/64`;
}
