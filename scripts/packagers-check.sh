#!/usr/bin/env bash
# packagers-check.sh NPM_TGZ ARTIFACT_TGZ NODE_MODULES [--expect-pass N] [--tar-direct]
#                    [--other-artifact OTHER_TGZ] [--same-artifact SAME_TGZ]
#
# Runs the shell commands of the recipes in docs/packagers.md (the fenced blocks after
# `<!-- check: NAME -->`, as written there) against a package's npm tarball NPM_TGZ and its
# test-data artifact ARTIFACT_TGZ (xtest-pack/{pack-*.pack,pack-*.idx,xtest-pack.json}),
# written for the example package of fixtures/scripts/example-package.sh. The distribution
# tools are not run: each step unpacks the two tarballs the way the tool does, links
# NODE_MODULES (which must hold xtest-pack, and .bin/xtest-pack) into the unpacked package as
# its node_modules, puts NODE_MODULES/.bin on PATH, and runs the recipe's commands where the
# tool would, each in a fresh copy. A test run passes when it exits 0 and node --test reports
# N passed (default: at least one), none failed and none skipped.
#
# Checked:
#   - find-artifact: the command prints the package manifest naming the artifact;
#   - every recipe through the helper (pack mode), and its by-path variant after
#     `xtest-pack checkout` (the suite then runs with EXAMPLE_EXPECT_MODE=source: it reads the
#     files from the package, as tests that never call the helper do);
#   - `xtest-pack status` exits 0, 1 and 77 (XTEST_PACK_MISSING=skip), and the Debian
#     Test-Commands exit 77 without the component;
#   - the gate `xtest-pack status || exit $?` (block `gate`) against bad test data: a flipped
#     byte in the pack, a missing idx, OTHER_TGZ (another release's artifact whose listed paths
#     differ) and an empty directory exit 1, with one line saying which artifact to get (on
#     stderr; on stdout as `unavailable:` for the empty directory, whose data are absent rather
#     than damaged) and nothing on stdout that reads as success, without running the tests;
#     under XTEST_PACK_MISSING=skip the empty directory exits 77 and the others still 1; the
#     Debian Test-Command with each as its component does the same;
#   - SAME_TGZ (an artifact of another commit whose listed paths have the same ids): the gate
#     exits 0 with one note on stderr, and the Debian Test-Command's tests pass;
#   - --tar-direct: the tests with XTEST_PACK_OBJECTS naming the .tar.gz itself.
#
# Prints one TAP line per check; exits 1 if any failed, 2 on a usage error.
set -euo pipefail
LC_ALL=C
export LC_ALL

usage() {
  echo "usage: $0 NPM_TGZ ARTIFACT_TGZ NODE_MODULES [--expect-pass N] [--tar-direct] [--other-artifact OTHER_TGZ] [--same-artifact SAME_TGZ]" >&2
  exit 2
}
[[ $# -ge 3 ]] || usage
npm_tgz=$(realpath "$1")
artifact=$(realpath "$2")
node_modules=$(realpath "$3")
shift 3
expect_pass=
tar_direct=0
other_artifact=
same_artifact=
while [[ $# -gt 0 ]]; do
  case $1 in
    --expect-pass) expect_pass=${2:?}; shift 2 ;;
    --tar-direct) tar_direct=1; shift ;;
    --other-artifact) other_artifact=$(realpath "${2:?}"); shift 2 ;;
    --same-artifact) same_artifact=$(realpath "${2:?}"); shift 2 ;;
    *) usage ;;
  esac
done
for f in "$npm_tgz" "$artifact" ${other_artifact:+"$other_artifact"} ${same_artifact:+"$same_artifact"}; do
  [[ -f $f ]] || { echo "$0: $f: not a file" >&2; exit 2; }
done
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

