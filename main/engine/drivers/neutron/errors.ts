// Neutron's answers mapped onto Crosspod's stable error codes. The Neutron exception type and
// the HTTP status always travel in `details` so an operator can match them to the region's log.
import { CrosspodError, type ErrorCode } from '../../../../shared/errors';

export interface NeutronErrorBody {
  NeutronError?: { type?: string; message?: string; detail?: string };
}

export interface RequestContext {
  method: string;
  path: string;
}

const IP_IN_USE = new Set(['IpAddressInUse', 'IpAddressAlreadyAllocated', 'FloatingIPAddressAlreadyAllocated']);
const ROUTER_IN_USE = new Set(['RouterInUse', 'RouterInterfaceInUseByRoute']);
// Neutron types with a Crosspod code of their own, the same ones the lab driver raises.
const SPECIFIC: Record<string, ErrorCode> = {
  PortInUse: 'PORT_IN_USE',
  ServicePortInUse: 'PORT_IN_USE',
  NetworkInUse: 'NETWORK_IN_USE',
  SubnetInUse: 'SUBNET_IN_USE',
  GatewayIpInUse: 'GATEWAY_IP_IN_USE',
  RouterInterfaceNotFound: 'ROUTER_INTERFACE_NOT_FOUND',
  RouterInterfaceNotFoundForSubnet: 'ROUTER_INTERFACE_NOT_FOUND',
  ExternalGatewayForFloatingIPNotFound: 'EXTERNAL_GATEWAY_NOT_FOUND',
  FloatingIPPortAlreadyAssociated: 'FLOATING_IP_ASSOCIATED',
  IpAddressGenerationFailure: 'SUBNET_EXHAUSTED',
  InvalidIpForNetwork: 'IP_NOT_IN_SUBNET',
  InvalidIpForSubnet: 'IP_NOT_IN_SUBNET',
  OverQuota: 'OVER_QUOTA',
  SecurityGroupInUse: 'SECURITY_GROUP_IN_USE',
  PortSecurityAndIPRequiredForSecurityGroups: 'PORT_SECURITY_REQUIRED_FOR_SECURITY_GROUPS',
  PortSecurityPortHasSecurityGroup: 'PORT_SECURITY_PORT_HAS_SECURITY_GROUP',
  SecurityGroupRuleExists: 'SECURITY_GROUP_RULE_EXISTS',
  SecurityGroupCannotRemoveDefault: 'SECURITY_GROUP_DEFAULT_CANNOT_DELETE',
  SecurityGroupCannotUpdateDefault: 'SECURITY_GROUP_DEFAULT_CANNOT_UPDATE',
  SecurityGroupDefaultAlreadyExists: 'SECURITY_GROUP_DEFAULT_EXISTS',
};

/** Parses Neutron's `{"NeutronError": {type, message}}`; anything else keeps a short text excerpt. */
export function parseNeutronError(text: string): { type: string | null; message: string } {
  try {
    const body = JSON.parse(text) as NeutronErrorBody & { error?: { message?: string }; message?: string };
    if (body?.NeutronError) return { type: body.NeutronError.type ?? null, message: body.NeutronError.message ?? '' };
    // Keystone and some proxies answer {"error": {"message"}}.
    if (body?.error?.message) return { type: null, message: body.error.message };
    if (typeof body?.message === 'string') return { type: null, message: body.message };
  } catch {
    /* not JSON */
  }
  return { type: null, message: text.replace(/\s+/g, ' ').trim().slice(0, 300) };
}

export function mapNeutronError(status: number, text: string, ctx: RequestContext): CrosspodError {
  const { type, message } = parseNeutronError(text);
  const details = { status, neutron_type: type, method: ctx.method, path: ctx.path };
  const msg = message || `Neutron answered HTTP ${status} to ${ctx.method} ${ctx.path}`;
  const code = ((): ErrorCode => {
    if (status === 401 || status === 403) return 'POD_AUTH_FAILED';
    if (status >= 500) return 'BOTTOM_POD_OPERATION_FAILURE';
    const t = type ?? '';
    if (IP_IN_USE.has(t)) return 'IP_ADDRESS_IN_USE';
    if (ROUTER_IN_USE.has(t)) return 'ROUTER_IN_USE';
    if (status === 409 && ctx.path.endsWith('/remove_router_interface')) return 'ROUTER_IN_USE';
    if (Object.hasOwn(SPECIFIC, t)) return SPECIFIC[t];
    if (t === 'BadRequest' && /already has a port on subnet/i.test(message)) return 'ROUTER_INTERFACE_EXISTS';
    // Same-network subnets (InvalidInput) and a router's interfaces (BadRequest) must not overlap.
    if (status === 400 && /overlaps with (another subnet|cidr)/i.test(message)) return 'SUBNET_OVERLAP';
    if (t.endsWith('NotFound') || status === 404) return 'NOT_FOUND';
    if (status === 409) return 'CONFLICT';
    return 'BAD_REQUEST';
  })();
  return new CrosspodError(code, msg, details);
}

/** fetch() failures: a timeout (our abort) or a connection-level error. */
export function mapTransportError(e: unknown, ctx: RequestContext & { url: string; timeoutMs: number; timedOut: boolean }): CrosspodError {
  const base = { method: ctx.method, path: ctx.path };
  if (ctx.timedOut) {
    return new CrosspodError('POD_TIMEOUT', `No answer from ${ctx.url} within ${ctx.timeoutMs} ms`, { ...base, timeout_ms: ctx.timeoutMs });
  }
  const cause = (e as { cause?: { code?: string; message?: string } })?.cause;
  const sysCode = cause?.code ?? (e as { code?: string })?.code ?? null;
  const reason = cause?.message ?? (e instanceof Error ? e.message : String(e));
  return new CrosspodError('POD_UNREACHABLE', `Cannot reach ${ctx.url}: ${reason}`, { ...base, cause: sysCode });
}
