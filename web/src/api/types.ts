// The contract lives beside the worker, so both sides compile against the same shapes.
export type * from "../../../src/shared/api-types";
