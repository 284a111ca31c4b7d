#!/usr/bin/env bash
# expect_refused.sh COMMAND...: COMMAND is a per-ISA test run under LINGRAD_ISA on a
# CPU model without that table. It must refuse the table by name and report
# itself skipped (exit 77): running anyway, or falling back to another table,
# fails here.
set -u
out=$("$@" 2>&1)
rc=$?
echo "$out"
[ "$rc" -eq 77 ] || { echo "FAIL: exit status $rc, want 77 (skipped: LINGRAD_ISA=${LINGRAD_ISA:-} refused)" >&2; exit 1; }
grep -q "LINGRAD_ISA=${LINGRAD_ISA:-?}: this CPU cannot run it" <<<"$out" ||
  { echo "FAIL: the refusal does not say 'LINGRAD_ISA=${LINGRAD_ISA:-}: this CPU cannot run it'" >&2; exit 1; }
echo "ok: LINGRAD_ISA=$LINGRAD_ISA refused on this CPU model, as it must be"
