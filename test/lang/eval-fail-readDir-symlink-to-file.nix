builtins.readDir ./readDir-links/link
