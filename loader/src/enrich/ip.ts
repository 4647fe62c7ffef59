/**
 * IP address helpers for geo-IP and anonymisation: parsing (IPv4, IPv6, IPv4-mapped IPv6), the
 * ranges that never locate anyone (private, loopback, link-local, CGNAT…), and truncation.
 */
import { BlockList, isIPv4, isIPv6 } from 'node:net';

export interface ParsedIp {
  family: 4 | 6;
  /** Canonical text: IPv4 dotted quad, or the IPv6 text as given without its zone id. */
  address: string;
}

const MAPPED_IPV4 = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;

/**
 * An IP address, or undefined for anything else. An IPv4-mapped IPv6 address (`::ffff:1.2.3.4`,
 * what a dual-stack socket reports for an IPv4 client) is the IPv4 address it carries.
 */
export function parseIp(text: string): ParsedIp | undefined {
  const trimmed = text.trim();
  if (isIPv4(trimmed)) return { family: 4, address: trimmed };
  const withoutZone = trimmed.replace(/%.*$/, '');
  if (!isIPv6(withoutZone)) return undefined;
  const mapped = MAPPED_IPV4.exec(withoutZone)?.[1];
  if (mapped !== undefined && isIPv4(mapped)) return { family: 4, address: mapped };
  return { family: 6, address: withoutZone };
}

/** Special-purpose ranges (RFC 6890 and friends) that no geo database can place. */
const NOT_PUBLIC = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  NOT_PUBLIC.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  NOT_PUBLIC.addSubnet(network, prefix, 'ipv6');
}

/** False for private, loopback, link-local, documentation, multicast and reserved addresses. */
export function isPublicIp(ip: ParsedIp): boolean {
  return !NOT_PUBLIC.check(ip.address, ip.family === 4 ? 'ipv4' : 'ipv6');
}

/** The eight 16-bit groups of an IPv6 address (which must be valid; an IPv4 tail is two groups). */
function ipv6Groups(address: string): number[] {
  let text = address;
  const ipv4Tail = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (ipv4Tail) {
    const [a, b, c, d] = ipv4Tail.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, ipv4Tail.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const parse = (part: string): number[] => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const headGroups = parse(head);
  if (tail === undefined) return headGroups;
  const tailGroups = parse(tail);
  return [
    ...headGroups,
    ...new Array<number>(8 - headGroups.length - tailGroups.length).fill(0),
    ...tailGroups,
  ];
}

/** RFC 5952 text: lower-case hex, the longest run (≥ 2) of zero groups written `::`. */
function formatIpv6(groups: readonly number[]): string {
  let bestStart = -1;
  let bestLength = 1;
  for (let start = 0; start < groups.length;) {
    if (groups[start] !== 0) {
      start += 1;
      continue;
    }
    let end = start;
    while (end < groups.length && groups[end] === 0) end += 1;
    if (end - start > bestLength) [bestStart, bestLength] = [start, end - start];
    start = end;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

/**
 * The address with its host part zeroed: the last octet of IPv4 (a /24 stays, as Google Analytics
 * does), the last 80 bits of IPv6 (a /48, one site). Enough for a country or region, not a person.
 */
export function anonymizeIp(ip: ParsedIp): string {
  if (ip.family === 4) return ip.address.replace(/\.\d+$/, '.0');
  const groups = ipv6Groups(ip.address).map((group, index) => (index < 3 ? group : 0));
  return formatIpv6(groups);
}
