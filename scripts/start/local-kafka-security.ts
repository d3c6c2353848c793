// What `npm start` needs to run the platform with SASL over TLS (KAFKA_SECURITY=sasl_ssl): a private CA and
// a broker certificate for this machine, made with openssl, and a SCRAM user with a random password. They are
// made once and kept under the data directory (keys and password readable by the owner only), so a restart
// reuses them and clients configured once keep working.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The user every process of `npm start` authenticates as. */
export const LOCAL_KAFKA_USER = 'tributary';
/** The name the broker's certificate is checked against (it is always among its names). */
export const LOCAL_KAFKA_SERVERNAME = 'localhost';

export interface LocalKafkaSecurity {
  dir: string;
  caFile: string;
  certFile: string;
  keyFile: string;
  /** JSON {"user": "password"}, as the broker's --sasl-users-file reads it. */
  usersFile: string;
  username: string;
  password: string;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

async function openssl(args: string[]): Promise<void> {
  try {
    await run('openssl', args);
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT')
      throw new Error(
        'KAFKA_SECURITY=sasl_ssl makes local certificates with the openssl command, which is not installed',
      );
    throw new Error(`openssl ${args[0]} failed: ${(e.stderr ?? e.message).trim()}`);
  }
}

/** The subjectAltName of the broker's certificate: localhost, 127.0.0.1 and `host` when it is another name. */
function altNames(host: string): string {
  const names = new Set(['DNS:localhost', 'IP:127.0.0.1', 'IP:::1']);
  if (host !== '0.0.0.0' && host !== '::') names.add(isIP(host) ? `IP:${host}` : `DNS:${host}`);
  return [...names].join(',');
}

/**
 * The CA, broker certificate and user under `dir`, made when missing (or when the certificate does not name
 * `host`). Throws with what to do when openssl is missing or fails.
 */
export async function localKafkaSecurity(dir: string, host: string): Promise<LocalKafkaSecurity> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const at = (name: string) => join(dir, name);
  const files = {
    caFile: at('ca.pem'),
    caKey: at('ca.key'),
    certFile: at('broker.pem'),
    keyFile: at('broker.key'),
    usersFile: at('users.json'),
    names: at('broker.names'),
  };
  const names = altNames(host);
  const current =
    (await exists(files.certFile)) &&
    (await exists(files.keyFile)) &&
    (await exists(files.caFile)) &&
    (await readFile(files.names, 'utf8').catch(() => '')) === names;
  if (!current) {
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
    if (!(await exists(files.caFile)) || !(await exists(files.caKey))) {
      await openssl([
        'req',
        '-x509',
        ...ec,
        '-keyout',
        files.caKey,
        '-out',
        files.caFile,
        '-days',
        '3650',
        '-subj',
        '/CN=Tributary local CA',
      ]);
    }
    const csr = at('broker.csr');
    const ext = at('broker.ext');
    await openssl(['req', ...ec, '-keyout', files.keyFile, '-out', csr, '-subj', '/CN=localhost']);
    await writeFile(ext, `subjectAltName=${names}\n`);
    await openssl([
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      files.caFile,
      '-CAkey',
      files.caKey,
      '-CAcreateserial',
      '-out',
      files.certFile,
      '-days',
      '825',
      '-extfile',
      ext,
    ]);
    await rm(csr, { force: true });
    await rm(ext, { force: true });
    await writeFile(files.names, names);
  }
  let password: string | undefined;
  try {
    const users = JSON.parse(await readFile(files.usersFile, 'utf8')) as Record<string, unknown>;
    if (typeof users[LOCAL_KAFKA_USER] === 'string') password = users[LOCAL_KAFKA_USER];
  } catch {
    // Missing or unreadable: a new password.
  }
  if (password === undefined) {
    password = randomBytes(24).toString('base64url');
    await writeFile(files.usersFile, `${JSON.stringify({ [LOCAL_KAFKA_USER]: password })}\n`, {
      mode: 0o600,
    });
  }
  for (const secret of [files.caKey, files.keyFile, files.usersFile]) await chmod(secret, 0o600);
  return {
    dir,
    caFile: files.caFile,
    certFile: files.certFile,
    keyFile: files.keyFile,
    usersFile: files.usersFile,
    username: LOCAL_KAFKA_USER,
    password,
  };
}
