"""Records Keras 3's own output shapes for layer configs, for ckpt's shape-inference tests.

Run with the project venv:  KERAS_BACKEND=numpy .venv/bin/python Fixtures/shapes/make_shape_fixtures.py
Writes Fixtures/shapes/keras_output_shapes.json: a list of cases
{"class_name", "config" (the layer's full get_config()), "inputs" (shapes with the batch
dimension as null), "outputs" (list of output shapes, as Keras computes them on symbolic inputs)}.
"""
import json
import os

os.environ.setdefault("KERAS_BACKEND", "numpy")
import keras  # noqa: E402
from keras import layers as L  # noqa: E402

CASES = []


def case(layer, *shapes):
    inputs = [keras.Input(batch_shape=(None,) + tuple(s)) for s in shapes]
    out = layer(inputs[0] if len(inputs) == 1 else inputs) if not isinstance(layer, (L.MultiHeadAttention, L.GroupQueryAttention, L.Attention, L.AdditiveAttention)) else None
    if out is None:
        if isinstance(layer, (L.Attention, L.AdditiveAttention)):
            out = layer(inputs)
        else:
            out = layer(*inputs)
    outs = out if isinstance(out, (list, tuple)) else [out]
    CASES.append({
        "class_name": layer.__class__.__name__,
        "config": json.loads(json.dumps(layer.get_config(), default=str)),
        "inputs": [[None] + list(s) for s in shapes],
        "outputs": [list(o.shape) for o in outs],
    })


# Identity-shaped and dense.
case(L.Dense(7), (5,))
case(L.Dense(7), (3, 4, 5))
case(L.Activation("relu"), (3, 4))
case(L.Dropout(0.5), (3, 4))
case(L.BatchNormalization(), (8, 8, 3))
case(L.LayerNormalization(), (10, 16))
case(L.EinsumDense("ab,bc->ac", output_shape=64, bias_axes="c"), (32,))
case(L.EinsumDense("abc,cd->abd", output_shape=(None, 64), bias_axes="d"), (10, 32))
case(L.EinsumDense("abc,cde->abde", output_shape=(None, 4, 8)), (10, 32))
case(L.EinsumDense("...b,bc->...c", output_shape=16), (3, 5, 8))
# Convolutions.
for pad in ["valid", "same"]:
    for strides in [1, 2, 3]:
        case(L.Conv2D(4, 3, strides=strides, padding=pad), (11, 10, 3))
        case(L.MaxPooling2D(3, strides=strides, padding=pad), (11, 10, 3))
        case(L.AveragePooling1D(2, strides=strides, padding=pad), (9, 3))
case(L.Conv1D(4, 5, padding="causal", dilation_rate=2), (20, 3))
case(L.Conv1D(4, 3, dilation_rate=3), (20, 3))
case(L.Conv2D(6, (3, 5), dilation_rate=(2, 1), padding="valid"), (17, 12, 2))
case(L.Conv2D(4, 3, strides=2, data_format="channels_first"), (3, 11, 10))
case(L.Conv3D(2, 3, strides=(1, 2, 2), padding="same"), (5, 9, 9, 1))
case(L.DepthwiseConv2D(3, depth_multiplier=2, strides=2), (15, 15, 4))
case(L.SeparableConv2D(8, 3, padding="same", strides=2), (15, 15, 4))
case(L.Conv1DTranspose(4, 3, strides=2), (7, 3))
case(L.Conv2DTranspose(4, 3, strides=2, padding="same"), (7, 6, 3))
case(L.Conv2DTranspose(4, 4, strides=2, padding="valid", output_padding=1), (7, 6, 3))
case(L.Conv2DTranspose(4, 3, strides=1, padding="valid", dilation_rate=2), (7, 6, 3))
case(L.Conv3DTranspose(2, 3, strides=2, padding="same"), (4, 4, 4, 1))
case(L.MaxPooling3D(2), (6, 6, 6, 2))
case(L.GlobalAveragePooling2D(), (7, 7, 5))
case(L.GlobalMaxPooling1D(keepdims=True), (7, 5))
case(L.GlobalAveragePooling2D(data_format="channels_first"), (5, 7, 7))
# Reshaping.
case(L.Flatten(), (4, 5, 6))
case(L.Reshape((6, -1)), (4, 3, 2))
case(L.Reshape((2, 3, 4)), (24,))
case(L.Permute((2, 1)), (4, 5))
case(L.Permute((3, 1, 2)), (4, 5, 6))
case(L.RepeatVector(3), (5,))
case(L.UpSampling1D(3), (4, 2))
case(L.UpSampling2D((2, 3)), (4, 5, 2))
case(L.UpSampling3D(2), (2, 3, 4, 1))
case(L.ZeroPadding1D((1, 2)), (5, 3))
case(L.ZeroPadding2D(((1, 2), (3, 4))), (5, 6, 3))
case(L.ZeroPadding2D(2), (5, 6, 3))
case(L.ZeroPadding3D(1), (2, 3, 4, 1))
case(L.Cropping1D((1, 2)), (9, 3))
case(L.Cropping2D(((1, 2), (0, 1))), (9, 8, 3))
case(L.Cropping3D(1), (4, 5, 6, 2))
# Merges.
case(L.Concatenate(), (4, 5), (4, 3))
case(L.Concatenate(axis=1), (4, 5), (2, 5))
case(L.Add(), (4, 5), (4, 5))
case(L.Multiply(), (4, 5), (1, 5))
case(L.Average(), (3,), (3,), (3,))
case(L.Dot(axes=(1, 1)), (4, 5), (4, 6))
case(L.Dot(axes=-1), (4,), (4,))
# Embedding and recurrent.
case(L.Embedding(100, 8), (12,))
case(L.ReversibleEmbedding(100, 8), (12,))
case(L.ReversibleEmbedding(50, 6, tie_weights=False), (3, 4))
case(L.SimpleRNN(6), (10, 4))
case(L.LSTM(6, return_sequences=True), (10, 4))
case(L.LSTM(6, return_state=True), (10, 4))
case(L.GRU(5, return_sequences=True, return_state=True), (10, 4))
case(L.Bidirectional(L.LSTM(6, return_sequences=True)), (10, 4))
case(L.Bidirectional(L.GRU(6), merge_mode="sum"), (10, 4))
case(L.TimeDistributed(L.Dense(3)), (10, 4))
case(L.TimeDistributed(L.Conv2D(2, 3)), (5, 8, 8, 1))
case(L.ConvLSTM2D(4, 3, padding="same", return_sequences=True), (5, 8, 8, 1))
case(L.ConvLSTM2D(4, 3), (5, 8, 8, 1))
case(L.ConvLSTM1D(3, 2, strides=2), (4, 9, 2))
# Attention.
case(L.MultiHeadAttention(num_heads=2, key_dim=4), (7, 16), (9, 16))
case(L.MultiHeadAttention(num_heads=2, key_dim=4, output_shape=10), (7, 16), (9, 12))
case(L.GroupQueryAttention(head_dim=4, num_query_heads=4, num_key_value_heads=2), (7, 16), (9, 16))
case(L.Attention(), (7, 16), (9, 16))
case(L.AdditiveAttention(), (7, 16), (9, 16))
# Preprocessing-like layers that change shapes.
case(L.Resizing(12, 10), (20, 20, 3))
case(L.CenterCrop(8, 6), (20, 20, 3))
case(L.Rescaling(1 / 255), (20, 20, 3))

here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "keras_output_shapes.json"), "w") as f:
    json.dump({"keras_version": keras.__version__, "cases": CASES}, f, indent=1)
    f.write("\n")
print(f"{len(CASES)} cases")
