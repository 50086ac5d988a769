import { createServer } from 'node:net';
import { PrescaleError } from '../core/index.js';

/** `0.0.0.0:6443` → host and port; `[::]:6443` for IPv6. */
export function splitListen(listen: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(listen);
  if (match === null) {
    throw new PrescaleError('invalid-input', `listen: "${listen}" is not host:port; write it like 0.0.0.0:6443`, {
      field: 'listen',
    });
  }
  return { host: match[1] ?? (match[2] || '0.0.0.0'), port: Number(match[3]) };
}

/** Starts a server on `listen`; an address in use or not allowed is a configuration error naming the field. */
export async function listening<T>(field: string, listen: string, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code !== 'EADDRINUSE' && code !== 'EACCES' && code !== 'EADDRNOTAVAIL') throw error;
    const why =
      code === 'EADDRINUSE'
        ? 'is in use by another process; stop it or choose another port'
        : code === 'EACCES'
          ? 'is not allowed for this user (ports below 1024 need privileges); choose a port above 1024'
          : 'is not an address of this machine; use 0.0.0.0 or one of its addresses';
    throw new PrescaleError('invalid-input', `${field}: ${listen} ${why} (${code})`, { field, cause: error });
  }
}

/** Asks the OS for a free TCP port on 127.0.0.1 (closed again before returning), for a child process to listen on. */
export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}
