#!/usr/bin/env python3
"""Print the table of a models.sh run: times, rates, and ratios to dd/cp and to the peers.

    report.py RESULTS.jsonl [--run RUN_ID] [--merge] [--markdown]

Ratios are wall-time ratios (tool / reference; lower is better, 1.0 = as fast as the reference):
  ×dd     against `dd` writing the same bytes through the page cache to the same folder;
  ×dd+sync against `dd conv=fdatasync` (same bytes, durable: what an fsync-ing writer must pay);
  ×peer   init: against the fastest non-ckpt tool of the same model (NumPy/h5py/safetensors/Keras);
  ×cp     convert: against `cp` of the source file (`cp + sync` for ×dd+sync).
Per-tensor overhead (scenario small): (wall of small_tensors_10k − wall of single_tensor_10k) /
9 999, for the same tool and format: both models hold the same bytes.
"""
import argparse
import json
from collections import defaultdict


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("results")
    parser.add_argument("--run", help="only this run (default: all runs in the file)")
    parser.add_argument("--markdown", action="store_true")
    parser.add_argument("--merge", action="store_true",
                        help="treat every run in the file as one (the last row of each step, tool and format wins)")
    options = parser.parse_args()
    rows = [json.loads(line) for line in open(options.results) if line.strip()]
    if options.run:
        rows = [r for r in rows if r["run"] == options.run]
    if options.merge:
        latest = {}
        for r in rows:
            r = dict(r, run="merged")
            latest[(r["model"], r["dir"], r["step"], r["tool"], r["format"])] = r
        rows = list(latest.values())

    groups = defaultdict(list)
    for r in rows:
        groups[(r["run"], r["model"], r["dir"], r["step"] if r["step"] != "floor" else None)].append(r)
    floors = {(k[0], k[1], k[2]): v for k, v in groups.items() if k[3] is None}

    md = options.markdown
    header = ["step", "tool", "format", "GB", "wall s", "cpu s", "peak RSS MB", "MB/s", "×dd", "×dd+sync", "×peer/cp"]
    if not md:
        print(f"{'step':8s} {'tool':36s} {'format':11s} {'GB':>6s} {'wall s':>8s} {'cpu s':>7s} {'RSS MB':>7s} "
              f"{'MB/s':>7s} {'×dd':>6s} {'×dd+sync':>8s} {'×peer/cp':>8s}")
    last_model = None
    for key in sorted(groups, key=lambda k: (k[0], k[1], k[2], k[3] or "")):
        run, model, folder, step = key
        floor = floors.get((run, model, folder), [])
        dd = next((r["wall_s"] for r in floor if r["tool"] == "dd" and "wall_s" in r), None)
        dd_sync = next((r["wall_s"] for r in floor if r["tool"] == "dd conv=fdatasync" and "wall_s" in r), None)
        timed = [r for r in groups[key] if "wall_s" in r]
        if step == "init" or step == "large":
            peers = [r["wall_s"] for r in timed if not r["tool"].startswith("ckpt")]
            reference = min(peers) if peers else None
        elif step in ("convert", "pairs"):
            # The median of the cp runs (pairs runs each three times).
            copies = sorted(r["wall_s"] for r in timed if r["tool"] == "cp")
            synced = sorted(r["wall_s"] for r in timed if r["tool"] == "cp + sync")
            reference = copies[len(copies) // 2] if copies else None
            dd = reference or dd
            dd_sync = synced[len(synced) // 2] if synced else dd_sync
        else:
            reference = None
        if (model, folder) != last_model:
            title = f"{model} in {folder} ({groups[key][0]['fs']}, {groups[key][0]['dtype']})"
            print(f"\n**{title}**\n\n| " + " | ".join(header) + " |\n|" + "---|" * len(header) if md else f"-- {title}")
            last_model = (model, folder)
        for r in (floor if step is None else groups[key]):
            if step is None and r not in floor:
                continue
            if "skipped" in r:
                cells = [r["step"], r["tool"], r["format"], "", "skipped: " + r["skipped"], "", "", "", "", "", ""]
            else:
                wall = r["wall_s"]
                ratio = lambda ref: f"{wall / ref:.2f}" if ref and wall else ""  # noqa: E731
                cells = [r["step"], r["tool"], r["format"], f"{r['bytes'] / 1e9:.3f}", f"{wall:.2f}",
                         f"{r['user_s'] + r['sys_s']:.2f}", f"{r['max_rss_kb'] / 1024:.0f}",
                         f"{r['bytes'] / wall / 1e6:.0f}" if wall else "",
                         ratio(dd) if r["step"] != "floor" else "", ratio(dd_sync) if r["step"] != "floor" else "",
                         ratio(reference) if r["tool"].startswith("ckpt") else ""]
            if md:
                print("| " + " | ".join(cells) + " |")
            else:
                print(f"{cells[0]:8s} {cells[1]:36s} {cells[2]:11s} {cells[3]:>6s} {cells[4]:>8s} {cells[5]:>7s} "
                      f"{cells[6]:>7s} {cells[7]:>7s} {cells[8]:>6s} {cells[9]:>8s} {cells[10]:>8s}")

    # Per-tensor overhead: small_tensors_10k against single_tensor_10k.
    times = {(r["run"], r["model"], r["dir"], r["tool"], r["format"]): (r["wall_s"], r["user_s"] + r["sys_s"])
             for r in rows if "wall_s" in r}
    lines = []
    for (run, model, folder, tool, fmt), (wall, cpu) in sorted(times.items()):
        if model != "small_tensors_10k" or tool.startswith("dd"):
            continue
        single = times.get((run, "single_tensor_10k", folder, tool, fmt))
        if single is not None:
            lines.append(f"{tool} {fmt}: {wall:.2f} s wall / {cpu:.2f} s cpu for 10 000 tensors, {single[0]:.2f} s / "
                         f"{single[1]:.2f} s for 1 tensor of the same bytes → {(wall - single[0]) / 9999 * 1e6:.0f} µs "
                         f"wall, {(cpu - single[1]) / 9999 * 1e6:.0f} µs cpu per tensor")
    if lines:
        print("\nPer-tensor overhead (same bytes, 10 000 tensors vs 1):")
        for line in lines:
            print(("- " if md else "  ") + line)


if __name__ == "__main__":
    main()
