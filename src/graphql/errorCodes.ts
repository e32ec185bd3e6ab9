// The codes live in the one catalogue (errors/apiError.ts); re-exported for the GraphQL layer.
export { ErrorCode } from '../errors/apiError.ts';
