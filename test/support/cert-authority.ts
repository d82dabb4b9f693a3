// A throwaway certificate authority for TLS tests, made with the openssl CLI (Debian package
// `openssl`): root and intermediate CAs, and leaf certificates with chosen names and dates
// (`openssl ca -startdate/-enddate` makes a really expired certificate, no fake clock needed).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Pem {
  readonly cert: string;
  readonly key: string;
  readonly certPath: string;
  readonly keyPath: string;
}

export interface Authority extends Pem {
  readonly dir: string;
  readonly name: string;
}

const CONFIG = `[ ca ]
default_ca = CA_default
[ CA_default ]
database = index.txt
new_certs_dir = .
serial = serial
default_md = sha256
policy = policy_any
copy_extensions = copy
unique_subject = no
[ policy_any ]
commonName = supplied
[ leaf ]
basicConstraints = CA:FALSE
[ intermediate ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
`;

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: 'ignore' });
}

function pem(dir: string, base: string): Pem {
  const certPath = join(dir, `${base}.pem`);
  const keyPath = join(dir, `${base}.key`);
  return { cert: readFileSync(certPath, 'utf8'), key: readFileSync(keyPath, 'utf8'), certPath, keyPath };
}

function authorityDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cw-ca-'));
  writeFileSync(join(dir, 'ca.cnf'), CONFIG);
  writeFileSync(join(dir, 'index.txt'), '');
  writeFileSync(join(dir, 'serial'), '01\n');
  return dir;
}

/** A self-signed root CA. */
export function rootAuthority(name = 'Callwire Test Root'): Authority {
  const dir = authorityDir();
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '30', '-subj', `/CN=${name}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  return { ...pem(dir, 'ca'), dir, name };
}

/** Options of {@link issue}. */
export interface IssueOptions {
  /** Subject CN. */
  cn: string;
  /** subjectAltName, e.g. `DNS:localhost,IP:127.0.0.1` (leaves only). */
  san?: string;
  /** Validity as openssl dates (YYYYMMDDHHMMSSZ); default now for 30 days. */
  startDate?: string;
  endDate?: string;
  /** Issue a CA certificate (an intermediate) instead of a leaf. */
  intermediate?: boolean;
}

/** Issue a certificate signed by `ca`. An intermediate can issue certificates in turn. */
export function issue(ca: Authority, o: IssueOptions): Authority {
  const base = `c${readFileSync(join(ca.dir, 'serial'), 'utf8').trim()}`;
  const dir = o.intermediate ? authorityDir() : ca.dir;
  const args = ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, `${base}.key`), '-out', join(ca.dir, `${base}.csr`), '-subj', `/CN=${o.cn}`];
  if (o.san !== undefined) args.push('-addext', `subjectAltName=${o.san}`);
  openssl(args, ca.dir);
  const sign = ['ca', '-batch', '-config', 'ca.cnf', '-cert', 'ca.pem', '-keyfile', 'ca.key', '-in', `${base}.csr`, '-out', join(dir, `${base}.pem`), '-notext', '-extensions', o.intermediate ? 'intermediate' : 'leaf'];
  if (o.startDate !== undefined) sign.push('-startdate', o.startDate);
  if (o.endDate !== undefined) sign.push('-enddate', o.endDate);
  else sign.push('-days', '30');
  openssl(sign, ca.dir);
  const out = pem(dir, base);
  if (!o.intermediate) return { ...out, dir, name: o.cn };
  // An intermediate signs from its own directory, as ca.pem / ca.key.
  writeFileSync(join(dir, 'ca.pem'), out.cert);
  writeFileSync(join(dir, 'ca.key'), out.key);
  return { ...pem(dir, 'ca'), dir, name: o.cn };
}
