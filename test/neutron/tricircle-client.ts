// The real python-tricircleclient for the neutron suite, from the copy vendored under
// test/neutron/vendor/python-tricircleclient (PyPI cannot be reached from the CI machine; see its
// README). It goes into a virtual environment over Debian's Python with --system-site-packages, so
// Debian's python3-openstackclient provides the `openstack` CLI and everything the client needs
// (cliff, osc-lib, keystoneauth1, oslo.*, six); pip installs only the client, offline. The venv is
// built once per client version and openstackclient version, under the harness's state dir.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ensureDebianPackages, packageVersion, pythonEnv, SYSTEM_PYTHON, withLock } from './harness';

/** What pbr would call the vendored commit (1.0.0 plus 5 commits); pbr reads it from PBR_VERSION. */
export const TRICIRCLECLIENT_VERSION = '1.0.1.dev5';
export const TRICIRCLECLIENT_PACKAGES = ['python3-openstackclient', 'python3-pbr', 'python3-venv'] as const;
const SOURCE = path.join(__dirname, 'vendor', 'python-tricircleclient');

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, what: string): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env, maxBuffer: 64 << 20 });
  if (r.status !== 0) {
    const tail = `${r.stdout ?? ''}${r.stderr ?? ''}`.split('\n').slice(-30).join('\n');
    throw new Error(`${what} failed (exit ${r.status ?? r.signal}):\n${tail}`);
  }
}

/** The venv's python: `python -m openstackclient.shell …` is the `openstack` CLI with the plugin. */
export async function ensureTricircleClient(stateDir: string): Promise<{ python: string; version: string }> {
  ensureDebianPackages(TRICIRCLECLIENT_PACKAGES);
  const venv = path.join(stateDir, 'tricircleclient-venv');
  const python = path.join(venv, 'bin', 'python');
  const stamp = `${TRICIRCLECLIENT_VERSION} osc ${packageVersion('python3-openstackclient')}`;
  const stampFile = path.join(venv, 'crosspod.stamp');
  return withLock(stateDir, async () => {
    if (fs.existsSync(stampFile) && fs.readFileSync(stampFile, 'utf8') === stamp) return { python, version: TRICIRCLECLIENT_VERSION };
    fs.rmSync(venv, { recursive: true, force: true });
    run(SYSTEM_PYTHON, ['-m', 'venv', '--system-site-packages', venv], pythonEnv(), 'python3 -m venv');
    // A copy: pip builds in the source tree and would leave build files in the repo.
    const src = path.join(stateDir, 'tricircleclient-src');
    fs.rmSync(src, { recursive: true, force: true });
    fs.cpSync(SOURCE, src, { recursive: true });
    const env = { ...pythonEnv(), PBR_VERSION: TRICIRCLECLIENT_VERSION, PIP_DISABLE_PIP_VERSION_CHECK: '1', PIP_NO_CACHE_DIR: '1' };
    try {
      run(python, ['-m', 'pip', 'install', '--no-deps', '--no-build-isolation', '--no-index', src], env, 'pip install tricircleclient');
    } finally {
      fs.rmSync(src, { recursive: true, force: true });
    }
    fs.writeFileSync(stampFile, stamp);
    return { python, version: TRICIRCLECLIENT_VERSION };
  });
}
