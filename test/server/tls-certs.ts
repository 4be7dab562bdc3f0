// Self-signed certificates for 127.0.0.1 made by openssl, and the certificate a new TLS
// connection is served: for the listen.tls tests (in process and of `sonde serve`).
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { connect } from 'node:tls';

/** A certificate (CN=name, SAN IP:127.0.0.1) and its key, written to dir/name.crt and .key. */
export function makeCert(dir: string, name: string): { cert: string; key: string } {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert,
    '-days', '1', '-subj', `/CN=${name}`, '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  return { cert, key };
}

/** The common name of the certificate a new TLS connection to 127.0.0.1:port is served. */
export function servedCert(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      const subject = socket.getPeerCertificate().subject?.CN;
      socket.end();
      resolve(String(subject));
    });
    socket.on('error', reject);
  });
}
