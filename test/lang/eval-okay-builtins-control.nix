with builtins; [ (tryEval (throw "x")) (tryEval (assert false; 1)) (tryEval 5) (seq 1 2) (deepSeq [ 1 { a = 2; } ] 3) ((tryEval (throw "x")).success) ]
