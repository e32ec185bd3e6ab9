// The client's address: the socket's, or X-Forwarded-For when the socket is a trusted proxy.
import net from 'node:net';
import type { IncomingMessage } from 'node:http';

export type ClientIp = (req: IncomingMessage) => string;

function blockListOf(entries: readonly string[]): net.BlockList {
  const list = new net.BlockList();
  for (const e of entries) {
    const [addr, bits] = e.split('/');
    const type = net.isIPv6(addr!) ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(addr!, type);
    else list.addSubnet(addr!, Number(bits), type);
  }
  return list;
}

function isTrusted(list: net.BlockList, ip: string): boolean {
  if (ip.startsWith('::ffff:') && net.isIPv4(ip.slice(7))) ip = ip.slice(7);
  return net.isIP(ip) !== 0 && list.check(ip, net.isIPv6(ip) ? 'ipv6' : 'ipv4');
}

/**
 * NOTE: X-Forwarded-For is client-controlled except for what trusted proxies appended, so it is read
 * right to left, skipping trusted hops, and the first untrusted address is the client.
 */
export function createClientIp(trustedProxies: readonly string[]): ClientIp {
  if (trustedProxies.length === 0) return (req) => req.socket.remoteAddress ?? '';
  const trusted = blockListOf(trustedProxies);
  return (req) => {
    const peer = req.socket.remoteAddress ?? '';
    const xff = req.headers['x-forwarded-for'];
    if (!isTrusted(trusted, peer) || xff === undefined) return peer;
    const hops = (Array.isArray(xff) ? xff.join(',') : xff).split(',').map((h) => h.trim());
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = hops[i]!;
      if (net.isIP(hop) === 0) return peer; // a malformed chain is not believed
      if (!isTrusted(trusted, hop)) return hop;
    }
    return hops[0] ?? peer;
  };
}

/** Whether a request's socket is one of the trusted proxies (whose X-Forwarded-* headers are believed). */
export function createTrustedPeer(trustedProxies: readonly string[]): (req: IncomingMessage) => boolean {
  if (trustedProxies.length === 0) return () => false;
  const trusted = blockListOf(trustedProxies);
  return (req) => isTrusted(trusted, req.socket.remoteAddress ?? '');
}
