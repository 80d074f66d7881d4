# Shared by the set-up scripts of examples/ and tests/types/ (source it after `cd` into the example):
# timing lines, the check that pkg/ is built, npm pack of pkg/, and an npm install that runs only on change.
pkg=../../pkg

now() { date +%s%N; }

# took STEP START: prints "timing: STEP <seconds> s" on stderr (read by tests/support/adoption.mjs).
took() { local ms=$(( ($(now) - $2) / 1000000 )); printf 'timing: %s %d.%03d s\n' "$1" $((ms / 1000)) $((ms % 1000)) >&2; }

# require_pkg FILE...: fails unless pkg/ holds these files.
require_pkg() {
  local file
  for file in "$@"; do
    [ -f "$pkg/$file" ] || { echo "$(basename "$PWD"): $pkg is not built: run bash scripts/build.sh first" >&2; exit 1; }
  done
}

# pack_library DIR: npm pack pkg/ into DIR (deterministic: the same build gives the same bytes); prints the file name.
pack_library() { (cd "$pkg" && npm pack --silent --pack-destination "$1" 2>/dev/null | tail -n 1); }

# install_tarball TARBALL STAMP [NPM OPTION...]: npm install ./TARBALL unless node_modules already matches
# package.json, package-lock.json and the tarball. Naming the tarball makes npm re-read it (with a file:
# dependency alone, npm trusts the integrity in package-lock.json and may reuse its cache).
install_tarball() {
  local tarball=$1 stamp=node_modules/$2 t fingerprint
  shift 2
  t=$(now)
  fingerprint=$(cat package.json package-lock.json "$tarball" 2>/dev/null | sha256sum | cut -d' ' -f1)
  if [ "$(cat "$stamp" 2>/dev/null)" != "$fingerprint" ]; then
    npm install --no-audit --no-fund --loglevel=error "$@" "./$tarball"
    echo "$fingerprint" > "$stamp"
    took "npm-install" "$t"
  else
    took "npm-install-skipped" "$t"
  fi
}