# The artifact's file name, as the package manifest in the npm tarball gives it.
artifact_name=$(tar -xzOf "$npm_tgz" package/xtest-pack.json | sed -n 's/^ *"artifact": *"\([^"]*\)".*/\1/p')
[[ -n $artifact_name ]] || { echo "$0: $npm_tgz: package/xtest-pack.json names no artifact" >&2; exit 2; }

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
  local f
  n=$((n + 1))
  echo "not ok $n - $1"
  for f in "${@:2}"; do
    if [[ -f $f ]]; then sed 's/^/# /' "$f" | tail -n 40; fi
  done
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

# ran_no_test LOG: node --test printed no summary (the gate stopped the run before it).
ran_no_test() { ! grep -aqE '^(#|ℹ) (tests|pass) [0-9]+' "$1"; }

run() { # run LOG COMMAND...: run, output to LOG, status in $status
  set +e
  "${@:2}" >"$1" 2>&1
  status=$?
  set -e
}

run_split() { # run_split OUT ERR COMMAND...: stdout to OUT, stderr to ERR, status in $status
  set +e
  "${@:3}" >"$1" 2>"$2"
  status=$?
  set -e
}

# package DIR: the npm tarball unpacked into DIR (package/ stripped), node_modules linked.
package() {
  untar "$npm_tgz" "$1" 1
  ln -s "$node_modules" "$1/node_modules"
}

# has_files DIR: the listed files the example's checkout writes are in DIR.
has_files() { [[ -f $1/fixtures/text/hello.txt && -f $1/data/table.bin ]]; }

# --- Where to find the artifact: the manifest in the npm tarball names it.
find_artifact() {
  local dir=$work/find
  mkdir -p "$dir"
  ln -s "$npm_tgz" "$dir/example-pkg-1.0.0.tgz"
  block find-artifact >"$dir/find.sh"
  run "$dir/find.log" env -C "$dir" bash -e "$dir/find.sh"
  if [[ $status -eq 0 ]] && grep -q "\"artifact\": \"$artifact_name\"" "$dir/find.log" && grep -q '"repository": ' "$dir/find.log" && grep -q '"commit": ' "$dir/find.log"; then
    ok "find-artifact: the npm tarball's xtest-pack.json names the artifact, repository and commit"
  else
    not_ok "find-artifact: exit status $status, or no artifact, repository and commit in what it printed" "$dir/find.log"
  fi
}

# --- Debian: dpkg-source unpacks the orig tarball and the component xtest-pack, both stripped.
# debian_tree DIR: a source tree with the component.
debian_tree() {
  package "$1"
  untar "$artifact" "$1/xtest-pack" 1
}

