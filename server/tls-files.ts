// listen.tls's files checked before uWS gets them: uWS only says "App construction failed",
// so a missing file, a non-PEM file or a key of another certificate is named here instead.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { TlsFiles } from './uws.js';

function read(path: string, field: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new Error(`listen.tls.${field} ${path} cannot be read: ${(error as Error).message}; point it at a PEM file the daemon's user can read`);
  }
}

/** Throws an error naming the file and the fix when the pair cannot serve TLS; returns the
 *  certificate's end of validity. */
export function checkTlsFiles(tls: TlsFiles): { validTo: string } {
  const certPem = read(tls.cert, 'cert');
  const keyPem = read(tls.key, 'key');
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch (error) {
    throw new Error(`listen.tls.cert ${tls.cert} is not a PEM certificate (${(error as Error).message})`);
  }
  let key;
  try {
    key = createPrivateKey(keyPem);
  } catch (error) {
    throw new Error(`listen.tls.key ${tls.key} is not a PEM private key, or it is encrypted (${(error as Error).message}); give an unencrypted key`);
  }
  if (!cert.checkPrivateKey(key)) throw new Error(`listen.tls.key ${tls.key} is not the private key of the certificate ${tls.cert}`);
  return { validTo: cert.validTo };
}
