#!/usr/bin/env python3
"""Benchmark peer: Keras 3 builds the model from its JSON (model_from_json, its own
initializers) and writes it with save_weights. numpy backend.

    peer_keras.py SPEC OUTPUT.weights.h5
"""
import os
import sys

os.environ.setdefault("KERAS_BACKEND", "numpy")
import keras  # noqa: E402

spec, output = sys.argv[1:3]
model = keras.models.model_from_json(open(spec).read())
model.save_weights(output)
fd = os.open(output, os.O_RDONLY)
os.fsync(fd)
os.close(fd)
