/**
 * tsnix: the Nix expression language in TypeScript. The public API.
 */

export * from "./lang/index.js";
export { globalNames } from "./builtins/names.js";
