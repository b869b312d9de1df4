// The real maillage_server for the dashboard test: free ports, a store in a
// temporary folder, the demo territory, the dashboard's files, and (when
// given) the OpenID Connect sign-in against a provider.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export async function startServer({ binary, webDir, workDir, oidc }) {
  const args = [
    '--listen=127.0.0.1:0', '--http_listen=127.0.0.1:0', `--data_dir=${workDir}/store`, '--demo',
    `--admin_credentials_file=${workDir}/credentials`, `--web_dir=${webDir}`, '--sync_writes=false',
    '--rate_limit_per_second=0',
  ];
  if (oidc) {
    fs.writeFileSync(`${workDir}/jwks.json`, JSON.stringify(oidc.jwks));
    fs.writeFileSync(`${workDir}/rules.json`, JSON.stringify({ rules: [{
      name: 'test animators', when: { email_domain: 'exemple.fr' },
      grant: { role: 'animator', territories: ['departement:94'], workspace: 'lab-94' } }] }));
    fs.writeFileSync(`${workDir}/client-secret`, `${oidc.clientSecret}\n`);
    args.push(`--oidc_issuer=${oidc.issuer}`, `--oidc_audience=${oidc.clientId}`,
      `--oidc_jwks_file=${workDir}/jwks.json`, `--oidc_rules_file=${workDir}/rules.json`,
      `--oidc_authorization_endpoint=${oidc.issuer}/authorize`, `--oidc_token_endpoint=${oidc.issuer}/token`,
      `--oidc_client_secret_file=${workDir}/client-secret`);
  }
  const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server not ready after 120 s:\n${log}`)), 120000);
    child.stderr.on('data', (chunk) => {
      log += chunk;
      const m = log.match(/HTTP\/JSON on [\d.]+:(\d+)/);
      if (m) { clearTimeout(timer); resolve(Number(m[1])); }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited (${code}):\n${log}`)); });
  });
  const port = await ready;
  const key = fs.readFileSync(`${workDir}/credentials`, 'utf8').split('\n')
    .filter((l) => l && !l.startsWith('#')).pop().split(/\s+/)[1];
  const base = `http://127.0.0.1:${port}`;
  return {
    base,
    adminKey: key,
    log: () => log,
    async call(method, url, body, token = key) {
      const response = await fetch(base + url, {
        method, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`${method} ${url}: ${response.status} ${text}`);
      return text ? JSON.parse(text) : {};
    },
    async stop() {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.on('exit', resolve));
    },
  };
}

// A key of `role` on `territories`, in `workspace`: its secret.
export async function createKey(server, { role, territories, workspace, label }) {
  const answer = await server.call('POST', '/v1/admin/apiKeys', { role, territories, workspace, label });
  return answer.secret;
}

export function tempDir(prefix) {
  return fs.mkdtempSync(path.join(process.env.TMPDIR || '/tmp', prefix));
}
