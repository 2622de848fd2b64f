let a = 1; in [ (with { a = 2; b = 3; }; a + b) (with { x = 1; }; with { x = 2; }; x) (with { y = 1; }; let y = 5; in y) ]
