#!/usr/bin/env python3
"""Benchmark peer: Keras 3 builds the model from its JSON (model_from_json, its own
initializers) and writes it with save_weights. numpy backend.

    peer_keras.py SPEC OUTPUT.weights.h5

Keras walks a Sequential recursively while deserializing it; the 5 000-layer small_tensors_10k
model exceeds Python's default recursion limit, so the work runs on a thread with a large stack
and a raised limit (what a user would have to do too).
"""
import os
import sys
import threading

os.environ.setdefault("KERAS_BACKEND", "numpy")
import keras  # noqa: E402

spec, output = sys.argv[1:3]
failure = []


def work():
    try:
        model = keras.models.model_from_json(open(spec).read())
        model.save_weights(output)
        fd = os.open(output, os.O_RDONLY)
        os.fsync(fd)
        os.close(fd)
    except BaseException as error:  # reported below, with a non-zero exit
        failure.append(error)


sys.setrecursionlimit(200_000)
threading.stack_size(1 << 30)
thread = threading.Thread(target=work)
thread.start()
thread.join()
if failure:
    raise SystemExit(f"peer_keras.py: {type(failure[0]).__name__}: {failure[0]}")
