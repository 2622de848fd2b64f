/**
 * CppNix's `CanonPath`: an absolute path with `.` and `..` resolved, repeated slashes collapsed
 * and no trailing slash (`..` at the root stays at the root). Pure string work: no file system,
 * no symlinks, which is what Nix does for path literals.
 */

/** Canonicalises `path`, relative to the absolute `base` unless it is absolute itself. */
export function canonPath(path: string, base = "/"): string {
  const full = path.startsWith("/") ? path : `${base}/${path}`;
  const out: string[] = [];
  for (const seg of full.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") out.pop();
    else out.push(seg);
  }
  return "/" + out.join("/");
}
