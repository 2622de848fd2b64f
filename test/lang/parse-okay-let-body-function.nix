let f = x: y: x; in f
