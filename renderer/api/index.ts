export { createClient, type Client } from './client';
export { ApiError, toErrorInfo, type ErrorInfo } from './errors';
export { detectTransport, electronTransport, httpTransport, type Transport, type CrosspodBridge } from './transport';
