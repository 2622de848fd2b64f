{ a, b }@b: a
