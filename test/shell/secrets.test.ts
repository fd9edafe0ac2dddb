import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { safeStorageSecretBox, shellSecretBox, type SafeStorageLike } from '../../main/shell/secrets';

const dir = mkdtempSync(join(tmpdir(), 'crosspod-secrets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A stand-in for safeStorage: reversible, and visibly not plain text. */
function fakeSafeStorage(available: boolean, backend = 'gnome_libsecret'): SafeStorageLike {
  return {
    isEncryptionAvailable: () => available,
    getSelectedStorageBackend: () => backend as ReturnType<NonNullable<SafeStorageLike['getSelectedStorageBackend']>>,
    encryptString: (s) => Buffer.from(`enc:${s}`).reverse(),
    decryptString: (b) => {
      const s = Buffer.from(b).reverse().toString();
      if (!s.startsWith('enc:')) throw new Error('cannot decrypt');
      return s.slice(4);
    },
  };
}

describe('shell secrets', () => {
  it('seals with safeStorage when it really encrypts', () => {
    const box = shellSecretBox(fakeSafeStorage(true), join(dir, 'a.key'));
    expect(box.kind).toBe('safe-storage');
    const sealed = box.seal('hunter2');
    expect(sealed.startsWith('ss1.')).toBe(true);
    expect(sealed).not.toContain('hunter2');
    expect(box.open(sealed)).toBe('hunter2');
  });

  it.each([
    ['unavailable', fakeSafeStorage(false)],
    ['basic_text on Linux', fakeSafeStorage(true, 'basic_text')],
  ])('falls back to the key file when safeStorage is %s', (_why, ss) => {
    const box = shellSecretBox(ss, join(dir, 'b.key'));
    expect(box.kind).toBe('file-key');
    const sealed = box.seal('s3cret');
    expect(sealed.startsWith('v1.')).toBe(true);
    expect(box.open(sealed)).toBe('s3cret');
  });

  it('opens secrets sealed by either backend, whichever is in use now', () => {
    const key = join(dir, 'c.key');
    const viaFile = shellSecretBox(fakeSafeStorage(false), key).seal('from-file');
    const viaSafe = shellSecretBox(fakeSafeStorage(true), key).seal('from-safe');
    const now = shellSecretBox(fakeSafeStorage(true), key);
    expect(now.open(viaFile)).toBe('from-file');
    expect(now.open(viaSafe)).toBe('from-safe');
  });

  it('refuses what it did not seal', () => {
    expect(() => safeStorageSecretBox(fakeSafeStorage(true)).open('v1.a.b.c')).toThrow('not a safeStorage-sealed secret');
  });
});
