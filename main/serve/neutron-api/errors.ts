// Engine errors rendered as Neutron's `{"NeutronError": {type, message, detail}}`, with the
// engine's HTTP status. Types are the Neutron (or Tricircle) exception class names a client
// of a real region would match on.
import { toErrorBody, type ErrorBody, type ErrorCode } from '../../../shared/errors';

export interface NeutronErrorBody {
  NeutronError: { type: string; message: string; detail: string };
}

const TYPES: Partial<Record<ErrorCode, string>> = {
  INVALID_INPUT: 'HTTPBadRequest',
  UNKNOWN_METHOD: 'HTTPNotFound',
  UNAUTHORIZED: 'HTTPUnauthorized',
  POD_NOT_FOUND: 'PodNotFound',
  EXTERNAL_NET_POD_NOT_SPECIFIED: 'ExternalNetPodNotSpecify',
  AVAILABILITY_ZONE_NOT_FOUND: 'AvailabilityZoneNotFound',
  NETWORK_IN_USE: 'NetworkInUse',
  SUBNET_IN_USE: 'SubnetInUse',
  INVALID_CIDR: 'InvalidInput',
  INVALID_IP_ADDRESS: 'InvalidInput',
  IP_ADDRESS_IN_USE: 'IpAddressInUse',
  GATEWAY_IP_IN_USE: 'GatewayIpInUse',
  IP_NOT_IN_SUBNET: 'InvalidIpForSubnet',
  SUBNET_EXHAUSTED: 'IpAddressGenerationFailure',
  SUBNET_OVERLAP: 'InvalidInput',
  POOL_EXHAUSTED: 'SubnetAllocationError',
  VLAN_EXHAUSTED: 'NoNetworkAvailable',
  PORT_IN_USE: 'PortInUse',
  ROUTER_INTERFACE_EXISTS: 'BadRequest',
  ROUTER_INTERFACE_NOT_FOUND: 'RouterInterfaceNotFound',
  ROUTER_IN_USE: 'RouterInUse',
  EXTERNAL_GATEWAY_NOT_FOUND: 'ExternalGatewayForFloatingIPNotFound',
  FLOATING_IP_ASSOCIATED: 'FloatingIPPortAlreadyAssociated',
  NOT_EXTERNAL_NETWORK: 'BadRequest',
  OVER_QUOTA: 'OverQuota',
  ROUTING_CREATE_FAIL: 'RoutingCreateFail',
  ROUTING_BIND_FAIL: 'RoutingBindFail',
  BOTTOM_POD_OPERATION_FAILURE: 'BottomPodOperationFailure',
  POD_UNREACHABLE: 'EndpointNotAvailable',
  POD_TIMEOUT: 'EndpointNotAvailable',
  POD_AUTH_FAILED: 'BottomPodOperationFailure',
  CONFLICT: 'Conflict',
  BAD_REQUEST: 'BadRequest',
  UNSUPPORTED_MEDIA_TYPE: 'HTTPUnsupportedMediaType',
  INTERNAL: 'HTTPInternalServerError',
  SECURITY_GROUP_IN_USE: 'SecurityGroupInUse',
  SECURITY_GROUP_DEFAULT_CANNOT_DELETE: 'SecurityGroupCannotRemoveDefault',
  SECURITY_GROUP_DEFAULT_CANNOT_UPDATE: 'SecurityGroupCannotUpdateDefault',
  SECURITY_GROUP_DEFAULT_EXISTS: 'SecurityGroupDefaultAlreadyExists',
  SECURITY_GROUP_RULE_EXISTS: 'SecurityGroupRuleExists',
  INVALID_SECURITY_GROUP_RULE: 'InvalidInput',
  PORT_SECURITY_REQUIRED_FOR_SECURITY_GROUPS: 'PortSecurityAndIPRequiredForSecurityGroups',
  PORT_SECURITY_PORT_HAS_SECURITY_GROUP: 'PortSecurityPortHasSecurityGroup',
};

/** The engine's `kind` of a missing resource → Neutron's NotFound class and its noun. */
const NOT_FOUND: Record<string, [type: string, noun: string]> = {
  network: ['NetworkNotFound', 'Network'],
  subnet: ['SubnetNotFound', 'Subnet'],
  port: ['PortNotFound', 'Port'],
  router: ['RouterNotFound', 'Router'],
  floatingip: ['FloatingIPNotFound', 'Floating IP'],
  'security group': ['SecurityGroupNotFound', 'Security group'],
  security_group: ['SecurityGroupNotFound', 'Security group'],
  'security group rule': ['SecurityGroupRuleNotFound', 'Security group rule'],
  security_group_rule: ['SecurityGroupRuleNotFound', 'Security group rule'],
};

function byStatus(status: number): string {
  if (status === 400) return 'BadRequest';
  if (status === 404) return 'NotFound';
  if (status === 409) return 'Conflict';
  if (status === 503) return 'ServiceUnavailable';
  return 'HTTPInternalServerError';
}

export function neutronError(status: number, type: string, message: string): { status: number; body: NeutronErrorBody } {
  return { status, body: { NeutronError: { type, message, detail: '' } } };
}

/**
 * Anything thrown → Neutron's error body. `resource` is the path's resource (e.g. 'network'),
 * used when a NOT_FOUND does not say which kind it missed.
 */
export function toNeutronError(e: unknown, resource?: string): { status: number; body: NeutronErrorBody; error: ErrorBody } {
  const error = toErrorBody(e);
  if (error.code === 'NOT_FOUND') {
    const d = error.details as { kind?: string; id?: string } | undefined;
    const hit = NOT_FOUND[d?.kind ?? resource ?? ''];
    if (hit) {
      // Neutron's own wording, which operators and scripts recognise.
      const message = d?.id !== undefined ? `${hit[1]} ${d.id} could not be found.` : error.message;
      return { ...neutronError(error.status, hit[0], message), error };
    }
  }
  return { ...neutronError(error.status, TYPES[error.code] ?? byStatus(error.status), error.message), error };
}
