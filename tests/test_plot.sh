#!/usr/bin/env bash
# --plot writes the tutorial's two figures as PNG files. Skipped (77) when the
# Python that lingrad uses has no matplotlib.
set -u
bin=${1:?usage: test_plot.sh path/to/lingrad [python]}
python=${LINGRAD_PYTHON:-${2:-/usr/bin/python3}} # the one the binary will run
if ! "$python" -c 'import matplotlib' 2>/dev/null; then
  echo "skipped: $python has no matplotlib (apt-get install python3-matplotlib)"
  exit 77
fi
tmp=$(mktemp -d /tmp/lingrad-test-plot-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
"$bin" train --every 0 --plot "$tmp/run" >/dev/null || { echo "FAIL: train --plot"; exit 1; }
for f in "$tmp/run-loss.png" "$tmp/run-params.png"; do
  [ -f "$f" ] || { echo "FAIL: $f was not written"; exit 1; }
  [ "$(head -c 8 "$f" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ] || { echo "FAIL: $f is not a PNG"; exit 1; }
  [ "$(stat -c %s "$f")" -gt 10000 ] || { echo "FAIL: $f is suspiciously small"; exit 1; }
done
ls "$tmp" | grep -q tmp && { echo "FAIL: temporary files left behind: $(ls "$tmp")"; exit 1; }
echo "test_plot: all checks passed"
