// Make a certificate for a test with the openssl CLI (Debian package `openssl`).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireDebian } from './debian.js';

export interface TestCert {
  readonly cert: string;
  readonly key: string;
  readonly certPath: string;
  readonly keyPath: string;
}

/** A self-signed certificate for `cn`; `days` may be negative for an expired one (via -not_after needs openssl 3). */
export function selfSignedCert(cn = 'localhost', days = 30): TestCert | undefined {
  if (!requireDebian(['openssl'], ['openssl']).ok) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'cw-cert-'));
  const keyPath = join(dir, 'key.pem');
  const certPath = join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyPath, '-out', certPath, '-days', String(days), '-subj', `/CN=${cn}`, '-addext', `subjectAltName=DNS:${cn},IP:127.0.0.1`], { stdio: 'ignore' });
  return { cert: readFileSync(certPath, 'utf8'), key: readFileSync(keyPath, 'utf8'), certPath, keyPath };
}
