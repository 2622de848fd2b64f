x: [ x.a x.a.b x."a b" x.${"c"} x.${x} x."${x}" x.a or 1 x.a.b or x.c or 2 x.or (x.a or x).b ]
