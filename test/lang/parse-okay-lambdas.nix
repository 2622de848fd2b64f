[ (x: x) ({ }: 1) ({ ... }: 1) ({ a, b ? a, ... }: a) (args@{ a }: args) ({ z, y ? 1, x }@args: x) (a: b: c: a) ({ a ? { }, b ? [ ] , }: a) ]