debian() {
  local d=$work/debian src cmd
  mkdir -p "$d"
  block debian-control >"$d/control"
  cmd=$(sed -n 's/^Test-Command: //p' "$d/control")
  [[ -n $cmd ]] || { not_ok "debian: no Test-Command in debian/tests/control"; return; }
  src=$d/node-example-pkg-1.0.0
  debian_tree "$src"
  mkdir "$d/autopkgtest-tmp"

  run "$d/control.log" env -C "$src" AUTOPKGTEST_TMP="$d/autopkgtest-tmp" sh -ec "$cmd"
  passed "debian: debian/tests/control Test-Command" "$d/control.log" "$status"
  if compgen -G "$d/autopkgtest-tmp/xtest-pack*/*" >/dev/null; then
    ok "debian: the files were materialized under AUTOPKGTEST_TMP"
  else
    not_ok "debian: nothing materialized under AUTOPKGTEST_TMP"
  fi

  # A fresh testbed, as autopkgtest gives each run.
  mv "$src/xtest-pack" "$d/component-away"
  mkdir "$d/autopkgtest-tmp-2"
  run "$d/skip.log" env -C "$src" AUTOPKGTEST_TMP="$d/autopkgtest-tmp-2" sh -ec "$cmd"
  exits "debian: Test-Command without the xtest-pack component (skippable)" 77 "$d/skip.log" "$status"
  mv "$d/component-away" "$src/xtest-pack"

  block debian-pkg-js-test >"$d/pkg-js-test"
  run "$d/pkg-js.log" env -C "$src" sh -e "$d/pkg-js-test"
  passed "debian: debian/tests/pkg-js/test" "$d/pkg-js.log" "$status"

  # xtest-pack status, in the unpacked source tree.
  run "$d/status-pack.log" env -C "$src" XTEST_PACK_OBJECTS="$src/xtest-pack" xtest-pack status
  exits "xtest-pack status with XTEST_PACK_OBJECTS" 0 "$d/status-pack.log" "$status"
  if grep -q '^pack: ' "$d/status-pack.log"; then ok "xtest-pack status says pack"; else not_ok "xtest-pack status does not say pack" "$d/status-pack.log"; fi
  run "$d/status-none.log" env -C "$src" xtest-pack status
  exits "xtest-pack status without test data" 1 "$d/status-none.log" "$status"
  if grep -q 'XTEST_PACK_OBJECTS' "$d/status-none.log" && grep -qF "$artifact_name" "$d/status-none.log"; then
    ok "xtest-pack status without test data names XTEST_PACK_OBJECTS and the artifact"
  else
    not_ok "xtest-pack status without test data does not say what to set" "$d/status-none.log"
  fi
  run "$d/status-skip.log" env -C "$src" XTEST_PACK_MISSING=skip xtest-pack status
  exits "xtest-pack status without test data, XTEST_PACK_MISSING=skip" 77 "$d/status-skip.log" "$status"
}

# Debian, tests that read fixtures by path: checkout into the (writable) source tree.
debian_checkout() {
  local d=$work/debian-checkout src cmd
  mkdir -p "$d"
  block debian-control-checkout >"$d/control"
  cmd=$(sed -n 's/^Test-Command: //p' "$d/control")
  [[ -n $cmd ]] || { not_ok "debian (by path): no Test-Command in debian/tests/control"; return; }
  src=$d/a/node-example-pkg-1.0.0
  debian_tree "$src"
  mkdir "$d/autopkgtest-tmp"
  run "$d/control.log" env -C "$src" AUTOPKGTEST_TMP="$d/autopkgtest-tmp" EXAMPLE_EXPECT_MODE=source sh -ec "$cmd"
  passed "debian (by path): debian/tests/control Test-Command" "$d/control.log" "$status"
  if has_files "$src"; then
    ok "debian (by path): xtest-pack checkout wrote the listed files into the source tree"
  else
    not_ok "debian (by path): the listed files are not in the source tree" "$d/control.log"
  fi

  src=$d/b/node-example-pkg-1.0.0
  package "$src"
  mkdir "$d/autopkgtest-tmp-2"
  run "$d/skip.log" env -C "$src" AUTOPKGTEST_TMP="$d/autopkgtest-tmp-2" EXAMPLE_EXPECT_MODE=source sh -ec "$cmd"
  exits "debian (by path): Test-Command without the xtest-pack component (skippable)" 77 "$d/skip.log" "$status"

  src=$d/c/node-example-pkg-1.0.0
  debian_tree "$src"
  block debian-pkg-js-test-checkout >"$d/pkg-js-test"
  run "$d/pkg-js.log" env -C "$src" EXAMPLE_EXPECT_MODE=source sh -e "$d/pkg-js-test"
  passed "debian (by path): debian/tests/pkg-js/test" "$d/pkg-js.log" "$status"
}

