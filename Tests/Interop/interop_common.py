"""Helpers shared by the interop checkers."""

import numpy as np


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
