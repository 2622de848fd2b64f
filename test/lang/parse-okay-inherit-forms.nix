let s = { a = 1; b = 2; "c d" = 3; }; in { inherit (s) a b "c d"; inherit (s) ; inherit; inherit (s) ${"or"}; }
