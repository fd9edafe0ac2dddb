// Errors are data: a stable code, a message, optional details and the HTTP status a REST
// client would get. Shared by the engine, both transports and the renderer.

export const ERROR_STATUS = {
  INVALID_INPUT: 400,
  UNKNOWN_METHOD: 404,
  NOT_FOUND: 404,
  UNAUTHORIZED: 401,
  // pods (reference §11)
  POD_NOT_FOUND: 404,
  POD_NAME_REQUIRED: 422,
  TOP_POD_EXISTS: 409,
  TOP_POD_NOT_FOUND: 409,
  POD_NAME_DUPLICATED: 409,
  POD_IN_USE: 409,
  POD_NOT_LAB: 404,
  NO_POD_FOR_AZ: 400,
  // networks (reference §8.16)
  EXTERNAL_NET_POD_NOT_SPECIFIED: 400,
  AVAILABILITY_ZONE_NOT_FOUND: 404,
  CROSS_POD_L3_NOT_SUPPORTED: 400,
  NETWORK_IN_USE: 409,
  SUBNET_IN_USE: 409,
  // IPAM
  INVALID_CIDR: 400,
  INVALID_IP_ADDRESS: 400,
  IP_ADDRESS_IN_USE: 409,
  GATEWAY_IP_IN_USE: 409,
  IP_NOT_IN_SUBNET: 400,
  SUBNET_EXHAUSTED: 409,
  SUBNET_OVERLAP: 400,
  POOL_EXHAUSTED: 409,
  VLAN_EXHAUSTED: 503,
  // routers and floating IPs
  PORT_IN_USE: 409,
  ROUTER_INTERFACE_EXISTS: 400,
  ROUTER_INTERFACE_NOT_FOUND: 404,
  ROUTER_GATEWAY_EXISTS: 409,
  ROUTER_IN_USE: 409,
  ROUTER_INTERFACE_IN_USE: 409,
  ROUTER_SUBNET_OVERLAP: 400,
  CROSS_POD_IPV6_NOT_SUPPORTED: 400,
  INVALID_ROUTES: 400,
  PORT_NOT_ASSOCIABLE: 400,
  EXTERNAL_GATEWAY_NOT_FOUND: 404,
  FLOATING_IP_ASSOCIATED: 409,
  NOT_EXTERNAL_NETWORK: 400,
  OVER_QUOTA: 409,
  // routing table and bottom pods (reference §5, §8.13)
  ROUTING_CREATE_FAIL: 500,
  ROUTING_BIND_FAIL: 500,
  BOTTOM_POD_OPERATION_FAILURE: 502,
  POD_UNREACHABLE: 503,
  POD_TIMEOUT: 504,
  POD_AUTH_FAILED: 502,
  CONFLICT: 409,
  BAD_REQUEST: 400,
  UNSUPPORTED_MEDIA_TYPE: 415,
  // undo and redo
  NOTHING_TO_UNDO: 409,
  NOTHING_TO_REDO: 409,
  UNDO_CONFLICT: 409,
  // security groups (Neutron's SecurityGroup* exceptions)
  SECURITY_GROUP_IN_USE: 409,
  SECURITY_GROUP_DEFAULT_CANNOT_DELETE: 409,
  SECURITY_GROUP_DEFAULT_CANNOT_UPDATE: 409,
  SECURITY_GROUP_DEFAULT_EXISTS: 409,
  SECURITY_GROUP_RULE_EXISTS: 409,
  INVALID_SECURITY_GROUP_RULE: 400,
  // port security (Neutron's PortSecurity* exceptions)
  PORT_SECURITY_REQUIRED_FOR_SECURITY_GROUPS: 400,
  PORT_SECURITY_PORT_HAS_SECURITY_GROUP: 409,
  // jobs
  JOB_NOT_REDOABLE: 409,
  JOB_NOT_DELETABLE: 409,
  JOB_RESOURCE_NOT_OWNED: 400,
  // admin operations and the doctor
  RESOURCE_TYPE_UNKNOWN: 400,
  ROUTING_EXISTS: 409,
  FINDING_NOT_FOUND: 404,
  // labs (one SQLite file each) and lab documents
  LAB_EXISTS: 409,
  LAB_NOT_FOUND: 404,
  LAB_NAME_INVALID: 400,
  LAB_IN_USE: 409,
  LAB_HAS_REAL_REGIONS: 409,
  LAB_DOCUMENT_INVALID: 400,
  LAB_NOT_EXPORTABLE: 409,
  LAB_IMPORT_FAILED: 422,
  LABS_SINGLE_FILE: 409,
  SNAPSHOT_NOT_FOUND: 404,
  // store
  DATABASE_CORRUPT: 500,
  MIGRATION_EDITED: 500,
  DATABASE_TOO_NEW: 500,
  INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface ErrorBody {
  code: ErrorCode;
  message: string;
  status: number;
  details?: unknown;
}

export class CrosspodError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details?: unknown;

  constructor(code: ErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = 'CrosspodError';
    this.code = code;
    // A code from a newer peer (a body that crossed a transport) is still an error: 500.
    this.status = isErrorCode(code) ? ERROR_STATUS[code] : 500;
    this.details = details;
  }

  toBody(): ErrorBody {
    const body: ErrorBody = { code: this.code, message: this.message, status: this.status };
    if (this.details !== undefined) body.details = this.details;
    return body;
  }
}

export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.prototype.hasOwnProperty.call(ERROR_STATUS, code);
}

export function isCrosspodError(e: unknown): e is CrosspodError {
  return e instanceof CrosspodError;
}

/** Turns anything thrown into an error body; unknown errors become INTERNAL. */
export function toErrorBody(e: unknown): ErrorBody {
  if (e instanceof CrosspodError) return e.toBody();
  if (e && typeof e === 'object' && 'code' in e && 'message' in e && 'status' in e) {
    const o = e as ErrorBody;
    if (isErrorCode(o.code)) {
      // A body that crossed a transport: keep its fields, with the status its code stands for.
      const body: ErrorBody = { code: o.code, message: String(o.message), status: ERROR_STATUS[o.code] };
      if (o.details !== undefined) body.details = o.details;
      return body;
    }
  }
  // A plain object with a message (a foreign error body, a rejected JSON reply) keeps its
  // message rather than becoming "[object Object]".
  const own = e && typeof e === 'object' && typeof (e as { message?: unknown }).message === 'string' ? (e as { message: string }).message : undefined;
  const message = e instanceof Error ? e.message : (own ?? String(e));
  return { code: 'INTERNAL', message, status: 500 };
}

/** Rebuilds a thrown error from a body that crossed a transport. */
export function fromErrorBody(b: ErrorBody): CrosspodError {
  return new CrosspodError(b.code, b.message, b.details);
}

/** Results cross every transport as envelopes, never as thrown exceptions. */
export type Envelope<T> = { ok: true; value: T } | { ok: false; error: ErrorBody };
