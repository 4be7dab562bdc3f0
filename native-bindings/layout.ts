// Packed record layouts shared by the C++ addon (src/*.cc) and TypeScript.
// Every batch crosses the JS↔C boundary once, as an array of fixed-size little-endian
// records in a Buffer. Keep this file and native-bindings/src/layout.h in lockstep.

/** Bytes of one address slot: IPv4 uses the first 4 bytes, IPv6 all 16. */
export const ADDR_BYTES = 16;

/**
 * One echo request to send (input to IcmpSocket.send). 48 bytes.
 *  0  addr[16]        destination (IPv4 in bytes 0..3)
 * 16  u16 id          ICMP identifier (raw sockets; ignored on ping sockets, the kernel owns it)
 * 18  u16 seq         ICMP sequence number
 * 20  u8  ttl         per-packet TTL / hop limit; 0 = the socket's setting
 * 21  u8  reserved
 * 22  u16 payloadSize ICMP payload bytes (0..65500); payload[0..8) = token, [8..16) = send time
 * 24  u64 token       64-bit probe token, echoed back in the payload
 * 32  u64 sendTimeNs  OUT: CLOCK_REALTIME ns: raw sockets, the kernel's TX stamp (where the driver
 *                     took the packet, SO_TIMESTAMPING; in a sendmmsg batch of more than 16,
 *                     every 16th packet and the last are stamped and the others take the
 *                     stamp before them); else, and when no stamp came during the call, the
 *                     time read in C immediately before sendmmsg
 * 40  i32 error       OUT: 0 when the kernel accepted the packet, else errno
 * 44  u32 reserved
 */
export const REQ = {
  SIZE: 48,
  ADDR: 0,
  ID: 16,
  SEQ: 18,
  TTL: 20,
  PAYLOAD_SIZE: 22,
  TOKEN: 24,
  SEND_TIME_NS: 32,
  ERROR: 40,
} as const;

/**
 * One received ICMP message (output of IcmpSocket.receive). 80 bytes.
 *  0  addr[16]        source address of the packet
 * 16  u8  type        ICMP / ICMPv6 type (echo reply 0 / 129; unreachable 3 / 1; time exceeded 11 / 3 …)
 * 17  u8  code
 * 18  u16 id          echo reply: its identifier; ICMP error: the identifier of the quoted original
 * 20  u16 seq         echo reply: its sequence; ICMP error: the quoted original's sequence
 * 22  u8  ttl         IPv4 TTL of the received packet / IPv6 hop limit (IPV6_RECVHOPLIMIT)
 * 23  u8  flags       see REPLY_FLAG
 * 24  u64 token       from the payload (echo reply) or the quoted payload (error), if present
 * 32  u64 recvTimeNs  kernel receive time (SO_TIMESTAMPNS, CLOCK_REALTIME ns)
 * 40  u64 payloadTimeNs  send time carried in the payload, if present
 * 48  u16 payloadLen  ICMP payload bytes of the echo reply (after the 8-byte ICMP header)
 * 50  u16 reserved
 * 52  u32 reserved
 * 56  addr[16]        ICMP error: destination of the quoted original packet
 * 72  u64 reserved
 */
export const REPLY = {
  SIZE: 80,
  ADDR: 0,
  TYPE: 16,
  CODE: 17,
  ID: 18,
  SEQ: 20,
  TTL: 22,
  FLAGS: 23,
  TOKEN: 24,
  RECV_TIME_NS: 32,
  PAYLOAD_TIME_NS: 40,
  PAYLOAD_LEN: 48,
  QUOTED_ADDR: 56,
} as const;

export const REPLY_FLAG = {
  /** The ICMP checksum verified (ICMPv6: the kernel verified it, always set). */
  CHECKSUM_OK: 1,
  /** Bytes 24..47 carry a token and payload send time (payload was ≥ 16 bytes). */
  HAS_TOKEN: 2,
  /** An ICMP error; id/seq/token/quoted addr describe the quoted original echo request. */
  IS_ERROR: 4,
  /** The record is IPv6. */
  IPV6: 8,
} as const;

/** ICMP types sonde cares about, per family. */
export const ICMP4 = { ECHO_REPLY: 0, DEST_UNREACH: 3, ECHO_REQUEST: 8, TIME_EXCEEDED: 11, PARAM_PROBLEM: 12 } as const;
export const ICMP6 = { DEST_UNREACH: 1, PACKET_TOO_BIG: 2, TIME_EXCEEDED: 3, PARAM_PROBLEM: 4, ECHO_REQUEST: 128, ECHO_REPLY: 129 } as const;

/** Largest ICMP payload sonde sends (IPv4 max datagram minus headers). */
export const MAX_PAYLOAD = 65500;
/** Payload bytes needed to carry token + send time. Smaller payloads are matched by id/seq only. */
export const PAYLOAD_HEADER = 16;

/**
 * TUN frames (TunDevice.read / write): back to back, each
 *   u32 length | packet bytes (raw IPv4 or IPv6 packet, no packet-info header) | pad to 4 bytes.
 */
export const TUN_FRAME_HEADER = 4;
