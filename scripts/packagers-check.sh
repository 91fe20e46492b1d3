#!/usr/bin/env bash
# packagers-check.sh NPM_TGZ ARTIFACT_TGZ NODE_MODULES [--expect-pass N] [--tar-direct]
#
# Runs the shell commands of the recipes in docs/packagers.md (the fenced blocks after
# `<!-- check: NAME -->`, as written there) against a package's npm tarball NPM_TGZ and its
# test-data artifact ARTIFACT_TGZ (xtest-pack/{pack-*.pack,pack-*.idx,xtest-pack.json}),
# written for the example package of fixtures/scripts/example-package.sh. The distribution
# tools are not run: each step unpacks the two tarballs the way the tool does, links
# NODE_MODULES (which must hold xtest-pack, and .bin/xtest-pack) into the unpacked package as
# its node_modules, puts NODE_MODULES/.bin on PATH, and runs the recipe's commands where the
# tool would. A test run passes when it exits 0 and node --test reports N passed (default: at
# least one), none failed and none skipped. Also checked: `xtest-pack status` exits 0, 1 and
# 77 (XTEST_PACK_MISSING=skip), and the Debian Test-Command exits 77 without the component.
# --tar-direct also runs the tests with XTEST_PACK_OBJECTS naming the .tar.gz itself.
#
# Prints one TAP line per check; exits 1 if any failed, 2 on a usage error.
set -euo pipefail
LC_ALL=C
export LC_ALL

