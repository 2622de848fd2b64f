# Lists: build, map, filter and fold 1,000,000 elements, sort 100,000.
with builtins;
let
  xs = genList (i: i * 7 - 3) 1000000;
  ys = filter (x: x / 2 * 2 == x) (map (x: x + 1) xs);
  sum = foldl' (a: b: a + b) 0 ys;
  sorted = sort lessThan (genList (i: (i * 7919) - (i / 3 * 23757)) 100000);
in
[ sum (length ys) (head sorted) (elemAt sorted 99999) ]