# --- Gentoo: src_unpack puts every distfile into WORKDIR; src_test runs in S.
# gentoo_run NAME WHAT [EXTRA_BLOCK] [ENV...]: a fresh WORKDIR, the ebuild (then EXTRA_BLOCK) sourced, src_test.
gentoo_run() {
  local dir=$work/gentoo-$1 what=$2 extra=${3:-}
  untar "$npm_tgz" "$dir/work"
  untar "$artifact" "$dir/work"
  mkdir -p "$dir/temp"
  block gentoo >"$dir/example-pkg-1.0.0.ebuild"
  : >"$dir/extra.sh"
  if [[ -n $extra ]]; then block "$extra" >"$dir/extra.sh"; fi
  run "$dir/src_test.log" env "${@:4}" bash -c '
    set -e
    PN=example-pkg PV=1.0.0 P=example-pkg-1.0.0 WORKDIR=$1 T=$2 TMPDIR=$2
    die() { echo "die: $*" >&2; exit 1; }
    source "$3"
    source "$5"
    ln -s "$4" "$S/node_modules"
    cd "$S"
    src_test
  ' gentoo "$dir/work" "$dir/temp" "$dir/example-pkg-1.0.0.ebuild" "$node_modules" "$dir/extra.sh"
  passed "$what" "$dir/src_test.log" "$status"
}

gentoo() {
  gentoo_run helper "gentoo: src_test"
  gentoo_run checkout "gentoo (by path): src_test" gentoo-checkout EXAMPLE_EXPECT_MODE=source
}

# --- Nix: fetchzip strips the top directory; the store path is read-only.
# nix_run NAME WHAT BLOCK [ENV...]
nix_run() {
  local dir=$work/nix-$1 what=$2 body
  local data=$dir/store/0000000000000000000000000000000-source
  untar "$npm_tgz" "$dir/build/source" 1
  untar "$artifact" "$data" 1
  chmod -R a-w "$data"
  ln -s "$node_modules" "$dir/build/source/node_modules"
  mkdir -p "$dir/build/tmp"
  body=$(block "$3" | awk '/checkPhase = '"''"'/ { inside = 1; next } inside && /^ *'"''"';/ { exit } inside { print }')
  [[ -n $body ]] || { not_ok "$what: no checkPhase"; return; }
  body=${body//'${testData}'/$data}
  run "$dir/checkPhase.log" env -C "$dir/build/source" TMPDIR="$dir/build/tmp" "${@:4}" bash -c 'set -e; runHook() { :; }; eval "$1"' nix "$body"
  passed "$what" "$dir/checkPhase.log" "$status"
}

nix() {
  nix_run helper "nix: checkPhase (read-only test data)" nix
  nix_run checkout "nix (by path): checkPhase (read-only test data)" nix-checkout EXAMPLE_EXPECT_MODE=source
}

# --- Guix: the check phase's commands, in the unpacked source; the artifact stays a .tar.gz.
# guix_run NAME WHAT BLOCK [ENV...]
guix_run() {
  local dir=$work/guix-$1 what=$2
  local store=$dir/store/0000000000000000000000000000000-example-pkg-1.0.0.xtest-pack.tar.gz
  package "$dir/build/package"
  mkdir -p "$dir/store"
  cp "$artifact" "$store"
  chmod a-w "$store"
  block "$3" >"$dir/check.sh"
  run "$dir/check.log" env -C "$dir/build/package" ARTIFACT="$store" "${@:4}" bash -e "$dir/check.sh"
  passed "$what" "$dir/check.log" "$status"
}

guix() {
  guix_run helper "guix: check phase" guix-shell
  guix_run checkout "guix (by path): check phase" guix-shell-checkout EXAMPLE_EXPECT_MODE=source
}

# --- Fedora: %setup -q -n package -a 1 unpacks Source0, then Source1 inside package/.
# fedora_run NAME WHAT BLOCK [ENV...]
fedora_run() {
  local dir=$work/fedora-$1 what=$2 body
  untar "$npm_tgz" "$dir/BUILD"
  untar "$artifact" "$dir/BUILD/package"
  ln -s "$node_modules" "$dir/BUILD/package/node_modules"
  body=$(block "$3" | awk '/^%check/ { inside = 1; next } inside && /^%[a-z]/ { exit } inside { print }')
  [[ -n $body ]] || { not_ok "$what: no %check"; return; }
  run "$dir/check.log" env -C "$dir/BUILD/package" "${@:4}" bash -e -c "$body"
  passed "$what" "$dir/check.log" "$status"
}

fedora() {
  fedora_run helper "fedora: %check" fedora
  fedora_run checkout "fedora (by path): %check" fedora-checkout EXAMPLE_EXPECT_MODE=source
}

# --- Arch: makepkg extracts every source into srcdir and runs check() there (errexit on).
# arch_run NAME WHAT [EXTRA_BLOCK] [ENV...]
arch_run() {
  local dir=$work/arch-$1 what=$2 extra=${3:-}
  untar "$npm_tgz" "$dir/src"
  untar "$artifact" "$dir/src"
  ln -s "$node_modules" "$dir/src/package/node_modules"
  block arch >"$dir/PKGBUILD"
  : >"$dir/extra.sh"
  if [[ -n $extra ]]; then block "$extra" >"$dir/extra.sh"; fi
  run "$dir/check.log" env -C "$dir/src" "${@:4}" bash -c 'set -e; srcdir=$PWD; pkgdir=$1/pkg; source "$1/PKGBUILD"; source "$1/extra.sh"; check' arch "$dir"
  passed "$what" "$dir/check.log" "$status"
}

arch() {
  arch_run helper "arch: check()"
  arch_run checkout "arch (by path): check()" arch-checkout EXAMPLE_EXPECT_MODE=source
}

# --- The gate against bad test data.
# bad_data NAME DIR: DIR made as the pack directory of kind NAME.
bad_data() {
  local pack
  case $1 in
    empty) mkdir -p "$2" ;;
    other) untar "$other_artifact" "$2" 1 ;;
    same) untar "$same_artifact" "$2" 1 ;;
    flipped | no-idx)
      untar "$artifact" "$2" 1
      pack=$(compgen -G "$2/pack-*.pack" | head -n 1)
      if [[ $1 == no-idx ]]; then
        rm "${pack%.pack}.idx"
      else
        # One bit of one byte inside the pack's contents (not its trailer).
        node -e 'const fs = require("node:fs"); const f = process.argv[1]; const b = fs.readFileSync(f); b[Math.min(200, b.length - 21)] ^= 0x40; fs.writeFileSync(f, b);' "$pack"
      fi
      ;;
  esac
}

