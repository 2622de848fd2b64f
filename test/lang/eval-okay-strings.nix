let x = "y"; in [ "a${x}b" ("a" + "b") ''
  indented ${x}
    more
'' "\n\t\\\$" ("${x}" + "${x}") ]
