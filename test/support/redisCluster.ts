import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createRedisClient, type RedisClusterClient, type RedisNodeClient } from '../../src/adapters/redis/createRedisClient.ts';
import { connectedClient, freePort, quietLogger } from './redis.ts';

const run = promisify(execFile);

export interface RedisCluster {
  /** redis://127.0.0.1:<port> of each master, in start order. */
  readonly urls: readonly string[];
  /** Stops master `index` (SIGTERM; its data is in its append-only file). */
  stop(index: number): Promise<void>;
  /** Starts master `index` again on the same port, with its cluster identity and data. */
  start(index: number): Promise<void>;
  /** Stops every master and deletes their files. */
  close(): Promise<void>;
}

/**
 * A real Redis Cluster of `masters` masters and no replicas on free ports, in a temp
 * dir of its own. `cluster-require-full-coverage no`, as ARCHITECTURE.md advises: a
 * master that is down costs only the keys in its slots.
 */
export async function startRedisCluster(masters = 3): Promise<RedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'faces-cluster-'));
  const nodes = await Promise.all(Array.from({ length: masters }, async () => ({ port: await freePort(), busPort: await freePort() })));
  const processes: (ChildProcess | undefined)[] = [];
  const start = async (index: number) => {
    const { port, busPort } = nodes[index]!;
    const server = spawn(
      'redis-server',
      [
        '--port', String(port), '--cluster-port', String(busPort), '--bind', '127.0.0.1', '--dir', dir,
        '--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', '1000',
        '--cluster-require-full-coverage', 'no',
        '--save', '', '--appendonly', 'yes', '--appenddirname', `aof-${port}`, '--appendfsync', 'always',
      ],
      { stdio: 'ignore' },
    );
    processes[index] = server;
    (await connectedClient(`redis://127.0.0.1:${port}`)).destroy();
  };
  const stop = async (index: number) => {
    const server = processes[index];
    processes[index] = undefined;
    if (!server || server.exitCode !== null) return;
    server.kill('SIGTERM');
    await once(server, 'exit');
  };
  try {
    for (let index = 0; index < masters; index++) await start(index);
    const addresses = nodes.map(({ port }) => `127.0.0.1:${port}`);
    await run('redis-cli', ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes']);
    await Promise.all(nodes.map(({ port }) => clusterStateOk(port)));
  } catch (error) {
    await Promise.all(nodes.map((_, index) => stop(index)));
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    urls: nodes.map(({ port }) => `redis://127.0.0.1:${port}`),
    stop,
    async start(index) {
      await start(index);
      await Promise.all(nodes.map(({ port }) => clusterStateOk(port)));
    },
    async close() {
      await Promise.all(nodes.map((_, index) => stop(index)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Waits until this node sees every slot served and every other node up. */
async function clusterStateOk(port: number): Promise<void> {
  const client = await connectedClient(`redis://127.0.0.1:${port}`);
  try {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const info = await client.clusterInfo();
      const nodes = await client.clusterNodes();
      if (/cluster_state:ok/.test(info) && /cluster_slots_ok:16384/.test(info) && !/fail/.test(nodes)) return;
      if (Date.now() > deadline) throw new Error(`cluster on ${port} never became healthy:\n${info}\n${nodes}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    client.destroy();
  }
}

/** A cluster client that has discovered the cluster and is ready for commands. */
export async function connectedClusterClient(cluster: RedisCluster): Promise<RedisClusterClient> {
  const client = createRedisClient({ clusterNodes: cluster.urls, logger: quietLogger });
  const deadline = Date.now() + 10_000;
  while (client.masters.length === 0 || client.masters.some((master) => master.client?.isReady !== true)) {
    if (Date.now() > deadline) throw new Error('the cluster client never connected');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return client;
}

/** Every key under `prefix` on every master, by master URL. */
export async function keysByMaster(cluster: RedisCluster, prefix: string): Promise<Map<string, string[]>> {
  const found = new Map<string, string[]>();
  await Promise.all(
    cluster.urls.map((url) => onNode(url, async (client) => void found.set(url, await client.keys(`${prefix}*`)))),
  );
  return found;
}

async function onNode<T>(url: string, use: (client: RedisNodeClient) => Promise<T>): Promise<T> {
  const client = await connectedClient(url);
  try {
    return await use(client);
  } finally {
    client.destroy();
  }
}
