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
