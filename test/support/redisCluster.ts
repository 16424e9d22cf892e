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
  /** redis://127.0.0.1:<port> of each node (masters first, then replicas), in start order. */
  readonly urls: readonly string[];
  /** Stops node `index` (SIGTERM; its data is in its append-only file), or kills it (SIGKILL). */
  stop(index: number, signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** Starts node `index` again on the same port, with its cluster identity and data, and waits for a healthy cluster. */
  start(index: number): Promise<void>;
  /** Stops every master and deletes their files. */
  close(): Promise<void>;
}

/**
 * A real Redis Cluster of `masters` masters with `replicas` replicas each on free ports, in
 * a temp dir of its own. `cluster-require-full-coverage no`, as docs/adr/0008-processes-and-scaling.md advises:
 * a master that is down costs only the keys in its slots.
 */
export async function startRedisCluster(masters = 3, replicas = 0): Promise<RedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'faces-cluster-'));
  const nodes = await Promise.all(Array.from({ length: masters * (1 + replicas) }, async () => ({ port: await freePort(), busPort: await freePort() })));
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
  const stop = async (index: number, signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM') => {
    const server = processes[index];
    processes[index] = undefined;
    if (!server || server.exitCode !== null) return;
    server.kill(signal);
    await once(server, 'exit');
  };
  try {
    await Promise.all(nodes.map((_, index) => start(index)));
    const addresses = nodes.map(({ port }) => `127.0.0.1:${port}`);
    await run('redis-cli', ['--cluster', 'create', ...addresses, '--cluster-replicas', String(replicas), '--cluster-yes']);
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

/** Waits until this node sees every slot served, every other node up and every replica in sync. */
async function clusterStateOk(port: number): Promise<void> {
  const client = await connectedClient(`redis://127.0.0.1:${port}`);
  try {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const info = await client.clusterInfo();
      const nodes = await client.clusterNodes();
      const syncing = /role:slave/.test(await client.info('replication')) && !/master_link_status:up/.test(await client.info('replication'));
      if (/cluster_state:ok/.test(info) && /cluster_slots_ok:16384/.test(info) && !/fail/.test(nodes) && !syncing) return;
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

/** Every key under `prefix` on every master that answers, by master URL. */
export async function keysByMaster(cluster: RedisCluster, prefix: string): Promise<Map<string, string[]>> {
  const found = new Map<string, string[]>();
  await Promise.all(
    cluster.urls.map((url) =>
      onNode(url, async (client) => {
        if (/role:master/.test(await client.info('replication'))) found.set(url, await client.keys(`${prefix}*`));
      }).catch(() => undefined),
    ),
  );
  return found;
}

/** The URL of each master as node `asking` sees the cluster (a failed one is not a master). */
export async function mastersSeenBy(cluster: RedisCluster, asking: number): Promise<string[]> {
  return onNode(cluster.urls[asking]!, async (client) =>
    (await client.clusterNodes())
      .split('\n')
      .filter((line) => /\bmaster\b/.test(line) && !/\bfail\b/.test(line))
      .map((line) => `redis://${line.split(' ')[1]!.split('@')[0]}`),
  );
}

async function onNode<T>(url: string, use: (client: RedisNodeClient) => Promise<T>): Promise<T> {
  const client = await connectedClient(url);
  try {
    return await use(client);
  } finally {
    client.destroy();
  }
}
