x: [ ./a ./a/b/../c /abs/./x/../y ../up a/b ~/home/x ./a/${x} ./a/${x}/b ./${x} /${x}.nix ~/${x} ./a-b_c.d+e <nixpkgs> <nixpkgs/lib> ./a/${x}//b ./. ../.. /. ]
