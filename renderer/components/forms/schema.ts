// Form schemas are the contract's own (shared/contract.ts), field by field: a form only adds what
// is about the form (blank inputs mean "not given", a name the console asks for). The engine
// checks the rest (CIDRs, addresses in subnets) and its error shows where the action was taken.
import { z } from 'zod';
import { contract } from '../../../shared/contract';

/** An optional text input: blank is "not given", the rest is trimmed, then checked by `schema`. */
export function blank<S extends z.ZodType>(schema: S) {
  return z.preprocess((v) => (typeof v === 'string' ? (v.trim() === '' ? undefined : v.trim()) : v), schema.optional());
}

/** A text input the form asks for. */
export function required<S extends z.ZodType<string, string>>(schema: S, what: string) {
  return z.preprocess((v) => (typeof v === 'string' ? v.trim() : v), z.string().min(1, `${what} is required`).pipe(schema));
}

export const shapes = {
  network: contract['networks.create'].input.shape,
  external: contract['networks.createExternal'].input.shape,
  externalSubnet: contract['networks.createExternal'].input.shape.subnet.shape,
  subnet: contract['subnets.create'].input.shape,
  port: contract['ports.create'].input.shape,
  router: contract['routers.create'].input.shape,
  gateway: contract['routers.setGateway'].input.shape,
  fip: contract['fips.create'].input.shape,
  pod: contract['pods.create'].input.shape,
  podDriver: contract['pods.create'].input.shape.driver_config.unwrap().unwrap().shape,
};

/** The address schema of a fixed IP, as the contract has it. */
export const fixedIp = contract['ports.create'].input.shape.fixed_ips.unwrap().element.shape.ip_address.unwrap();

/** After a successful submit the form empties, even the fields the user typed in. */
export const CLEAR = { keepDirtyValues: false } as const;
