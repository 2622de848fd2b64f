let s = { __toString = self: "S"; }; o = { outPath = "/o"; }; in [ "${s}" "${o}" ]
