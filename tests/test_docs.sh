#!/usr/bin/env bash
# Every shell example in README.md and docs/*.md is run, and its shown output is
# compared with what it prints, so the docs cannot drift from the program.
#
#   test_docs.sh path/to/lingrad SOURCE_DIR
#
# The convention (also in docs/README.md):
# - In a fenced code block, a line starting with "$ " is a command. A line
#   ending in "\" continues on the next one.
# - The lines after it, up to the next "$ " line or the end of the block, are
#   what it prints: stdout and stderr together.
# - A line that is just "..." stands for any number of lines, none included;
#   "..." inside a line stands for any text within that line.
# - A block whose opening fence says "varies" (```text varies) shows output that
#   depends on the machine or the time: it is not compared.
# - Exit status: 0, unless the shown output has a line starting with
#   "lingrad: error: "; then it must be non-zero (that line is compared like any
#   other).
# - Each block's commands run in order in bash, in a fresh temporary directory
#   where build/lingrad is the program under test, so an example may write and
#   read files with relative paths (d.csv) and later commands see earlier files.
# - Blocks without a "$ " line (synopses, C, commands to type such as make test)
#   are not run. Never show a "$ " line that should not run here.
set -u
bin=${1:?usage: test_docs.sh path/to/lingrad SOURCE_DIR}
src=${2:?usage: test_docs.sh path/to/lingrad SOURCE_DIR}
case $bin in /*) ;; *) bin=$PWD/$bin ;; esac
tmp=$(mktemp -d /tmp/lingrad-test-docs-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export LC_ALL=C
failures=0 examples=0 blocks=0 block_runs=0 lingrad_runs=0

fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
rstrip() { REPLY=${1%"${1##*[! ]}"}; } # sets REPLY: no subshell per line
fence_re='^( *)(```|~~~)'

# A shown line as a bash pattern in REPLY: all literal except "..." (any text).
pattern_of() {
  local p=$1
  p=${p//\\/\\\\}; p=${p//\*/\\*}; p=${p//\?/\\?}; p=${p//\[/\\[}
  REPLY=${p//.../*}
}

# matches: do the shown lines want[] match the printed lines got[]? Backwards
# dynamic programming over (shown i, printed j), since "..." may take any count.
matches() {
  local m=${#want[@]} n=${#got[@]} i j
  local -a ok pat # ok[i*(n+1)+j]: want[i..] matches got[j..]
  for ((i = 0; i < m; i++)); do pattern_of "${want[i]}"; pat[i]=$REPLY; done
  for ((i = m; i >= 0; i--)); do
    for ((j = n; j >= 0; j--)); do
      local r=0
      if ((i == m)); then
        ((j == n)) && r=1
      elif [ "${want[i]}" = "..." ]; then
        ((ok[(i + 1) * (n + 1) + j])) && r=1
        ((j < n && ok[i * (n + 1) + j + 1])) && r=1
      elif ((j < n && ok[(i + 1) * (n + 1) + j + 1])); then
        # shellcheck disable=SC2053 # the right side is a pattern on purpose
        [[ ${got[j]} == ${pat[i]} ]] && r=1
      fi
      ok[i * (n + 1) + j]=$r
    done
  done
  ((ok[0]))
}

# run_example FILE LINE VARIES COMMAND: runs it in the block's directory and
# checks it against the shown lines in want[].
run_example() {
  local file=$1 varies=$3 cmd=$4 where="$1:$2"
  examples=$((examples + 1))
  ((block_runs++)) || blocks=$((blocks + 1))
  [[ $cmd == *build/lingrad* ]] && lingrad_runs=$((lingrad_runs + 1))
  (cd "$tmp/block" && timeout 60 bash -c "$cmd") >"$tmp/out" 2>&1
  local rc=$? want_error=0 l
  for l in "${want[@]+"${want[@]}"}"; do
    [[ $l == "lingrad: error: "* ]] && want_error=1
  done
  if ((rc == 124 || rc >= 128)); then
    fail "$where: \$ $cmd: timed out or crashed (status $rc)"; return
  fi
  if ((want_error && rc == 0)); then
    fail "$where: \$ $cmd: shows an error but exited 0"
  elif ((!want_error && rc != 0)); then
    fail "$where: \$ $cmd: exit status $rc: $(tail -n 3 "$tmp/out")"
  fi
  ((varies)) && return
  mapfile -t got <"$tmp/out"
  for l in "${!got[@]}"; do rstrip "${got[l]}"; got[l]=$REPLY; done # trailing blanks do not count
  if ! matches; then
    fail "$where: \$ $cmd: output differs from the docs"
    { echo "--- shown in $file"; printf '%s\n' "${want[@]+"${want[@]}"}"
      echo "--- printed"; head -n 60 "$tmp/out"; } >&2
  fi
}

# check_file FILE: walks its fenced blocks, one temporary directory per block.
check_file() {
  local file=$1 rel=${1#"$src"/} n=0 raw in_block=0 varies=0 cmd="" cmd_line=0 cont=0 indent=""
  want=()
  while IFS= read -r raw || [ -n "$raw" ]; do
    n=$((n + 1))
    raw=${raw%$'\r'}
    if [[ $raw =~ $fence_re ]]; then
      if ((in_block)); then
        [ -n "$cmd" ] && run_example "$rel" "$cmd_line" "$varies" "$cmd"
        in_block=0 cmd="" want=()
      else
        in_block=1 varies=0 block_runs=0 indent=${BASH_REMATCH[1]}
        [[ $raw =~ [[:space:]]varies([[:space:]]|$) ]] && varies=1
        rm -rf "$tmp/block" && mkdir -p "$tmp/block/build" && ln -s "$bin" "$tmp/block/build/lingrad"
      fi
      continue
    fi
    ((in_block)) || continue
    raw=${raw#"$indent"} # a block indented in a list reads as if it were not
    if ((cont)); then
      cmd+=$'\n'$raw # bash -c joins backslash-newline itself
      [[ $raw == *\\ ]] || cont=0
    elif [[ $raw == '$ '* ]]; then
      [ -n "$cmd" ] && run_example "$rel" "$cmd_line" "$varies" "$cmd"
      cmd=${raw#'$ '} cmd_line=$n want=()
      [[ $raw == *\\ ]] && cont=1
    elif [ -n "$cmd" ]; then
      rstrip "$raw"; want+=("$REPLY")
    fi
  done <"$file"
  ((in_block)) && fail "$rel: a code block is not closed"
}

want=() got=()
for f in "$src/README.md" "$src"/docs/*.md; do
  [ -f "$f" ] || { fail "$f: missing"; continue; }
  check_file "$f"
  # A parser that silently finds nothing would pass everything.
  [ "$f" = "$src/README.md" ] && ((lingrad_runs < 3)) &&
    fail "README.md: only $lingrad_runs runs of build/lingrad found; is the convention still followed?"
done

if ((failures)); then
  echo "test_docs: $failures failures in $examples examples" >&2
  exit 1
fi
echo "test_docs: all $examples examples in $blocks blocks match"
