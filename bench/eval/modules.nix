# A module-system-like fixed point: 900 options, each defined by several modules that read
# other options through the final configuration, merged by priority, then all evaluated.
with builtins;
let
  n = 900;
  names = genList (i: "opt${toString i}") n;
  fix = f: let x = f x; in x;
  mkModule = k: config: listToAttrs (map (name: {
    inherit name;
    value = {
      priority = k;
      value = if name == "opt0" then k else config.${"opt${toString (k - 1)}"} + k;
    };
  }) (genList (i: "opt${toString (i * 3 + k)}") (n / 3)));
  modules = genList (k: mkModule k) 30;
  merge = config:
    let
      defs = map (m: m config) modules;
      pick = name:
        let candidates = filter (d: d ? ${name}) defs;
        in if candidates == [ ] then 0
           else (head (sort (a: b: a.${name}.priority > b.${name}.priority) candidates)).${name}.value;
    in listToAttrs (map (name: { inherit name; value = pick name; }) names);
  config = fix merge;
in
foldl' (a: b: a + b) 0 (map (name: config.${name}) names)
