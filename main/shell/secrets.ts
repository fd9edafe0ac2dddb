// The shell's SecretBox: Electron's safeStorage (OS keychain) when it really encrypts, else the
// headless key file. Sealed values carry a prefix, so either can be opened later whichever
// backend is available then.
import type { SafeStorage } from 'electron';
import { fileKeySecretBox } from '../engine/secrets/file-key';
import type { SecretBox } from '../engine/secrets';

export type SafeStorageLike = Pick<SafeStorage, 'isEncryptionAvailable' | 'encryptString' | 'decryptString'> &
  Partial<Pick<SafeStorage, 'getSelectedStorageBackend'>>;

const PREFIX = 'ss1.';

/** Linux without a keyring reports 'basic_text': a hard-coded key, no better than plain text. */
export function safeStorageUsable(ss: SafeStorageLike): boolean {
  if (!ss.isEncryptionAvailable()) return false;
  return ss.getSelectedStorageBackend?.() !== 'basic_text';
}

export function safeStorageSecretBox(ss: SafeStorageLike): SecretBox {
  return {
    kind: 'safe-storage',
    seal: (plain) => PREFIX + ss.encryptString(plain).toString('base64'),
    open(sealed) {
      if (!sealed.startsWith(PREFIX)) throw new Error('not a safeStorage-sealed secret');
      return ss.decryptString(Buffer.from(sealed.slice(PREFIX.length), 'base64'));
    },
  };
}

export function shellSecretBox(ss: SafeStorageLike, fallbackKeyFile: string): SecretBox {
  let file: SecretBox | undefined;
  const fileBox = () => (file ??= fileKeySecretBox(fallbackKeyFile));
  const safe = safeStorageSecretBox(ss);
  const useSafe = safeStorageUsable(ss);
  return {
    kind: useSafe ? safe.kind : 'file-key',
    seal: (plain) => (useSafe ? safe : fileBox()).seal(plain),
    open: (sealed) => (sealed.startsWith(PREFIX) ? safe : fileBox()).open(sealed),
  };
}
