rec { inherit a; b = 1; }
