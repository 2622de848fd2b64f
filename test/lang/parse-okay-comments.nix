# leading
/* block */ { /** doc comment */ a = 1; # trailing
  b /* inline */ = 2; /* multi
  line */ c = /**/ 3; }
