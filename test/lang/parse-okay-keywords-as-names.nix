{ "if" = 1; "then" = 2; "inherit" = 3; "rec" = 4; "let" = 5; "in" = 6; "with" = 7; "assert" = 8; "else" = 9; }
