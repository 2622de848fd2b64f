let 1 = 2; in 3
