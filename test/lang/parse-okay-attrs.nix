{ a = 1; b.c = 2; b.d = 3; "quoted name" = 4; ${"static"} = 5; "if" = 6; or = 7; e = { f = 8; }; e.g = 9; x-y = 10; "1x" = 11; "" = 12; a' = 13; _b = 14; }
