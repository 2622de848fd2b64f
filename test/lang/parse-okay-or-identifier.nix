let or = x: x; map = f: l: l; in [ (map or [ 1 ]) { or = 1; }.or ]