usage() {
  echo "usage: $0 NPM_TGZ ARTIFACT_TGZ NODE_MODULES [--expect-pass N] [--tar-direct]" >&2
  exit 2
}
[[ $# -ge 3 ]] || usage
npm_tgz=$(realpath "$1")
artifact=$(realpath "$2")
node_modules=$(realpath "$3")
shift 3
expect_pass=
tar_direct=0
while [[ $# -gt 0 ]]; do
  case $1 in
    --expect-pass) expect_pass=${2:?}; shift 2 ;;
    --tar-direct) tar_direct=1; shift ;;
    *) usage ;;
  esac
done
for f in "$npm_tgz" "$artifact"; do [[ -f $f ]] || { echo "$0: $f: not a file" >&2; exit 2; }; done
[[ -e $node_modules/xtest-pack ]] || { echo "$0: $node_modules has no xtest-pack" >&2; exit 2; }

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
doc=${PACKAGERS_DOC:-$here/../docs/packagers.md}

# Nothing of the caller's test-data settings leaks in.
while IFS= read -r var; do
  [[ $var == XTEST_PACK_BACKEND ]] || unset "$var"
done < <(compgen -e | grep -E '^(XTEST_PACK_|AUTOPKGTEST_)' || true)
unset NODE_TEST_CONTEXT NODE_OPTIONS NODE_PATH
export PATH="$node_modules/.bin:$PATH"

work=$(mktemp -d "${TMPDIR:-/tmp}/packagers-check.XXXXXX")
cleanup() {
  chmod -R u+w "$work" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
export TMPDIR=$work/tmp
mkdir "$TMPDIR"

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
  n=$((n + 1))
  echo "not ok $n - $1"
  if [[ -n ${2:-} && -f $2 ]]; then sed 's/^/# /' "$2" | tail -n 40; fi
  failed=1
}

# block NAME: the fenced code block after `<!-- check: NAME -->` in the doc.
block() {
  local text
  text=$(awk -v marker="<!-- check: $1 -->" '
    $0 == marker { armed = 1; next }
    armed && /^```/ { if (inside) exit; inside = 1; next }
    inside { print }
  ' "$doc")
  if [[ -z $text ]]; then
    echo "$0: no block <!-- check: $1 --> in $doc" >&2
    return 1
  fi
  printf '%s\n' "$text"
}

# untar FILE DIR [STRIP]: extract a .tar.gz into DIR (made), dropping STRIP leading components.
untar() {
  mkdir -p "$2"
  tar -xzf "$1" -C "$2" ${3:+--strip-components="$3"}
}

# passed WHAT LOG STATUS: the verdict on a test run.
passed() {
  local what=$1 log=$2 status=$3 pass fail skipped
  pass=$(grep -aoE '^(#|ℹ) pass [0-9]+' "$log" | tail -n 1 | grep -oE '[0-9]+$' || echo 0)
  fail=$(grep -aoE '^(#|ℹ) fail [0-9]+' "$log" | tail -n 1 | grep -oE '[0-9]+$' || echo 0)
  skipped=$(grep -aoE '^(#|ℹ) skipped [0-9]+' "$log" | tail -n 1 | grep -oE '[0-9]+$' || echo 0)
  if [[ $status -ne 0 ]]; then
    not_ok "$what: exit status $status" "$log"
  elif [[ -n $expect_pass && $pass -ne $expect_pass ]] || [[ $pass -eq 0 || $fail -ne 0 || $skipped -ne 0 ]]; then
    not_ok "$what: $pass passed, $fail failed, $skipped skipped" "$log"
  else
    ok "$what: $pass tests passed"
  fi
}

# exits WHAT EXPECTED LOG STATUS
exits() {
  if [[ $4 -eq $2 ]]; then ok "$1: exit status $2"; else not_ok "$1: exit status $4, not $2" "$3"; fi
}

run() { # run LOG COMMAND...: run, output to LOG, status in $status
  set +e
  "${@:2}" >"$1" 2>&1
  status=$?
  set -e
}

# --- Debian: dpkg-source unpacks the orig tarball and the component xtest-pack, both stripped.
debian() {
  local src=$work/debian/node-example-pkg-1.0.0 cmd
  untar "$npm_tgz" "$src" 1
  untar "$artifact" "$src/xtest-pack" 1
  ln -s "$node_modules" "$src/node_modules"
  block debian-control >"$work/debian/control"
  cmd=$(sed -n 's/^Test-Command: //p' "$work/debian/control")
  [[ -n $cmd ]] || { not_ok "debian: no Test-Command in debian/tests/control"; return; }
  mkdir "$work/debian/autopkgtest-tmp"

  run "$work/debian/control.log" env -C "$src" AUTOPKGTEST_TMP="$work/debian/autopkgtest-tmp" sh -ec "$cmd"
  passed "debian: debian/tests/control Test-Command" "$work/debian/control.log" "$status"
  if compgen -G "$work/debian/autopkgtest-tmp/xtest-pack*/*" >/dev/null; then
    ok "debian: the files were materialized under AUTOPKGTEST_TMP"
  else
    not_ok "debian: nothing materialized under AUTOPKGTEST_TMP"
  fi

  # A fresh testbed, as autopkgtest gives each run.
  mv "$src/xtest-pack" "$work/debian/component-away"
  mkdir "$work/debian/autopkgtest-tmp-2"
  run "$work/debian/skip.log" env -C "$src" AUTOPKGTEST_TMP="$work/debian/autopkgtest-tmp-2" sh -ec "$cmd"
  exits "debian: Test-Command without the xtest-pack component (skippable)" 77 "$work/debian/skip.log" "$status"
  mv "$work/debian/component-away" "$src/xtest-pack"

  block debian-pkg-js-test >"$work/debian/pkg-js-test"
  run "$work/debian/pkg-js.log" env -C "$src" sh -e "$work/debian/pkg-js-test"
  passed "debian: debian/tests/pkg-js/test" "$work/debian/pkg-js.log" "$status"

  # xtest-pack status, in the unpacked source tree.
  run "$work/debian/status-pack.log" env -C "$src" XTEST_PACK_OBJECTS="$src/xtest-pack" xtest-pack status
  exits "xtest-pack status with XTEST_PACK_OBJECTS" 0 "$work/debian/status-pack.log" "$status"
  if grep -q '^pack: ' "$work/debian/status-pack.log"; then ok "xtest-pack status says pack"; else not_ok "xtest-pack status does not say pack" "$work/debian/status-pack.log"; fi
  run "$work/debian/status-none.log" env -C "$src" xtest-pack status
  exits "xtest-pack status without test data" 1 "$work/debian/status-none.log" "$status"
  if grep -q 'XTEST_PACK_OBJECTS' "$work/debian/status-none.log" && grep -q 'xtest-pack\.tar\.gz' "$work/debian/status-none.log"; then
    ok "xtest-pack status without test data names XTEST_PACK_OBJECTS and the artifact"
  else
    not_ok "xtest-pack status without test data does not say what to set" "$work/debian/status-none.log"
  fi
  run "$work/debian/status-skip.log" env -C "$src" XTEST_PACK_MISSING=skip xtest-pack status
  exits "xtest-pack status without test data, XTEST_PACK_MISSING=skip" 77 "$work/debian/status-skip.log" "$status"
}

# --- Gentoo: src_unpack puts every distfile into WORKDIR; src_test runs in S.
gentoo() {
  local dir=$work/gentoo
  untar "$npm_tgz" "$dir/work"
  untar "$artifact" "$dir/work"
  mkdir -p "$dir/temp"
  block gentoo >"$dir/example-pkg-1.0.0.ebuild"
  run "$dir/src_test.log" bash -c '
    set -e
    PN=example-pkg PV=1.0.0 P=example-pkg-1.0.0 WORKDIR=$1 T=$2 TMPDIR=$2
    die() { echo "die: $*" >&2; exit 1; }
    source "$3"
    ln -s "$4" "$S/node_modules"
    cd "$S"
    src_test
  ' gentoo "$dir/work" "$dir/temp" "$dir/example-pkg-1.0.0.ebuild" "$node_modules"
  passed "gentoo: src_test" "$dir/src_test.log" "$status"
}

# --- Nix: fetchzip strips the top directory; the store path is read-only.
nix() {
  local dir=$work/nix body
  local data=$dir/store/0000000000000000000000000000000-source
  untar "$npm_tgz" "$dir/build/source" 1
  untar "$artifact" "$data" 1
  chmod -R a-w "$data"
  ln -s "$node_modules" "$dir/build/source/node_modules"
  mkdir -p "$dir/build/tmp"
  body=$(block nix | awk '/checkPhase = '"''"'/ { inside = 1; next } inside && /^ *'"''"';/ { exit } inside { print }')
  [[ -n $body ]] || { not_ok "nix: no checkPhase"; return; }
  body=${body//'${testData}'/$data}
  run "$dir/checkPhase.log" env -C "$dir/build/source" TMPDIR="$dir/build/tmp" bash -c 'set -e; runHook() { :; }; eval "$1"' nix "$body"
  passed "nix: checkPhase (read-only test data)" "$dir/checkPhase.log" "$status"
}

# --- Guix: the check phase's commands, in the unpacked source.
guix() {
  local dir=$work/guix
  untar "$npm_tgz" "$dir/build"
  mkdir -p "$dir/store"
  cp "$artifact" "$dir/store/0000000000000000000000000000000-example-pkg-1.0.0.xtest-pack.tar.gz"
  ln -s "$node_modules" "$dir/build/package/node_modules"
  block guix-shell >"$dir/check.sh"
  run "$dir/check.log" env -C "$dir/build/package" ARTIFACT="$dir/store/0000000000000000000000000000000-example-pkg-1.0.0.xtest-pack.tar.gz" bash -e "$dir/check.sh"
  passed "guix: check phase" "$dir/check.log" "$status"
}

# --- Fedora: %setup -q -n package -a 1 unpacks Source0, then Source1 inside package/.
fedora() {
  local dir=$work/fedora body
  untar "$npm_tgz" "$dir/BUILD"
  untar "$artifact" "$dir/BUILD/package"
  ln -s "$node_modules" "$dir/BUILD/package/node_modules"
  body=$(block fedora | awk '/^%check/ { inside = 1; next } inside && /^%[a-z]/ { exit } inside { print }')
  [[ -n $body ]] || { not_ok "fedora: no %check"; return; }
  run "$dir/check.log" env -C "$dir/BUILD/package" bash -e -c "$body"
  passed "fedora: %check" "$dir/check.log" "$status"
}

# --- Arch: makepkg extracts every source into srcdir and runs check() there.
arch() {
  local dir=$work/arch
  untar "$npm_tgz" "$dir/src"
  untar "$artifact" "$dir/src"
  ln -s "$node_modules" "$dir/src/package/node_modules"
  block arch >"$dir/PKGBUILD"
  run "$dir/check.log" env -C "$dir/src" bash -c 'set -e; srcdir=$PWD; pkgdir=$1/pkg; source "$1/PKGBUILD"; check' arch "$dir"
  passed "arch: check()" "$dir/check.log" "$status"
}

# --- The artifact .tar.gz itself as XTEST_PACK_OBJECTS (no unpacking).
tar_direct_check() {
  local dir=$work/direct
  untar "$npm_tgz" "$dir"
  ln -s "$node_modules" "$dir/package/node_modules"
  run "$dir/test.log" env -C "$dir/package" XTEST_PACK_OBJECTS="$artifact" bash -c 'node --test test/node/*.test.js'
  passed "the artifact .tar.gz as XTEST_PACK_OBJECTS" "$dir/test.log" "$status"
}

debian
gentoo
nix
guix
fedora
arch
if [[ $tar_direct -eq 1 ]]; then tar_direct_check; fi
echo "1..$n"
exit "$failed"
