/**
 * Type predicates and `typeOf`, as CppNix's primops.cc: `typeOf` names are `int`, `bool`,
 * `string`, `path`, `null`, `set`, `list`, `lambda` (also for builtins), `float`.
 */

import { typeOf, type TypeName } from "../evaluator/value.js";
import type { Builtin } from "./registry.js";

function is(name: string, type: TypeName, what: string): Builtin {
  return {
    name,
    arity: 1,
    doc: `Return \`true\` if *e* evaluates to ${what}, and \`false\` otherwise.\n\n    builtins.${name} 1`,
    impl: (ev, [e]) => typeOf(ev.force(e!)) === type,
  };
}

export const typeBuiltins: Builtin[] = [
  {
    name: "typeOf",
    arity: 1,
    doc: 'The type of *e*: `"int"`, `"bool"`, `"string"`, `"path"`, `"null"`, `"set"`, `"list"`, `"lambda"` or `"float"`.\n\n    builtins.typeOf 1.0',
    impl: (ev, [e]) => typeOf(ev.force(e!)),
  },
  is("isInt", "int", "an integer"),
  is("isFloat", "float", "a float"),
  is("isBool", "bool", "a Boolean"),
  is("isString", "string", "a string"),
  is("isPath", "path", "a path"),
  is("isAttrs", "set", "a set"),
  is("isList", "list", "a list"),
  is("isFunction", "lambda", "a function"),
  is("isNull", "null", "`null`"),
];
