// Secrets (pod passwords) are sealed before they reach SQLite. The shell seals with Electron's
// safeStorage; headless mode with a 0600 key file under the data directory (see ./file-key.ts).
export interface SecretBox {
  readonly kind: string;
  seal(plain: string): string;
  open(sealed: string): string;
}
