export { UapiSession, type SessionOutput } from "./session.js";
export { UapiRequestReader, DEFAULT_UAPI_LIMITS, type UapiLimits, type UapiRequest } from "./request-reader.js";
export { executeSet } from "./set.js";
export { formatGet } from "./get.js";
export { UapiError, formatSetStatus, formatGetFailure } from "./status.js";
