// fping's warning for an ICMP error that answers one of its probes (icmp_type_str and
// icmp_unreach_str in fping.c), IPv4 numbering.
const UNREACH = [
  'ICMP Network Unreachable', 'ICMP Host Unreachable', 'ICMP Protocol Unreachable', 'ICMP Port Unreachable',
  'ICMP Unreachable (Fragmentation Needed)', 'ICMP Unreachable (Source Route Failed)',
  'ICMP Unreachable (Destination Network Unknown)', 'ICMP Unreachable (Destination Host Unknown)',
  'ICMP Unreachable (Source Host Isolated)', 'ICMP Unreachable (Communication with Network Prohibited)',
  'ICMP Unreachable (Communication with Host Prohibited)', 'ICMP Unreachable (Network Unreachable For Type Of Service)',
  'ICMP Unreachable (Host Unreachable For Type Of Service)', 'ICMP Unreachable (Communication Administratively Prohibited)',
  'ICMP Unreachable (Host Precedence Violation)', 'ICMP Unreachable (Precedence cutoff in effect)',
];
const TYPES: Record<number, string> = {
  4: 'ICMP Source Quench', 5: 'ICMP Redirect', 11: 'ICMP Time Exceeded', 12: 'ICMP Parameter Problem',
};

export function icmpWarning(type: number, code: number, from: string, host: string): string {
  const what = type === 3 ? (UNREACH[code] ?? 'ICMP Unreachable (Invalid Code)') : (TYPES[type] ?? `ICMP ${type}`);
  return `${what} from ${from} for ICMP Echo sent to ${host}`;
}
