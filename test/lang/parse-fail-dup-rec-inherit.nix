rec { a = 1; inherit a; }
