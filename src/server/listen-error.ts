/** Why `server.listen()` failed, as one coded line instead of a Node stack. */
import { CallwireError } from '../errors.js';

/** A coded error for a failed listen: what the OS said, in words, with the cause kept. */
export function listenError(e: Error, port: number, host: string): CallwireError {
  const code = (e as NodeJS.ErrnoException).code;
  const where = `${host}:${port}`;
  const message =
    code === 'EADDRINUSE' ? `port ${port} is already in use on ${host} (EADDRINUSE)`
    : code === 'EACCES' ? `not permitted to listen on ${where} (EACCES; ports below 1024 need privileges)`
    : code === 'EADDRNOTAVAIL' ? `${host} is not an address of this machine (EADDRNOTAVAIL)`
    : `cannot listen on ${where}: ${e.message}`;
  return new CallwireError('SERVER_LISTEN_FAILED', message, { cause: e, details: { port, host, errno: code } });
}
