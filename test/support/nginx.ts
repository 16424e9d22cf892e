import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const nginxBinary = '/usr/sbin/nginx';
export const hasNginx = existsSync(nginxBinary);
if (!hasNginx) {
  if (process.env.CI) throw new Error('CI: nginx is not installed; .ci/run should have installed it.');
  console.warn('\n!!! SKIPPING proxy tests: no nginx (apt-get install nginx) !!!\n');
}

export interface RunningNginx {
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * The repository's own deploy/nginx.conf, with its upstream servers pointed at
 * `upstreams` and listening on `port`, run as a foreground nginx of its own.
 */
export async function startNginx(upstreams: readonly string[], port: number): Promise<RunningNginx> {
  const deployed = readFileSync(new URL('../../deploy/nginx.conf', import.meta.url), 'utf8');
  const servers = [...deployed.matchAll(/^\s*server api-\d+:8001(.*);$/gm)];
  if (servers.length !== upstreams.length) throw new Error(`deploy/nginx.conf names ${servers.length} upstream servers, the test ${upstreams.length}`);
  let site = deployed;
  servers.forEach((server, index) => (site = site.replace(server[0], `  server ${upstreams[index]}${server[1]};`)));
  // The tests name upstreams by address, so run-time resolution has nothing to do (and
  // an nginx older than 1.27.3, such as Debian 12's 1.22, does not know `resolve`).
  site = site.replace(/^resolver .*$/m, '').replaceAll(' resolve ', ' ');
  site = site.replace(/listen 8001;/, `listen 127.0.0.1:${port};`);
  const folder = mkdtempSync(join(tmpdir(), 'faces-nginx-'));
  writeFileSync(join(folder, 'site.conf'), site);
  writeFileSync(
    join(folder, 'nginx.conf'),
    `daemon off;
pid ${folder}/nginx.pid;
error_log ${folder}/error.log warn;
events {}
http {
  access_log off;
  client_body_temp_path ${folder}/body;
  proxy_temp_path ${folder}/proxy;
  include ${folder}/site.conf;
}
`,
  );
  const child = spawn(nginxBinary, ['-p', folder, '-c', join(folder, 'nginx.conf')], { stdio: 'ignore' });
  await listening(port, child);
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGQUIT');
      }),
  };
}

async function listening(port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 5000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.end();
        resolve(true);
      }).once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error('nginx did not start listening');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

