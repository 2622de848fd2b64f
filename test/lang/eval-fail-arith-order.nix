# The operands of an arithmetic operator are forced in order: the first one's error wins even
# when the second is an expression that would fail when evaluated (the first is a variable
# whose value is a thunk not yet forced).
let
  x = throw "first operand";
in
x - (throw "second operand")
