// The admin use cases' errors, mapped to HTTP in lib/admin/http.ts. A module of their own, so that the store
// (lib/store/admin-store.ts) can throw one without bundling the use cases into every function that builds a store.
export class NotFoundError extends Error {}
export class ConflictError extends Error {}
export class AdminInputError extends Error {}
/** Something the action needs (AX) does not answer now: nothing was done, try again (503). */
export class UnavailableError extends Error {}
