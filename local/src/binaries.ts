/**
 * Finds a server binary on PATH or in the usual Debian locations; installs its Debian package when
 * running as root and it is missing (CI and fresh machines), otherwise explains how to install it.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { execFileSync } from 'node:child_process';

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function findBinary(name: string, extraDirs: string[] = []): string | undefined {
  const dirs = [
    ...(process.env.PATH ?? '').split(delimiter),
    '/usr/sbin',
    '/usr/local/sbin',
    '/sbin',
    ...extraDirs,
  ];
  return dirs.map((dir) => join(dir, name)).find(isExecutable);
}

let aptUpdated = false;

export function ensureDebianPackage(binary: string, debianPackage: string, extraDirs: string[] = []): string {
  const found = findBinary(binary, extraDirs);
  if (found) return found;
  if (process.getuid?.() !== 0) {
    throw new Error(
      `${binary} not found on PATH or in /usr/sbin: install it with "sudo apt-get install -y ${debianPackage}"`,
    );
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (!aptUpdated) {
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    aptUpdated = true;
  }
  execFileSync('apt-get', ['install', '-y', '-qq', debianPackage], { stdio: 'inherit', env });
  const installed = findBinary(binary, extraDirs);
  if (!installed) throw new Error(`installed ${debianPackage} but ${binary} is still not found`);
  return installed;
}
