"""numpy and lingrad read each other's .npy files exactly.

    test_npy_numpy.py path/to/lingrad

numpy writes every layout and dtype lingrad accepts; lingrad trains on each to
the same history, byte for byte, as on the same values written as CSV. lingrad's
gen --out FILE.npy is what np.load reads back, exactly the values gen writes as
CSV. Exits 77 (skipped) where this Python has no numpy.
"""
import os
import subprocess
import sys
import tempfile

try:
    import numpy as np
except ImportError:
    print("numpy is not installed for", sys.executable, "(python3-numpy): skipped")
    sys.exit(77)

LINGRAD = os.path.abspath(sys.argv[1])
N = 4099  # crosses a block boundary (2,048), and is odd
FAILURES = []


def run(*args):
    p = subprocess.run([LINGRAD, *args], capture_output=True, text=True)
    if p.returncode != 0:
        raise AssertionError(f"lingrad {' '.join(args)}: exit {p.returncode}: {p.stderr.strip()}")
    return p


def history(data, dtype, out):
    run("train", "--data", data, "--dtype", dtype, "--epochs", "25", "--tol", "0", "--every", "0",
        "--history", out)
    with open(out, "rb") as f:
        return f.read()


def write_csv(path, x, y, dtype):
    fmt = "%.9g" if dtype == "f32" else "%.17g"  # round-trip digits, as lingrad's own writer
    with open(path, "w") as f:
        f.write("x,y\n")
        for a, b in zip(x, y):
            f.write(f"{fmt % a},{fmt % b}\n")


def layouts(x, y):
    """(name, array, version) for every layout lingrad accepts."""
    rows, cols = np.stack((x, y)), np.column_stack((x, y))
    return [("rows_C", rows, None), ("cols_C", cols, None),
            ("rows_F", np.asfortranarray(rows), None), ("cols_F", np.asfortranarray(cols), None),
            ("rows_v2", rows, (2, 0)), ("cols_v3", cols, (3, 0)),
            ("rows_bigendian", rows.astype(rows.dtype.newbyteorder(">")), None)]


def save(path, a, version):
    if version is None:
        np.save(path, a)
    else:
        with open(path, "wb") as f:
            np.lib.format.write_array(f, a, version=version)


def check(cond, what):
    print(("ok  " if cond else "FAIL ") + what)
    if not cond:
        FAILURES.append(what)


def test_layouts(tmp):
    rng = np.random.default_rng(7)
    for np_dtype, dt in ((np.float32, "f32"), (np.float64, "f64")):
        x = rng.random(N).astype(np_dtype)
        y = (0.3 * x + 0.5 + 0.01 * rng.standard_normal(N)).astype(np_dtype)
        csv = os.path.join(tmp, f"ref_{dt}.csv")
        write_csv(csv, x, y, dt)
        want = history(csv, dt, os.path.join(tmp, f"h_ref_{dt}.csv"))
        for name, a, version in layouts(x, y):
            path = os.path.join(tmp, f"{name}_{dt}.npy")
            save(path, a, version)
            got = history(path, dt, os.path.join(tmp, f"h_{name}_{dt}.csv"))
            check(got == want, f"{name} {a.dtype.str}: the same history as the CSV")


def test_default_dtype_is_the_files(tmp):
    x = np.linspace(0, 1, 300, dtype=np.float32)
    path = os.path.join(tmp, "f4.npy")
    np.save(path, np.stack((x, 0.3 * x + 0.5)))
    a = run("train", "--data", path, "--every", "0", "--timing").stderr
    check(", f32, " in a, f"without --dtype a float32 file trains as f32: {a.strip()}")


def test_gen_is_what_numpy_loads(tmp):
    for dt in ("f32", "f64"):
        npy, csv = os.path.join(tmp, f"gen_{dt}.npy"), os.path.join(tmp, f"gen_{dt}.csv")
        for out in (npy, csv):
            run("gen", "--size", str(N), "--dtype", dt, "--seed", "3", "--out", out)
        a = np.load(npy)
        want = np.loadtxt(csv, delimiter=",", skiprows=1, dtype=a.dtype).T
        check(a.shape == (2, N) and a.flags["C_CONTIGUOUS"], f"gen {dt}: shape (2, n), C order")
        check(a.dtype == (np.float32 if dt == "f32" else np.float64), f"gen {dt}: dtype {a.dtype}")
        check(np.array_equal(a, want), f"gen {dt}: np.load gives exactly the CSV's values")
        again = os.path.join(tmp, f"resaved_{dt}.npy")
        np.save(again, a)
        with open(npy, "rb") as f1, open(again, "rb") as f2:
            check(f1.read() == f2.read(), f"gen {dt}: the file is byte for byte np.save's")


def main():
    with tempfile.TemporaryDirectory(prefix="lingrad-test-npy-") as tmp:
        test_layouts(tmp)
        test_default_dtype_is_the_files(tmp)
        test_gen_is_what_numpy_loads(tmp)
    if FAILURES:
        print(f"{len(FAILURES)} failed")
        return 1
    print("test_npy_numpy: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
