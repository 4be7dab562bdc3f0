// Classifies ICMP / ICMPv6 error messages (by type and code) into ProbeErrorKind indices.
import { ICMP4, ICMP6 } from '../../../native-bindings/layout.js';
import { ErrorKindIndex } from '../../stats/error-kinds.js';

/** IPv4 destination unreachable code 4: fragmentation needed and DF set (the PMTU signal). */
const ICMP4_FRAG_NEEDED = 4;

export function errorKindIndex(ipv6: boolean, type: number, code: number): number {
  if (ipv6) {
    switch (type) {
      case ICMP6.DEST_UNREACH: return ErrorKindIndex.UNREACHABLE;
      case ICMP6.PACKET_TOO_BIG: return ErrorKindIndex.PACKET_TOO_BIG;
      case ICMP6.TIME_EXCEEDED: return ErrorKindIndex.TIME_EXCEEDED;
      case ICMP6.PARAM_PROBLEM: return ErrorKindIndex.PARAM_PROBLEM;
      default: return ErrorKindIndex.OTHER;
    }
  }
  switch (type) {
    case ICMP4.DEST_UNREACH:
      return code === ICMP4_FRAG_NEEDED ? ErrorKindIndex.PACKET_TOO_BIG : ErrorKindIndex.UNREACHABLE;
    case ICMP4.TIME_EXCEEDED: return ErrorKindIndex.TIME_EXCEEDED;
    case ICMP4.PARAM_PROBLEM: return ErrorKindIndex.PARAM_PROBLEM;
    default: return ErrorKindIndex.OTHER;
  }
}

export function isEchoReply(ipv6: boolean, type: number): boolean {
  return ipv6 ? type === ICMP6.ECHO_REPLY : type === ICMP4.ECHO_REPLY;
}
