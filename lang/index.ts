/**
 * The Nix language front end: lexer, parser, AST, printers, scope checking. No `node:*` imports:
 * it runs in any JavaScript engine.
 */

export type * from "./ast.js";
export { NixError, renderError, type ErrorKind, type Trace } from "./errors.js";
export { astToJson, type Json } from "./json.js";
export { parse, type ParseOptions, type ParseResult } from "./parser.js";
export { showExpr, showFloat, printLiteralString, printIdentifier } from "./printer.js";
export { checkScopes } from "./scope.js";
export {
  Source,
  bytesToByteString,
  byteStringToBytes,
  byteStringToUtf8,
  utf8ToByteString,
  type Origin,
  type Pos,
} from "./source.js";
