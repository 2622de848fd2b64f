# Integers that fit neither int64 nor uint64 are read as floats, as nlohmann::json reads them.
map builtins.fromJSON [
  "9223372036854775807"
  "-9223372036854775808"
  "-9223372036854775809"
  "18446744073709551616"
  "-0"
  "1E3"
  "[1.5e300, -2e-300]"
]
