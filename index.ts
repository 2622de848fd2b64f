/**
 * tsnix: the Nix expression language in TypeScript. The public API: the parser (lang/), the
 * evaluator (evaluator/: createEvaluator, evalSource, evalFile, toJS, fromJS, call, builtins)
 * and the store (store/: the Store and Realizer interfaces, the in-memory store, the record
 * realizer, and the algorithms: store paths, NAR, the .drv ATerm, hash modulo). The directory
 * store (store/local-store.ts) needs Node and is not exported here, so that this module runs
 * in a browser.
 */

export * from "./lang/index.js";
export * from "./evaluator/index.js";
export { globalNames } from "./builtins/names.js";
export * from "./store/store.js";
export * from "./store/path.js";
export * from "./store/nar.js";
export {
  DerivationHashes,
  DerivationParseError,
  parseDerivation,
  showDerivations,
  unparseDerivation,
  type Derivation,
  type DerivationOutput,
} from "./store/derivation.js";
export { useNativeHash, type HashAlgorithm } from "./store/hash.js";
