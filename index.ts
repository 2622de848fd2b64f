/**
 * tsnix: the Nix expression language in TypeScript. The public API: the parser (lang/) and the
 * evaluator (evaluator/: createEvaluator, evalSource, evalFile, toJS, fromJS, call, builtins).
 */

export * from "./lang/index.js";
export * from "./evaluator/index.js";
export { globalNames } from "./builtins/names.js";