# lines FILE: the number of lines in FILE.
lines() { wc -l <"$1" | tr -d ' '; }

# gate_case NAME LABEL: the gate and the Debian Test-Command with bad data of kind NAME.
gate_case() {
  local kind=$1 label=$2 d=$work/gate-$1 gate expected_skip cmd msg_ok
  mkdir -p "$d"
  bad_data "$kind" "$d/data"
  package "$d/package"
  gate=$(block gate)
  # After the gate, what would run the tests: its line must not appear.
  gate+=$'\necho "packagers-check: the gate let the tests run"'

  run_split "$d/out" "$d/err" env -C "$d/package" XTEST_PACK_OBJECTS="$d/data" sh -ec "$gate"
  cat "$d/out" "$d/err" >"$d/log"
  exits "gate, $label" 1 "$d/log" "$status"
  # One line saying which artifact to get; nothing on stdout that reads as success.
  msg_ok=0
  [[ ! -s $d/out && $(lines "$d/err") -eq 1 ]] && grep -q '^xtest-pack: ' "$d/err" && grep -qF "$artifact_name" "$d/err" \
    && ! grep -qE 'internal error|    at ' "$d/err" && msg_ok=1
  if [[ $msg_ok -eq 1 ]]; then
    ok "gate, $label: one line naming $artifact_name, nothing that reads as success"
  else
    not_ok "gate, $label: not one line naming the artifact, or stdout reads as success" "$d/log"
  fi

  expected_skip=1
  [[ $kind == empty ]] && expected_skip=77
  run_split "$d/out-skip" "$d/err-skip" env -C "$d/package" XTEST_PACK_OBJECTS="$d/data" XTEST_PACK_MISSING=skip sh -ec "$gate"
  cat "$d/out-skip" "$d/err-skip" >"$d/log-skip"
  if [[ $status -eq $expected_skip ]] && ! grep -q 'the gate let the tests run' "$d/log-skip" && { [[ $kind != empty ]] || [[ ! -s $d/err-skip ]]; }; then
    ok "gate, $label, XTEST_PACK_MISSING=skip: exit status $expected_skip"
  else
    not_ok "gate, $label, XTEST_PACK_MISSING=skip: exit status $status, not $expected_skip (or output on stderr when skipped)" "$d/log-skip"
  fi

  # The Debian Test-Command (XTEST_PACK_MISSING=skip in it) with this as its component.
  cmd=$(block debian-control | sed -n 's/^Test-Command: //p')
  package "$d/debian"
  cp -a "$d/data" "$d/debian/xtest-pack"
  mkdir "$d/autopkgtest-tmp"
  run "$d/debian.log" env -C "$d/debian" AUTOPKGTEST_TMP="$d/autopkgtest-tmp" sh -ec "$cmd"
  if [[ $status -eq $expected_skip ]] && ran_no_test "$d/debian.log"; then
    ok "debian: Test-Command with $label as the component: exit status $expected_skip, no test run"
  else
    not_ok "debian: Test-Command with $label as the component: exit status $status, not $expected_skip, or the tests ran" "$d/debian.log"
  fi
}

