#!/usr/bin/env python3
"""Write Fixtures/spec/<name>.keras3.json: Keras 3's own `model.to_json()` of each compact
example, built with the Keras code the spec stands for (a fresh session per model, so Keras's
automatic names start from `dense`, `input_layer`, …). `ckpt export-keras <name>.json` must
print exactly this text (Tests/CkptKitTests/Spec/CompactSpecTests.swift).

    KERAS_BACKEND=numpy .venv/bin/python Fixtures/spec/make_spec_references.py
"""
import os

os.environ.setdefault("KERAS_BACKEND", "numpy")
import keras  # noqa: E402

L = keras.layers
HERE = os.path.dirname(os.path.abspath(__file__))


def mlp():
    x = keras.Input((784,))
    h = L.Dense(256, activation="relu")(x)
    h = L.Dropout(0.2)(h)
    h = L.Dense(128, activation="relu")(h)
    return keras.Model(x, L.Dense(10, activation="softmax")(h), name="mlp")


def cnn():
    x = keras.Input((28, 28, 1))
    h = L.Conv2D(32, 3, activation="relu", padding="same")(x)
    h = L.BatchNormalization()(h)
    h = L.MaxPooling2D()(h)
    h = L.Conv2D(64, 3, activation="relu")(h)
    h = L.MaxPooling2D()(h)
    h = L.Flatten()(h)
    h = L.Dense(128, activation="relu")(h)
    return keras.Model(x, L.Dense(10, activation="softmax")(h), name="cnn")


def resnet_block():
    x = keras.Input((32, 32, 16))
    h = L.Conv2D(32, 3, padding="same", use_bias=False, name="conv_a")(x)
    h = L.BatchNormalization(name="bn_a")(h)
    h = L.ReLU()(h)
    h = L.Conv2D(32, 3, padding="same", use_bias=False, name="conv_b")(h)
    h = L.BatchNormalization(name="bn_b")(h)
    s = L.Conv2D(32, 1, use_bias=False, name="shortcut")(x)
    s = L.BatchNormalization(name="bn_shortcut")(s)
    h = L.Add()([h, s])
    h = L.ReLU()(h)
    h = L.GlobalAveragePooling2D()(h)
    return keras.Model(x, L.Dense(10)(h), name="resnet_block")


def transformer_encoder():
    tokens = keras.Input((64,), dtype="int32", name="tokens")
    e = L.Embedding(8000, 128, name="embed")(tokens)
    a = L.MultiHeadAttention(num_heads=4, key_dim=32, name="attention")(e, e)
    a = L.Dropout(0.1, name="attention_dropout")(a)
    h = L.LayerNormalization(epsilon=1e-6, name="norm_1")(L.Add()([e, a]))
    f = L.Dense(512, activation="gelu", name="ffn_up")(h)
    f = L.Dense(128, name="ffn_down")(f)
    f = L.Dropout(0.1, name="ffn_dropout")(f)
    h = L.LayerNormalization(epsilon=1e-6, name="norm_2")(L.Add()([h, f]))
    h = L.GlobalAveragePooling1D()(h)
    return keras.Model(tokens, L.Dense(2, activation="softmax", name="classes")(h), name="transformer_encoder")


def lstm_tagger():
    tokens = keras.Input((None,), dtype="int32", name="tokens")
    h = L.Embedding(5000, 64)(tokens)
    h = L.Bidirectional(L.LSTM(64, return_sequences=True))(h)
    h = L.LSTM(64, return_sequences=True)(h)
    return keras.Model(tokens, L.TimeDistributed(L.Dense(17, activation="softmax"), name="tags")(h), name="lstm_tagger")


if __name__ == "__main__":
    for build in (mlp, cnn, resnet_block, transformer_encoder, lstm_tagger):
        keras.utils.clear_session()
        with open(os.path.join(HERE, f"{build.__name__}.keras3.json"), "w") as f:
            f.write(build().to_json() + "\n")
        print("wrote", build.__name__)
