// Public API of ephemdir.
export { ErrorCodes, EphemdirError } from './errors';
export type { ErrorCode, SystemError } from './errors';
export { capabilities } from './native/binding';
export type { Capabilities } from './native/binding';
