#!/usr/bin/env python3
"""Regenerate ckpt's Keras 2 (tf.keras / tf_keras 2.x) fixtures in Fixtures/keras2/: for each
model, `<name>.json` (model.to_json()), `<name>.h5` (model.save_weights, the legacy h5 layout)
and an entry in manifest.json listing every weight as tf.keras names it, with its shape, layer
by layer in `model.weights` order.

TensorFlow is not in ckpt's venv (CI never installs it): run this with the python of a
throwaway venv that has `tensorflow-cpu` and `tf_keras`, from the repository root:

    /tmp/tfk/bin/python Fixtures/keras2/make_keras2_fixtures.py

Models: an RNN model (LSTM, GRU, Bidirectional), an attention model (MultiHeadAttention), a
convolutional autoencoder (Conv2D, Conv2DTranspose, UpSampling2D), a nested model (a
Sequential and a Functional inside a Functional) and models inside TimeDistributed.
`--only wrapped_models` regenerates the named models alone.
"""
import json
import os
import sys

os.environ["TF_USE_LEGACY_KERAS"] = "1"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import tf_keras as keras  # noqa: E402

L = keras.layers
HERE = os.path.dirname(os.path.abspath(__file__))


def rnn():
    tokens = keras.Input((12,), dtype="int32", name="tokens")
    h = L.Embedding(500, 16)(tokens)
    h = L.Bidirectional(L.LSTM(8, return_sequences=True))(h)
    h = L.GRU(10, return_sequences=True)(h)
    h = L.LSTM(6)(h)
    return keras.Model(tokens, L.Dense(3, activation="softmax")(h), name="k2_rnn")


def attention():
    x = keras.Input((10, 16), name="sequence")
    a = L.MultiHeadAttention(num_heads=2, key_dim=8)(x, x)
    h = L.LayerNormalization()(L.Add()([x, a]))
    h = L.Dense(32, activation="relu")(h)
    h = L.Dense(16)(h)
    h = L.GlobalAveragePooling1D()(h)
    return keras.Model(x, L.Dense(4)(h), name="k2_attention")


def autoencoder():
    x = keras.Input((28, 28, 1), name="image")
    h = L.Conv2D(16, 3, padding="same", activation="relu")(x)
    h = L.BatchNormalization()(h)
    h = L.MaxPooling2D()(h)
    h = L.Conv2D(8, 3, padding="same", activation="relu")(h)
    h = L.MaxPooling2D()(h)
    h = L.Conv2DTranspose(8, 3, strides=2, padding="same", activation="relu")(h)
    h = L.UpSampling2D()(h)
    h = L.Conv2D(16, 3, padding="same", activation="relu")(h)
    return keras.Model(x, L.Conv2D(1, 3, padding="same", activation="sigmoid")(h), name="k2_autoencoder")


def nested():
    encoder_in = keras.Input((20,))
    encoder = keras.Model(encoder_in, L.Dense(12, activation="relu")(L.Dense(16)(encoder_in)), name="encoder")
    head = keras.Sequential([L.Dense(8, activation="relu", input_shape=(12,)), L.Dense(2)], name="head")
    x = keras.Input((20,), name="features")
    h = encoder(x)
    h = L.BatchNormalization()(h)
    return keras.Model(x, head(h), name="k2_nested")


def wrapped_models():
    clips = keras.Input((4, 6, 3), name="clips")
    rowwise = keras.Sequential([L.Dense(8, activation="relu"), L.Dense(5)], name="rowwise")
    x = L.TimeDistributed(rowwise)(clips)
    steps = keras.Input((6, 5))
    encoder = keras.Model(steps, L.LSTM(7)(steps), name="encoder")
    x = L.TimeDistributed(encoder)(x)
    return keras.Model(clips, L.Dense(2)(L.Flatten()(x)), name="k2_wrapped_models")


BUILDERS = (rnn, attention, autoencoder, nested, wrapped_models)


def main():
    # --only a,b: regenerate those models and keep the others' files and manifest entries.
    only = sys.argv[2].split(",") if len(sys.argv) > 2 and sys.argv[1] == "--only" else None
    manifest = {"tf_keras": keras.__version__, "models": {}}
    if only:
        with open(os.path.join(HERE, "manifest.json")) as f:
            manifest["models"] = json.load(f)["models"]
    for build in BUILDERS:
        if only and build.__name__ not in only:
            continue
        keras.backend.clear_session()
        keras.utils.set_random_seed(7)
        model = build()
        name = build.__name__
        with open(os.path.join(HERE, f"{name}.json"), "w") as f:
            f.write(model.to_json() + "\n")
        model.save_weights(os.path.join(HERE, f"{name}.h5"))
        layers = []

        def walk(container, prefix):
            for layer in container.layers:
                if isinstance(layer, keras.Model):
                    walk(layer, prefix + layer.name + "/")
                    continue
                weights = [{"name": w.name, "shape": list(w.shape)} for w in layer.weights]
                if weights:
                    layers.append({"layer": prefix + layer.name, "class": type(layer).__name__, "weights": weights})

        walk(model, "")
        manifest["models"][name] = {
            "json": f"{name}.json", "weights_h5": f"{name}.h5", "layers": layers,
            "parameters": int(model.count_params()),
        }
        print("wrote", name)
    with open(os.path.join(HERE, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
