// Running an OpenStack command-line client as an operator does: a password login as an openrc
// would set it, and nothing from the caller's environment (a clean PATH and HOME).
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { KeystoneInfo, KeystoneUser } from './keystone-harness';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** The OS_* variables of a password login for `u` in `region`, through the public endpoints. */
export function passwordEnv(ks: KeystoneInfo, u: KeystoneUser, region: string): Record<string, string> {
  return {
    OS_AUTH_TYPE: 'password',
    OS_AUTH_URL: ks.auth_url,
    OS_IDENTITY_API_VERSION: '3',
    OS_USERNAME: u.username,
    OS_PASSWORD: u.password,
    OS_PROJECT_NAME: u.project_name,
    OS_USER_DOMAIN_NAME: u.user_domain_name,
    OS_PROJECT_DOMAIN_NAME: u.project_domain_name,
    OS_REGION_NAME: region,
    OS_INTERFACE: 'public',
  };
}

/** Runs `file args` with only `env` (plus PATH, HOME under `dir`, LANG); never rejects. */
export function runCli(file: string, args: string[], env: Record<string, string>, dir: string): Promise<CliRun> {
  const home = join(dir, 'home');
  mkdirSync(home, { recursive: true });
  return new Promise((resolve) => {
    execFile(file, args, { env: { PATH: '/usr/bin:/bin', HOME: home, LANG: 'C.UTF-8', ...env }, timeout: 90_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}
