// The contract client the store talks through; set once at startup (tests set a fake).
import type { Api } from '../../shared/contract';
import type { Client } from '../api/client';

let current: Client | null = null;

export function setClient(c: Client | null): void {
  current = c;
}

export function getClient(): Client {
  if (!current) throw new Error('the contract client is not set');
  return current;
}

export function api(): Api {
  return getClient().api;
}
