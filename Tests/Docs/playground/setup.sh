# Makes the files the docs' examples read, with the ckpt under test (on PATH). Runs once in each
# page's fresh playground folder before its first example; the docs name these files.
set -euo pipefail
mkdir -p models legacy old
# model.json: a small Keras 3 model (the docs make 100 seeds of it at once).
cat > tiny.spec.json <<'JSON'
{"ckpt_spec": 1, "name": "model", "input": [32], "layers": [
  {"Dense": {"units": 16, "activation": "relu"}, "name": "hidden"},
  {"Dense": {"units": 4, "activation": "softmax"}, "name": "head"}]}
JSON
ckpt export-keras tiny.spec.json -o model.json
cp model.json models/small.json
cp "$CKPT_DOCS_FIXTURES/keras/mlp.json" mlp.json
cp mlp.json models/mlp.json
cp mlp.json models/large.json
cp "$CKPT_DOCS_FIXTURES/keras/cnn.json" cnn.json
cp cnn.json models/cnn.json
cp "$CKPT_DOCS_FIXTURES/keras/attention.json" attention.json
# Legacy Keras files to migrate: full models (they carry their structure).
ckpt init model.json -o legacy/a.h5 --seed 1 -q
ckpt init model.json -o legacy/b.h5 --seed 2 -q
ckpt init model.json -o old/model.keras --seed 3 -q
ckpt init model.json -o model.npz --seed 4 -q
rm tiny.spec.json
# A model with a layer class ckpt does not know (docs/cli.md, Errors).
sed '0,/"class_name": "Dense"/s//"class_name": "Frobnicate"/' model.json > frobnicate.json
