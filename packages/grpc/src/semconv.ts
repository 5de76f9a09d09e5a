/**
 * RPC semantic conventions (development status in OpenTelemetry), copied rather than imported:
 * libraries depend on @opentelemetry/api only. Set on the core's attempt span when there is one.
 */
import type { Attributes } from '@opentelemetry/api';

export const ATTR_RPC_SYSTEM = 'rpc.system';
export const ATTR_RPC_SERVICE = 'rpc.service';
export const ATTR_RPC_METHOD = 'rpc.method';
export const ATTR_RPC_GRPC_STATUS_CODE = 'rpc.grpc.status_code';

/** `rpc.*` attributes of a method, from its path `/package.Service/Method`. */
export function rpcAttributes(path: string): Attributes {
  const [, service = '', method = ''] = /^\/([^/]*)\/([^/]*)$/.exec(path) ?? [];
  return { [ATTR_RPC_SYSTEM]: 'grpc', [ATTR_RPC_SERVICE]: service, [ATTR_RPC_METHOD]: method };
}
