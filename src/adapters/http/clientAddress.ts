import type { IncomingMessage } from 'node:http';
import proxyAddr from 'proxy-addr';

/**
 * Which proxies may tell us the client's address, as Express's `trust proxy` does:
 * none (the socket's peer is the client), the nearest `hops` proxies, or proxies at
 * these addresses, CIDR ranges or names (loopback, linklocal, uniquelocal). Never "any
 * header from anyone": a client could then name any address and escape its limits.
 */
export type TrustedProxies = false | { readonly hops: number } | { readonly addresses: readonly string[] };

/** The client's address: walks X-Forwarded-For from the right past trusted proxies only. */
export function clientAddressOf(trusted: TrustedProxies): (request: IncomingMessage) => string {
  if (trusted === false) return (request) => request.socket.remoteAddress ?? '';
  const trust = 'hops' in trusted ? (_: string, hop: number) => hop < trusted.hops : proxyAddr.compile([...trusted.addresses]);
  return (request) => proxyAddr(request, trust);
}

/** Throws on an address or range proxy-addr would not understand, naming it. */
export function checkTrustedAddresses(addresses: readonly string[]): void {
  proxyAddr.compile([...addresses]);
}