# same_case: an artifact of another commit with the same listed ids: accepted, with a note.
same_case() {
  local d=$work/gate-same gate cmd
  mkdir -p "$d"
  bad_data same "$d/data"
  package "$d/package"
  gate=$(block gate)
  run_split "$d/out" "$d/err" env -C "$d/package" XTEST_PACK_OBJECTS="$d/data" sh -ec "$gate"
  cat "$d/out" "$d/err" >"$d/log"
  if [[ $status -eq 0 ]] && grep -q '^pack: ' "$d/out" && [[ $(lines "$d/err") -eq 1 ]] && grep -q '^xtest-pack: note: ' "$d/err"; then
    ok "gate, an older release's artifact of the same data: exit status 0, one note on stderr"
  else
    not_ok "gate, an older release's artifact of the same data: exit status $status, or not one note on stderr" "$d/log"
  fi
  cmd=$(block debian-control | sed -n 's/^Test-Command: //p')
  package "$d/debian"
  cp -a "$d/data" "$d/debian/xtest-pack"
  mkdir "$d/autopkgtest-tmp"
  run "$d/debian.log" env -C "$d/debian" AUTOPKGTEST_TMP="$d/autopkgtest-tmp" sh -ec "$cmd"
  passed "debian: Test-Command with an older release's artifact of the same data" "$d/debian.log" "$status"
}

# --- The artifact .tar.gz itself as XTEST_PACK_OBJECTS (no unpacking).
tar_direct_check() {
  local dir=$work/direct
  package "$dir/package"
  run "$dir/test.log" env -C "$dir/package" XTEST_PACK_OBJECTS="$artifact" bash -c 'node --test test/node/*.test.js'
  passed "the artifact .tar.gz as XTEST_PACK_OBJECTS" "$dir/test.log" "$status"
}

find_artifact
debian
debian_checkout
gentoo
nix
guix
fedora
arch
gate_case flipped "a flipped byte in the pack"
gate_case no-idx "a pack without its idx"
if [[ -n $other_artifact ]]; then gate_case other "another release's artifact with other data"; fi
gate_case empty "an empty directory"
if [[ -n $same_artifact ]]; then same_case; fi
if [[ $tar_direct -eq 1 ]]; then tar_direct_check; fi
echo "1..$n"
exit "$failed"
