let s = { a.b.c = 1; "d e" = 2; ${"f"} = 3; }; in [ s.a.b.c s."d e" s.f (s.x or 4) (s.a.x or 5) (s ? a.b) (s ? a.z) (1 ? a) s.${"f"} ]
