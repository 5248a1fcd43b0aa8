"""Helpers shared by the interop checkers."""

import warnings

import numpy as np


def call_strictly(fn, captured_output):
    """Run fn() with every warning an error and its output captured by
    captured_output() (check_keras.captured_output). Returns
    (result, problems, out): fn()'s value or None, one line per problem
    (empty when fn() succeeded), and the captured output of the first run.

    When a warning was escalated to an error, fn() runs again with warnings
    recorded so the underlying error (if any) is reported first: Keras emits a
    spurious "Skipping nested container" warning right before raising the
    real ValueError of a failed layer."""
    error = None
    result = None
    with captured_output() as out:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            try:
                result = fn()
            except Exception as e:
                error = e
    problems = []
    if error is None:
        return result, problems, out
    if isinstance(error, Warning):
        with captured_output(), warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                fn()
            except Exception as e2:
                problems.append(f"{type(e2).__name__}: {e2}")
            for item in caught:
                problems.append(f"warning ({type(item.message).__name__})"
                                f": {item.message}")
        if not problems:
            problems.append(f"warning ({type(error).__name__}): {error}")
    else:
        problems.append(f"{type(error).__name__}: {error}")
    return None, problems, out


def dataset_values(ds):
    """A dataset's values as Keras reads them: a 2-byte opaque dataset tagged
    dtype="bfloat16" is bfloat16 (keras saving_lib H5IOStore), viewed via ml_dtypes."""
    value = ds[()]
    tag = ds.attrs.get("dtype")
    if isinstance(tag, bytes):
        tag = tag.decode()
    if ds.dtype.kind == "V" and ds.dtype.itemsize == 2 and tag == "bfloat16":
        import ml_dtypes
        value = np.asarray(value).view(ml_dtypes.bfloat16)
    return value


RECIPE_KEY = "__ckpt_recipe__"


def npz_tensor_keys(npz, report=None):
    """The keys of an open NpzFile, which must all be tensors: ckpt keeps its
    recipe in the zip archive comment (`ckpt-recipe/1 json` + JSON, or
    `ckpt-recipe/1 deflate-base64 N` + base64 of raw deflate), which np.load
    does not list. With a report: the old `__ckpt_recipe__` member is a
    failure, and a ckpt comment must decode to a JSON recipe with a seed."""
    keys = list(npz.files)
    if report is not None:
        import base64
        import json
        import zlib
        report.check(RECIPE_KEY not in keys, RECIPE_KEY,
                     "np.load lists ckpt's recipe as a member; it belongs in the archive comment")
        comment = getattr(npz, "zip", None).comment if getattr(npz, "zip", None) is not None else b""
        if comment.startswith(b"ckpt-recipe/1 "):
            try:
                head, _, body = comment.partition(b"\n")
                if head == b"ckpt-recipe/1 json":
                    recipe = json.loads(body.decode("utf-8"))
                else:
                    size = int(head.split()[2])
                    text = zlib.decompress(base64.b64decode(body), -15)
                    recipe = json.loads(text.decode("utf-8")) if len(text) == size else None
                report.check(isinstance(recipe, dict) and "seed" in recipe,
                             "recipe comment", f"not a JSON recipe: {comment[:60]!r}")
            except Exception as e:
                report.fail("recipe comment", f"unreadable: {type(e).__name__}: {e}")
    return keys


class Report:
    """Counts checks and prints one `FAIL what: why` line per failure;
    scoped() gives a view that prefixes every label."""

    def __init__(self):
        self.passed = 0
        self.failed = 0

    def ok(self):
        self.passed += 1

    def fail(self, what, why, count=True):
        if count:
            self.failed += 1
        why = " ".join(str(why).split())  # one line
        if len(why) > 600:
            why = why[:600] + " ..."
        print(f"FAIL {what}: {why}", flush=True)

    def check(self, cond, what, why):
        if cond:
            self.ok()
        else:
            self.fail(what, why)
        return cond

    def scoped(self, prefix):
        return Scoped(self, prefix)


class Scoped:
    def __init__(self, report, prefix):
        self.report = report
        self.prefix = prefix

    def ok(self):
        self.report.ok()

    def fail(self, what, why, count=True):
        self.report.fail(f"{self.prefix}{what}", why, count=count)

    def check(self, cond, what, why):
        if cond:
            self.ok()
        else:
            self.fail(what, why)
        return cond
