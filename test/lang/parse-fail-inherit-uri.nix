{ inherit a:b; }
