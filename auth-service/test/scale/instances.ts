import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface Instance {
  url: string;
  child: ChildProcess;
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts `src/server.ts` as its own process and waits until /readyz answers. The free port is found before the
 * process binds it, so another process may take it meanwhile: then it tries again on a new port.
 */
export async function startInstance(env: Record<string, string>, attempts = 3): Promise<Instance> {
  try {
    return await startOnce(env);
  } catch (err) {
    if (attempts > 1 && err instanceof Error && err.message.includes('EADDRINUSE')) return startInstance(env, attempts - 1);
    throw err;
  }
}

async function startOnce(env: Record<string, string>): Promise<Instance> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let log = '';
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: packageDir,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  const instance: Instance = {
    url,
    child,
    output: () => log,
    stop: (signal = 'SIGTERM') =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve(child.exitCode);
        child.once('exit', (code) => resolve(code));
        child.kill(signal);
      }),
  };
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`instance exited (${child.exitCode}):\n${log}`);
    try {
      if ((await fetch(`${url}/readyz`)).ok) return instance;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await instance.stop('SIGKILL');
  throw new Error(`instance did not become ready:\n${log}`);
}

export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`;
}

export interface TcpRelay {
  open(): Promise<void>;
  cut(): Promise<void>;
  stall(): void;
}

/**
 * A TCP relay to `target` that a test can break as a network would: `cut` closes every connection and refuses new
 * ones (a peer that is gone); `stall` keeps connections open but lets no byte through either way (packets dropped
 * silently, so the client learns of it only by a timeout). `open` starts relaying again on the same port.
 */
export function tcpRelay(port: number, target: { host: string; port: number }): TcpRelay {
  const pairs = new Set<{ client: net.Socket; upstream?: net.Socket }>();
  let server: net.Server | undefined;
  let stalled = false;
  const stall = (pair: { client: net.Socket; upstream?: net.Socket }) => {
    pair.client.unpipe();
    pair.upstream?.unpipe();
    pair.client.pause();
    pair.upstream?.pause();
  };
  return {
    open: () =>
      new Promise<void>((resolve) => {
        stalled = false;
        server = net.createServer((client) => {
          const pair: { client: net.Socket; upstream?: net.Socket } = { client };
          pairs.add(pair);
          client.on('close', () => pairs.delete(pair));
          client.on('error', () => client.destroy());
          if (stalled) return stall(pair);
          const upstream = net.connect(target.port, target.host);
          pair.upstream = upstream;
          upstream.on('error', () => upstream.destroy());
          upstream.on('close', () => client.destroy());
          client.on('close', () => upstream.destroy());
          client.pipe(upstream).pipe(client);
        });
        server.listen(port, '127.0.0.1', () => resolve());
      }),
    cut: () =>
      new Promise<void>((resolve) => {
        for (const { client, upstream } of pairs) {
          client.destroy();
          upstream?.destroy();
        }
        if (!server?.listening) return resolve();
        server.close(() => resolve());
      }),
    stall: () => {
      stalled = true;
      for (const pair of pairs) stall(pair);
    },
  };
}
