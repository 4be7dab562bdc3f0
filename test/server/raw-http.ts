// A raw HTTP/1.x exchange over node:net: writes the bytes as given, then reads responses one
// after another (each framed by its Content-Length; none for a HEAD), so a test sees exactly
// what went over the wire — a stray body after a HEAD answer shows up in `rest`.
import { connect } from 'node:net';

export interface RawResponse {
  statusLine: string;
  status: number;
  /** Lower-cased names; a repeated header keeps every value, joined by ', '. */
  headers: Record<string, string>;
  body: string;
}

export interface RawExchange {
  responses: RawResponse[];
  /** Bytes after the last expected response (must be '' for a well-framed answer). */
  rest: string;
  /** The server closed the connection. */
  closed: boolean;
}

/** `heads[i]`: whether the i-th request is a HEAD (its answer has no body). */
export function rawExchange(port: number, bytes: string, heads: boolean[], timeoutMs = 5000): Promise<RawExchange> {
  return new Promise((resolve, reject) => {
    let data = Buffer.alloc(0);
    let closed = false;
    let done = false;
    const socket = connect(port, '127.0.0.1', () => socket.write(bytes));
    const timer = setTimeout(() => finish(), timeoutMs);
    const finish = (): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const { responses, rest } = parse(data, heads);
      if (responses.length < heads.length) {
        reject(new Error(`expected ${heads.length} response(s), got ${responses.length}; bytes: ${JSON.stringify(data.toString('latin1').slice(0, 600))}`));
      } else resolve({ responses, rest, closed });
    };
    socket.on('data', (chunk) => {
      data = Buffer.concat([data, chunk]);
      // wait a moment after the expected responses: bytes that should not be there arrive too
      if (parse(data, heads).responses.length === heads.length) setTimeout(() => finish(), 150).unref();
    });
    socket.on('end', () => { closed = true; });
    socket.on('close', () => { closed = true; finish(); });
    socket.on('error', () => { closed = true; });
  });
}

function parse(data: Buffer, heads: boolean[]): { responses: RawResponse[]; rest: string } {
  const responses: RawResponse[] = [];
  let at = 0;
  for (const head of heads) {
    const end = data.indexOf('\r\n\r\n', at);
    if (end === -1) break;
    const lines = data.subarray(at, end).toString('latin1').split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
    }
    const length = head ? 0 : Number(headers['content-length'] ?? 0);
    if (data.length < end + 4 + length) break;
    responses.push({
      statusLine: lines[0], status: Number(lines[0].split(' ')[1]), headers,
      body: data.subarray(end + 4, end + 4 + length).toString('utf8'),
    });
    at = end + 4 + length;
  }
  return { responses, rest: data.subarray(at).toString('latin1') };
}
