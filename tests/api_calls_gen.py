#!/usr/bin/env python3
"""Writes a C program that calls every public function of the given headers with
each pointer argument NULL, and with each enum and thread count out of range.

    api_calls_gen.py OUT.c --core|--mpi HEADER...

The function list is read from the headers themselves: every declaration marked
LG_API. A declaration of an lg_ function without LG_API fails the generation, so
a new public function cannot be missed. What a NULL must do (lingrad.h, "Errors"):
return LG_EINVAL (or NULL, 0, NaN, false for functions that return no status)
with lg_last_error() reading "<function>: <argument> ..."; the few arguments the
header says may be NULL are listed in NULLABLE, and frees accept NULL silently.
The argument values that are not NULL come from FIXTURE below: a live leaf, a
graph, a real file, ... so the NULL alone decides the outcome."""
import re
import sys

# (function, argument): NULL is documented as a valid value there.
NULLABLE = {
    ("lg_graph_set_isa", "isa"): "the default table",
    ("lg_set_default_isa", "isa"): "the best table",
    ("lg_isa_names", "not_runnable"): "only runnable tables",
    ("lg_mpi_ranks_vote", "stop"): "the vote's outcome is not wanted",
}
FREES = re.compile(r"_free$")
ENUMS = {"lg_dtype": "(lg_dtype)7", "lg_mode": "(lg_mode)9"}
BAD_THREADS = ["0", "-1", "LG_MAX_THREADS + 1"]


def strip(text):
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r"//[^\n]*", " ", text)
    return re.sub(r"^[ \t]*#(?:[^\n]*\\\n)*[^\n]*", " ", text, flags=re.M)


def declarations(path):
    text = strip(open(path).read())
    found = []
    for m in re.finditer(r"(LG_API\s+)?([A-Za-z_][\w\s\*]*?)\b(lg_\w+)\s*\(([^()]*)\)\s*;", text):
        api, ret, name, params = m.group(1), " ".join(m.group(2).split()), m.group(3), m.group(4)
        if not api:
            sys.exit(f"{path}: {name} is declared without LG_API: mark it, so it is exported and tested")
        args = []
        for p in params.split(","):
            p = " ".join(p.split())
            if p in ("", "void"):
                continue
            pm = re.match(r"(.*?)(\w+)$", p)
            args.append((pm.group(1).replace(" *", "*").strip(), pm.group(2)))
        found.append((ret.replace(" *", "*"), name, args))
    return found


def value(fn, ctype, arg):
    """A valid C expression for argument arg of fn."""
    base = ctype.replace("const ", "").replace("struct ", "").strip()
    if base == "lg_graph*":
        return "fx.g"
    if base == "lg_graph**":
        return "&fx.g_out"
    if base == "lg_tensor*":
        if arg in ("loss",) or fn in ("lg_graph_eval",):
            return "fx.loss"
        return {"x": "fx.x", "y": "fx.y", "w": "fx.w", "b": "fx.b", "a": "fx.x"}.get(arg, "fx.w")
    if base == "lg_tensor**":
        return "&fx.out1" if arg != "y" else "&fx.out2"
    if base == "char*" and ctype.startswith("const"):
        if arg == "path":
            if fn.endswith("_read") or fn.endswith("_probe"):
                return "fx.npy_path" if "npy" in fn else "fx.csv_path"
            return "fx.out_path"
        return {"isa": '"scalar"', "sep": '", "', "not_runnable": '" (no)"', "name": '"fused"'}[arg]
    if base == "char*":
        return "fx.buf"
    if base == "void*":
        return {"data": "fx.data", "x": "fx.bx", "y": "fx.by"}[arg]
    simple = {
        "lg_train_opts*": "&fx.opts", "lg_train_result*": "&fx.res", "lg_topology_info*": "&fx.topo",
        "lg_cpu_id*": "&fx.cpu", "lg_dtype*": "&fx.dt", "size_t*": "&fx.sz1" if arg != "count" else "&fx.sz2",
        "lg_mode*": "&fx.mode", "bool*": "&fx.flag", "lg_ranks*": "fx.ranks", "lg_ranks**": "&fx.ranks_out",
        "lg_dtype": "LG_F64", "lg_mode": "LG_MODE_FUSED", "lg_status": "LG_OK", "bool": "true",
        "uint64_t": "1", "uint32_t": "0", "MPI_Comm": "MPI_COMM_WORLD",
    }
    if base in simple:
        return simple[base]
    if base == "size_t":
        return {"len": "sizeof fx.buf", "i": "0", "start": "0", "count": "4"}.get(arg, "4")
    if base == "int":
        return "1"
    if base == "double":
        return "0.5"
    sys.exit(f"api_calls_gen.py: no fixture value for {fn}'s argument {ctype} {arg}: add one")


