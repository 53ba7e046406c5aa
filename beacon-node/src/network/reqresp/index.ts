export {ReqRespError, type ReqRespErrorCode, ResponseError} from "./errors.ts";
export {
  deserializeMetadata,
  deserializeStatus,
  metadataType,
  serializeMetadata,
  serializeStatus,
  statusType,
} from "./messages.ts";
export {
  BeaconBlocksByHeadRequest,
  offeredProtocols,
  PROTOCOL_PREFIX,
  PROTOCOLS,
  type ProtocolDef,
  protocolById,
  protocolId,
  ReqRespMethod,
  RequestTypes,
} from "./protocols.ts";
export {RateLimiter, type RateLimitQuota} from "./rateLimiter.ts";
export {
  MAX_CONCURRENT_REQUESTS,
  RATE_LIMITED_RESP_CODE,
  type RateLimits,
  RESP_TIMEOUT_MS,
  ReqResp,
  type ReqRespHandlers,
  type ReqRespModules,
  type ReqRespTimeouts,
  TTFB_TIMEOUT_MS,
} from "./reqResp.ts";
export {ChainServer, type ServedBlock} from "./serve.ts";
