# A positive integer beyond int64 but within uint64 is rejected by current Nix (2.8 wrapped it).
builtins.fromJSON "{\"big\": 9223372036854775808}"