def result_check(ret, kind):
    """How the call's result is kept, and the C condition it must meet on a bad argument."""
    if ret == "void":
        return "", "1"
    if ret == "lg_status":
        return "lg_status r = ", "r == LG_EINVAL"
    if ret == "const char*" and kind == "name":  # an enum's name: never NULL
        return "const char *r = ", "r && strncmp(r, \"unknown \", 8) == 0"
    if ret.endswith("*"):
        return f"{ret} r = ", "r == NULL"
    if ret == "size_t":
        return "size_t r = ", "r == 0"
    if ret == "double":
        return "double r = ", "isnan(r)"
    if ret == "bool":
        return "bool r = ", "!r"
    if ret == "int":
        return "int r = ", "r == 0"
    if ret == "lg_dtype":
        return "lg_dtype r = ", "lg_dtype_size(r) == 0"
    sys.exit(f"api_calls_gen.py: no rule for a result of type {ret}")


def case(ret, fn, args, bad, bad_expr, kind):
    keep, cond = result_check(ret, kind)
    call = ", ".join(bad_expr if a == bad else value(fn, t, a) for t, a in args)
    sink = "(void)r;" if keep else ""
    return (f"    fixture_make(&fx);\n    lg_error_clear();\n"
            f"    {{ {keep}{fn}({call}); {sink}\n"
            f"      expect(\"{fn}\", \"{bad}\", \"{kind}\", {cond if keep else '1'}); }}\n"
            f"    fixture_free(&fx);\n")


def cases(decls):
    out, names = [], []
    for ret, fn, args in decls:
        names.append(fn)
        for t, a in args:
            if "*" in t:
                if FREES.search(fn):
                    out.append(f"    lg_error_clear();\n    {fn}(NULL);\n"
                               f"    expect_silent(\"{fn}\");\n")
                elif (fn, a) in NULLABLE:
                    out.append(case("void", fn, args, a, "NULL", "nullable"))
                else:
                    out.append(case(ret, fn, args, a, "NULL", "NULL"))
            base = t.replace("const ", "")
            if base in ENUMS:
                # A failure with a message where the function can report one; an
                # "unknown ..." name, 0 or NULL where it only returns a value.
                kind = "enum" if ret == "lg_status" else "name"
                out.append(case(ret, fn, args, a, ENUMS[base], kind))
            if base == "int" and a == "threads" and not fn.startswith("lg_set_default"):
                for b in BAD_THREADS:
                    out.append(case(ret, fn, args, a, b, "count"))
    return out, names


def main():
    argv = [a for a in sys.argv[1:] if a not in ("--mpi", "--core")]
    mpi = "--mpi" in sys.argv
    out_path, headers = argv[0], argv[1:]
    decls = [d for h in headers for d in declarations(h)]
    if len(decls) < 5:
        sys.exit(f"api_calls_gen.py: only {len(decls)} declarations found in {headers}: the parser is broken")
    body, names = cases(decls)
    with open(out_path, "w") as f:
        f.write("/* Generated by tests/api_calls_gen.py from " + " ".join(h.split("/")[-1] for h in headers)
                + ": do not edit. */\n")
        f.write("#define LG_API_CALLS_MPI %d\n#include \"api_calls_fixture.h\"\n\n" % int(mpi))
        f.write("static const char *const lg_api_functions[] = {\n")
        f.write("".join(f"    \"{n}\",\n" for n in names) + "};\n\n")
        f.write("static void run_cases(void)\n{\n    struct fixture fx;\n")
        f.write("".join(body) + "}\n\n")
        f.write("int main(int argc, char **argv)\n{\n"
                "    return api_calls_main(argc, argv, run_cases, lg_api_functions,\n"
                "                          sizeof lg_api_functions / sizeof *lg_api_functions);\n}\n")


if __name__ == "__main__":
    main()
