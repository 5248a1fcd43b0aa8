#!/usr/bin/env python3
"""Writes hostile torch.save-shaped files for ckpt's PyTorch reader: Fuzz/Regressions/FuzzTorch/.

Every pickle is assembled from opcode bytes (struct and pickle.dumps of plain data at most);
nothing here is ever unpickled. Each payload that would run creates a canary file named
ckpt-canary-<what> in the current directory, so a test can show that it is a live payload (plain
pickle does create it) and that ckpt does not. Runs with any Python 3 (no torch needed):
    python3 Fixtures/torch/make_hostile_pickles.py
"""
import io
import os
import pickle
import struct
import zipfile

here = os.path.dirname(os.path.abspath(__file__))
out = os.path.join(here, "..", "..", "Fuzz", "Regressions", "FuzzTorch")


def binunicode(text):
    raw = text.encode()
    return b"X" + struct.pack("<I", len(raw)) + raw


def glob(module, name):
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def call(module, name, *args):
    """module.name(*args) for string arguments: GLOBAL, MARK, args, TUPLE, REDUCE."""
    return glob(module, name) + b"(" + b"".join(binunicode(a) for a in args) + b"tR"


def zipped(name, pickle_bytes, extra=None):
    """A torch zip: archive/data.pkl, byteorder, version, plus any storages given."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        z.writestr("archive/data.pkl", pickle_bytes)
        z.writestr("archive/byteorder", "little")
        for member, data in (extra or {}).items():
            z.writestr("archive/" + member, data)
        z.writestr("archive/version", "3\n")
    with open(os.path.join(out, name), "wb") as f:
        f.write(buf.getvalue())


def state_dict(value):
    """OrderedDict({'weight': <value>}) around a crafted value."""
    return b"\x80\x02" + glob("collections", "OrderedDict") + b")R(" + binunicode("weight") + value + b"u."


def tensor(storage_class="FloatStorage", key="0", numel=4, size=(4,), stride=(1,), offset=0):
    def ints(values):
        return b"(" + b"".join(b"J" + struct.pack("<i", v) if -2**31 <= v < 2**31 else b"\x8a\x08" + struct.pack("<q", v) for v in values) + b"t"
    pid = b"((" + binunicode("storage") + glob("torch", storage_class) + binunicode(key) + binunicode("cpu")
    pid += (b"\x8a\x08" + struct.pack("<q", numel)) + b"tQ"
    return glob("torch._utils", "_rebuild_tensor_v2") + pid + b"J" + struct.pack("<i", offset) + ints(size) + ints(stride) \
        + b"\x89" + glob("collections", "OrderedDict") + b")R" + b"tR"


class Payload:
    """pickle.dumps of this writes the classic __reduce__ payload (os.system → posix.system)."""
    def __reduce__(self):
        return (os.system, ("touch ckpt-canary-reduce",))


def main():
    os.makedirs(out, exist_ok=True)
    # os.system through REDUCE, at the top and inside a state dict.
    zipped("os-system-reduce.pt", b"\x80\x02" + call("os", "system", "touch ckpt-canary-os-system") + b".")
    zipped("os-system-in-state-dict.pt", state_dict(call("os", "system", "touch ckpt-canary-os-system")))
    # builtins.eval of Python source.
    zipped("builtins-eval.pt", b"\x80\x02" + call("builtins", "eval", "open('ckpt-canary-eval', 'w').close()") + b".")
    # A __reduce__ payload as pickle itself writes it (protocol 2 and 4 with STACK_GLOBAL).
    zipped("reduce-payload.pt", pickle.dumps({"weight": Payload()}, protocol=2))
    zipped("reduce-payload-protocol4.pt", pickle.dumps({"weight": Payload()}, protocol=4))
    # Globals smuggled through _rebuild_from_type_v2: a refused function as its func, and an
    # allowed one that is not a tensor rebuild, with a non-tensor type.
    smuggled = glob("torch._tensor", "_rebuild_from_type_v2") + b"(" + glob("subprocess", "getoutput") + glob("torch", "Tensor") \
        + b"(" + binunicode("touch ckpt-canary-smuggled") + b"t" + b"}" + b"tR"
    zipped("rebuild-from-type-smuggled-global.pt", state_dict(smuggled))
    wrong_func = glob("torch._tensor", "_rebuild_from_type_v2") + b"(" + glob("collections", "OrderedDict") + glob("torch", "Tensor") \
        + b")" + b"N" + b"tR"
    zipped("rebuild-from-type-wrong-function.pt", state_dict(wrong_func))
    # Objects without a global's call: NEWOBJ and BUILD.
    zipped("newobj.pt", b"\x80\x02" + glob("collections", "OrderedDict") + b")\x81.")
    zipped("build.pt", state_dict(b"}" + b"}" + b"b"))
    # Huge counts: a string length far past the pickle, a storage of 2^62 elements, a tensor
    # whose size overflows, one reaching past its storage, a memo index never written.
    zipped("huge-string-length.pt", b"\x80\x02X\xff\xff\xff\xff.")
    zipped("huge-binunicode8.pt", b"\x80\x04\x8d" + struct.pack("<Q", 2**63 - 1) + b".")
    zipped("huge-storage-numel.pt", state_dict(tensor(numel=2**62)), {"data/0": b"\0" * 16})
    zipped("huge-tensor-size.pt", state_dict(tensor(size=(2**40, 2**40, 2**40), stride=(1, 1, 1))), {"data/0": b"\0" * 16})
    zipped("tensor-past-storage.pt", state_dict(tensor(offset=3)), {"data/0": b"\0" * 16})
    zipped("memo-never-written.pt", b"\x80\x02j\xff\xff\xff\x7f.")
    zipped("missing-storage-member.pt", state_dict(tensor()))
    # A list that contains itself, and nesting past any state dict's depth.
    zipped("self-containing-list.pt", b"\x80\x02]q\x00h\x00a.")
    zipped("deep-nesting.pt", b"\x80\x02" + b"]" * 2000 + b"a" * 1999 + b".")
    # Truncations: a state dict cut mid-opcode, an empty pickle, no STOP.
    good = state_dict(tensor())
    zipped("truncated-pickle.pt", good[: len(good) // 2], {"data/0": b"\0" * 16})
    zipped("empty-pickle.pt", b"")
    zipped("no-stop.pt", good[:-1], {"data/0": b"\0" * 16})
    # The legacy format with a payload for its object.
    legacy = pickle.dumps(0x1950A86A20F9469CFC6C, protocol=2) + pickle.dumps(1001, protocol=2) \
        + pickle.dumps({"protocol_version": 1001, "little_endian": True, "type_sizes": {"short": 2, "int": 4, "long": 4}}, protocol=2) \
        + b"\x80\x02" + call("os", "system", "touch ckpt-canary-legacy") + b"."
    with open(os.path.join(out, "legacy-os-system.pt"), "wb") as f:
        f.write(legacy)
    # A legacy file whose storage record is cut short.
    truncated = pickle.dumps(0x1950A86A20F9469CFC6C, protocol=2) + pickle.dumps(1001, protocol=2) \
        + pickle.dumps({"protocol_version": 1001, "little_endian": True}, protocol=2) + state_dict(tensor()) \
        + pickle.dumps(["0"], protocol=2) + struct.pack("<q", 4) + b"\0" * 7
    with open(os.path.join(out, "legacy-truncated-storage.pt"), "wb") as f:
        f.write(truncated)


if __name__ == "__main__":
    main()
