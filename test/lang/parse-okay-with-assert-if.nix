x: with x; assert a; assert b -> c; if a then with b; c else if d then e else f
