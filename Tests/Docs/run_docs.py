#!/usr/bin/env python3
"""Runs every example in README.md and docs/ against the built ckpt, as a reader would.

Each Markdown file gets a playground folder: a copy of Tests/Docs/playground/ after its
setup.sh ran (the files the examples read), with Fixtures/ linked in (and scripts/ for the
README), plus every block the page names as a file (the line before the block ends in
"`NAME`:"; such a block is saved, not run, and a saved JSON file is also checked as below).
Each example then runs in a fresh copy of that folder, except a Python block, which runs in the
folder of the example before it (it looks at what that one made). The blocks:

- ```sh        run with bash -euo pipefail; must exit 0.
- ```console   "$ command" lines (a trailing "\\" continues one) and the output each shows;
               the output is compared (below). A command ending in "# exit N" must exit N;
               otherwise an output with a "ckpt: error:" line expects a non-zero exit, any
               other a zero exit.
- ```python    run with the project venv's Python, warnings as errors; must exit 0.
- ```json      saved to NAME when the line before the block ends in "`NAME`:"; otherwise
               checked by what it is: a compact spec is planned, a jobs file dry-run, a rules
               file planned against Fixtures/keras/attention.json; any other must parse.
- ```text      not run (synopses, diagrams, formulas). A synopsis line "ckpt SUB ... --flag"
               is checked against `ckpt SUB --help`: every flag it shows must exist.
- ```yaml      configuration for another tool; not run.

A block whose previous line is a marker in italics is skipped and counted:
"*Heavy: why; where it runs instead.*" or "*Not run by the docs test: why.*".
A block with no language, or with another one, fails: every block says what it is.

Output comparison: if the expected output is JSON (JSON Lines, or JSON with `//` comments),
it is compared as values: "…" (as a string, an array's last element, or a member "…": "…") is a
wildcard for a value, for more elements, or for more members; numbers match to the digits shown;
every other member must be there with that value and no other member may be. Otherwise it is
compared line by line, with "…" inside a line matching any text and a line of only "…" any lines.

The last line is "docs: N passed, N failed, N skipped" (skipped: marked heavy or not run).
"""
import argparse
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLAYGROUND = os.path.join(ROOT, "Tests", "Docs", "playground")
MARKER = re.compile(r"^\*(Heavy|Not run by the docs test)\b[^*]*\*\s*$")
SAVE_AS = re.compile(r"`(\w[\w./-]*\.\w+)`:\s*$")
ELLIPSIS = "…"
TIMEOUT = 600


class Failure(Exception):
    pass


def tail(text, lines=25):
    kept = text.rstrip("\n").split("\n")
    return "\n".join((["…"] if len(kept) > lines else []) + kept[-lines:])


# MARK: Markdown

def blocks(path):
    """(line, language, body, previous non-empty line) of every fenced block."""
    lines = open(path, encoding="utf-8").read().split("\n")
    result = []
    i = 0
    previous = ""
    while i < len(lines):
        m = re.match(r"^(\s*)```(.*)$", lines[i])
        if m:
            indent, info = m.group(1), m.group(2).strip()
            start = i
            i += 1
            body = []
            while i < len(lines) and not re.match(r"^\s*```\s*$", lines[i]):
                line = lines[i]
                body.append(line[len(indent):] if line.startswith(indent) else line)
                i += 1
            result.append((start + 1, info, "\n".join(body) + "\n", previous))
            previous = ""
        elif lines[i].strip():
            previous = lines[i].strip()
        i += 1
    return result


# MARK: JSON with wildcards

def strip_comments(text):
    """Drops // comments outside strings."""
    out = []
    for line in text.split("\n"):
        in_string = False
        escaped = False
        for j, ch in enumerate(line):
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = not in_string
            elif not in_string and line.startswith("//", j):
                line = line[:j]
                break
        out.append(line)
    return "\n".join(out)


def parse_expected_json(text):
    """The documented JSON value(s), with "…" elisions made parseable, or None if not JSON."""
    text = strip_comments(text).strip()
    if not text or text[0] not in "{[":
        return None
    # A bare … where a member or an element would be: `,…}` `, …]` `{…}`.
    fixed = re.sub(r"(?<=[,{\[])\s*…\s*(?=[}\]])", ' "…"', text)
    fixed = re.sub(r'(?<=[,{])\s*"…"\s*(?=})', ' "…": "…"', fixed)
    try:
        return [json.loads(fixed)]
    except json.JSONDecodeError:
        pass
    values = []
    for line in fixed.split("\n"):
        if line.strip():
            try:
                values.append(json.loads(line))
            except json.JSONDecodeError:
                return None
    return values


def digits_match(expected, actual):
    if isinstance(actual, bool) or not isinstance(actual, (int, float)):
        return False
    text = repr(expected)
    if isinstance(expected, int):
        return actual == expected
    mantissa = text.split("e")[0].lstrip("-").replace(".", "").lstrip("0")
    shown = max(len(mantissa), 1)
    return float("%.*g" % (shown, actual)) == expected


def match_json(expected, actual, where="$"):
    if expected == ELLIPSIS:
        return
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            raise Failure(f"{where}: expected an object, got {json.dumps(actual)[:80]}")
        open_ended = expected.get(ELLIPSIS) == ELLIPSIS
        for key, value in expected.items():
            if key == ELLIPSIS:
                continue
            if key not in actual:
                raise Failure(f"{where}: the output has no member \"{key}\" (it has {sorted(actual)})")
            match_json(value, actual[key], f"{where}.{key}")
        extra = sorted(set(actual) - set(expected))
        if extra and not open_ended:
            raise Failure(f"{where}: the output has members the docs do not show: {extra}")
    elif isinstance(expected, list):
        if not isinstance(actual, list):
            raise Failure(f"{where}: expected an array, got {json.dumps(actual)[:80]}")
        open_ended = bool(expected) and expected[-1] == ELLIPSIS
        items = expected[:-1] if open_ended else expected
        if len(actual) < len(items) or (not open_ended and len(actual) != len(items)):
            raise Failure(f"{where}: {len(actual)} elements, the docs show {len(items)}{' or more' if open_ended else ''}")
        for index, item in enumerate(items):
            match_json(item, actual[index], f"{where}[{index}]")
    elif isinstance(expected, str):
        if ELLIPSIS in expected and isinstance(actual, str):
            pattern = ".*".join(re.escape(part) for part in expected.split(ELLIPSIS))
            if re.fullmatch(pattern, actual, re.S):
                return
        if expected != actual:
            raise Failure(f"{where}: the docs show {json.dumps(expected)[:120]}, the output has {json.dumps(actual)[:120]}")
    elif isinstance(expected, float) and not isinstance(expected, bool):
        if not digits_match(expected, actual):
            raise Failure(f"{where}: the docs show {expected}, the output has {actual}")
    elif expected != actual or type(expected) is not type(actual):
        raise Failure(f"{where}: the docs show {json.dumps(expected)}, the output has {json.dumps(actual)}")


def match_text(expected, actual):
    want = [line.rstrip() for line in expected.rstrip("\n").split("\n")] if expected.strip() else []
    got = [line.rstrip() for line in actual.rstrip("\n").split("\n")] if actual.strip() else []

    def line_matches(pattern, line):
        regex = ".*".join(re.escape(part) for part in pattern.split(ELLIPSIS))
        return re.fullmatch(regex, line) is not None

    def walk(i, j):
        if i == len(want):
            return j == len(got)
        if want[i].strip() == ELLIPSIS:
            return any(walk(i + 1, k) for k in range(j, len(got) + 1))
        return j < len(got) and line_matches(want[i], got[j]) and walk(i + 1, j + 1)

    if not walk(0, 0):
        raise Failure("the output differs from the docs:\n--- docs\n" + "\n".join(want) + "\n--- output\n" + "\n".join(got))


def compare_output(expected, actual):
    values = parse_expected_json(expected)
    if values is not None:
        actual_values = parse_expected_json(actual)
        if actual_values is None:
            raise Failure("the docs show JSON, the output is not:\n" + actual[:2000])
        if len(values) != len(actual_values):
            raise Failure(f"the docs show {len(values)} JSON values, the output has {len(actual_values)}")
        for want, got in zip(values, actual_values):
            match_json(want, got)
    else:
        match_text(expected, actual)


# MARK: Running

class Runner:
    def __init__(self, ckpt, venv, verbose):
        self.ckpt = os.path.abspath(ckpt)
        self.venv = os.path.abspath(venv)
        self.verbose = verbose
        self.bin = tempfile.mkdtemp(prefix="ckpt-docs-bin-")
        os.symlink(self.ckpt, os.path.join(self.bin, "ckpt"))
        self.env = dict(os.environ)
        self.env["PATH"] = self.bin + os.pathsep + self.env.get("PATH", "")
        self.env.pop("KERAS_BACKEND", None)  # the examples must say it themselves
        self.env["CKPT_DOCS_FIXTURES"] = os.path.join(ROOT, "Fixtures")
        self.passed = self.failed = self.skipped = self.heavy = 0
        self.failures = []
        self.help_cache = {}
        self.copies = []

    def run(self, command, cwd, stdin=None):
        # Line-buffered stdout, so standard output and error interleave as on a terminal.
        prefix = ["stdbuf", "-oL", "-eL"] if shutil.which("stdbuf") else []
        return subprocess.run(prefix + ["bash", "-c", command], cwd=cwd, env=self.env, input=stdin,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=TIMEOUT)

    def help_of(self, sub):
        if sub not in self.help_cache:
            result = subprocess.run([self.ckpt] + ([sub] if sub else []) + ["--help"], stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT, text=True)
            self.help_cache[sub] = result.stdout
        return self.help_cache[sub]

    # One block.

    def check_sh(self, body, cwd):
        result = self.run("set -euo pipefail\n" + body, cwd)
        if result.returncode != 0:
            raise Failure(f"exit {result.returncode}:\n" + tail(result.stdout))

    def check_console(self, body, cwd):
        steps = []
        for line in body.rstrip("\n").split("\n"):
            if line.startswith("$ "):
                steps.append([line[2:], []])
            elif steps and steps[-1][0].endswith("\\") and not steps[-1][1]:
                steps[-1][0] = steps[-1][0] + "\n" + line
            elif steps:
                steps[-1][1].append(line)
            elif line.strip():
                raise Failure("a console block must start with a \"$ \" command line")
        if not steps:
            raise Failure("a console block with no \"$ \" command")
        for command, output in steps:
            expected = "\n".join(output)
            result = self.run(command, cwd)
            stated = re.search(r"#\s*exit\s+(\d+)\s*$", command)
            if stated and result.returncode != int(stated.group(1)):
                raise Failure(f"$ {command}\nexit {result.returncode}, the docs say {stated.group(1)}:\n" + tail(result.stdout))
            wants_error = any(line.startswith("ckpt: error:") for line in output)
            if not stated and wants_error and result.returncode == 0:
                raise Failure(f"$ {command}\nexpected a failure, it exited 0:\n" + tail(result.stdout))
            if not stated and not wants_error and result.returncode != 0:
                raise Failure(f"$ {command}\nexit {result.returncode}:\n" + tail(result.stdout))
            try:
                compare_output(expected, result.stdout)
            except Failure as failure:
                raise Failure(f"$ {command}\n{failure}")

    def check_python(self, body, cwd):
        python = os.path.join(self.venv, "bin", "python")
        if not os.path.exists(python):
            raise Failure(f"no venv at {self.venv}: run scripts/setup-python.sh")
        result = subprocess.run([python, "-W", "error", "-"], cwd=cwd, env=self.env, input=body,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=TIMEOUT)
        if result.returncode != 0:
            raise Failure(f"exit {result.returncode}:\n" + tail(result.stdout))

    def check_json(self, body, cwd, previous):
        save = SAVE_AS.search(previous)
        values = parse_expected_json(body)
        if values is None:
            raise Failure("not JSON (or JSON Lines)")
        if save and ("…" in body or "//" in body):
            raise Failure(f"{save.group(1)} is not complete JSON: it has … or // comments")
        if "…" in body or "//" in body:
            return "parsed (an excerpt)"
        if save:
            path = save.group(1)
        else:
            path = ".docs-block.jsonl" if len(values) > 1 else ".docs-block.json"
            self.save(body, cwd, path)
        value = values[0]
        kind, command = None, None
        if len(values) == 1 and isinstance(value, dict) and "ckpt_spec" in value:
            kind, command = "spec", f"ckpt plan {path}"
        elif all(isinstance(v, dict) and ("init" in v or "convert" in v) for v in values) or \
                (len(values) == 1 and (isinstance(value, list) or (isinstance(value, dict) and "jobs" in value))):
            kind, command = "jobs file", f"ckpt batch {path} --dry-run"
        elif len(values) == 1 and isinstance(value, dict) and ("rules" in value or "schemes" in value):
            kind, command = "rules file", f"ckpt plan {os.path.join(ROOT, 'Fixtures/keras/attention.json')} --rules {path}"
        if command:
            result = self.run(command, cwd)
            if result.returncode != 0:
                raise Failure(f"as a {kind}: $ {command}\nexit {result.returncode}:\n" + tail(result.stdout))
            return ("saved as " + path + ", " if save else "") + "checked as a " + kind
        return ("saved as " + path + ", " if save else "") + "parsed"

    @staticmethod
    def save(body, cwd, name):
        target = os.path.join(cwd, name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "w", encoding="utf-8") as f:
            f.write(body)

    def check_text(self, body):
        checked = 0
        for line in body.split("\n"):
            m = re.match(r"^\s*ckpt(?:\s+([a-z][a-z-]*))?\s", line + " ")
            if not m or "--" not in line:
                continue
            sub = m.group(1) if m.group(1) in self.subcommands() else None
            help_text = self.help_of(sub)
            for flag in re.findall(r"(?<![\w-])--[a-z][a-z0-9-]*", line):
                if flag not in help_text:
                    raise Failure(f"the synopsis shows {flag}, which `ckpt {sub or ''} --help` does not list:\n{line}")
                checked += 1
        return checked

    def subcommands(self):
        text = self.help_of(None)
        names = set()
        in_list = False
        for line in text.split("\n"):
            if line.startswith("SUBCOMMANDS"):
                in_list = True
                continue
            if in_list:
                m = re.match(r"^\s+([a-z][a-z-]*)\b", line)
                if m:
                    names.add(m.group(1))
                elif line and not line.startswith(" "):
                    in_list = False
        return names

    # One file.

    def playground(self, markdown):
        folder = tempfile.mkdtemp(prefix="ckpt-docs-")
        if os.path.isdir(PLAYGROUND):
            shutil.copytree(PLAYGROUND, folder, dirs_exist_ok=True, symlinks=True)
        # The docs name the repository's fixtures as a checkout has them; the README also
        # runs scripts/ckpt, its quick start.
        for name in ["Fixtures"] + (["scripts"] if os.path.basename(markdown) == "README.md" else []):
            os.symlink(os.path.join(ROOT, name), os.path.join(folder, name))
        setup = os.path.join(folder, "setup.sh")
        if os.path.exists(setup):
            result = self.run("set -euo pipefail\nbash setup.sh", folder)
            if result.returncode != 0:
                raise Failure(f"playground setup failed:\n{result.stdout[-3000:]}")
            os.remove(setup)
        return folder

    def run_file(self, markdown):
        relative = os.path.relpath(markdown, ROOT)
        found = blocks(markdown)
        if not found:
            return
        cwd = self.playground(markdown)
        try:
            # Files the page defines ("… `jobs.json`:") exist before its first command runs.
            for line, info, body, previous in found:
                if SAVE_AS.search(previous) and not MARKER.match(previous):
                    self.save(body, cwd, SAVE_AS.search(previous).group(1))
            folder = None
            for line, info, body, previous in found:
                label = f"{relative}:{line}"
                language = info.split()[0] if info else ""
                marker = MARKER.match(previous)
                if marker:
                    self.skipped += 1
                    if marker.group(1) == "Heavy":
                        self.heavy += 1
                    print(f"skip  {label} [{language}] {previous.strip('*')}")
                    continue
                try:
                    note = ""
                    saved = SAVE_AS.search(previous)
                    # Each example starts from the page's files; a Python block looks at what
                    # the example before it made, so it runs in that one's folder.
                    if language != "python" or folder is None:
                        folder = self.fresh_copy(cwd)
                    if saved and language != "json":
                        self.passed += 1
                        print(f"ok    {label} [{language}] saved as {saved.group(1)}")
                        continue
                    if language == "sh":
                        if body.strip() == "scripts/test.sh" or "scripts/test.sh" in body.split():
                            # The quick start's second command is the suite this test is part of.
                            body = "\n".join(l for l in body.split("\n") if l.strip() != "scripts/test.sh") + "\n"
                            note = "(scripts/test.sh is this suite: not run again)"
                        self.check_sh(body, folder)
                    elif language == "console":
                        self.check_console(body, folder)
                    elif language == "python":
                        self.check_python(body, folder)
                    elif language == "json":
                        note = self.check_json(body, folder, previous)
                    elif language == "text":
                        count = self.check_text(body)
                        note = f"{count} flags checked" if count else "not run"
                    elif language == "yaml":
                        note = "configuration, not run"
                    else:
                        raise Failure(f"a block must say what it is (sh, console, python, json, text, yaml), not \"{info}\"")
                    self.passed += 1
                    print(f"ok    {label} [{language}] {note}".rstrip())
                except (Failure, subprocess.TimeoutExpired) as failure:
                    self.failed += 1
                    self.failures.append(label)
                    print(f"FAIL  {label} [{language}]\n" + "\n".join("      " + l for l in str(failure).split("\n")))
        finally:
            for made in [cwd] + self.copies:
                if not self.verbose:
                    shutil.rmtree(made, ignore_errors=True)
            if self.verbose:
                print(f"      (playgrounds kept: {cwd} and its copies)")
            self.copies = []

    def fresh_copy(self, base):
        folder = tempfile.mkdtemp(prefix="ckpt-docs-example-")
        shutil.copytree(base, folder, dirs_exist_ok=True, symlinks=True)
        self.copies.append(folder)
        return folder


def self_test():
    """The comparisons catch what they must, and accept what the docs elide."""
    accepted = [
        ('{"a": 1, "b": "x"}', '{"b": "x", "a": 1}'),
        ('{"a": 0.2722, "b": [1, …]}', '{"a": 0.27216552, "b": [1, 2, 3]}'),
        ('{"a": "…", "t": {"k": 1, …}}', '{"a": [1], "t": {"k": 1, "m": 2}}'),
        ('{"x": 1} // note', '{"x": 1}'),
        ('line one\n…\nlast … here', 'line one\nmore\nand more\nlast thing here'),
    ]
    refused = [
        ('{"a": 1}', '{"a": 1, "b": 2}'),            # a member the docs do not show
        ('{"a": 1, "b": 2}', '{"a": 1}'),            # a member the output lacks
        ('{"a": "x"}', '{"a": "y"}'),
        ('{"a": 0.2722}', '{"a": 0.2731}'),          # not to the digits shown
        ('{"a": [1, 2]}', '{"a": [1, 2, 3]}'),
        ('{"a": 1}', '{"a": true}'),
        ('one\ntwo', 'one\nthree'),
        ('one', 'one\ntwo'),
    ]
    problems = []
    for expected, actual in accepted:
        try:
            compare_output(expected, actual)
        except Failure as failure:
            problems.append(f"refused {expected!r} against {actual!r}: {failure}")
    for expected, actual in refused:
        try:
            compare_output(expected, actual)
            problems.append(f"accepted {expected!r} against {actual!r}")
        except Failure:
            pass
    for problem in problems:
        print("self-test: " + problem)
    print(f"docs self-test: {len(accepted) + len(refused) - len(problems)} of {len(accepted) + len(refused)} comparisons as expected")
    return 1 if problems else 0


def markdown_files():
    files = [os.path.join(ROOT, "README.md")]
    files += sorted(glob.glob(os.path.join(ROOT, "docs", "**", "*.md"), recursive=True))
    return files


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ckpt", default=os.path.join(ROOT, ".build", "release", "ckpt"))
    parser.add_argument("--venv", default=os.environ.get("CKPT_VENV", os.path.join(ROOT, ".venv")))
    parser.add_argument("--only", action="append", help="run only these Markdown files")
    parser.add_argument("--keep", action="store_true", help="keep the playground folders")
    parser.add_argument("--self-test", action="store_true", help="check the output comparisons, then run the docs")
    args = parser.parse_args()
    if args.self_test and self_test() != 0:
        return 1
    if not os.access(args.ckpt, os.X_OK):
        print(f"docs: no ckpt binary at {args.ckpt}: build it with swift build -c release --product ckpt")
        return 2
    runner = Runner(args.ckpt, args.venv, args.keep)
    files = [os.path.abspath(f) for f in args.only] if args.only else markdown_files()
    try:
        for markdown in files:
            runner.run_file(markdown)
    finally:
        shutil.rmtree(runner.bin, ignore_errors=True)
    examples = runner.passed + runner.failed
    print(f"docs: {examples} examples ran, {runner.heavy} heavy and {runner.skipped - runner.heavy} marked not run were skipped"
          + (f"; failed: {', '.join(runner.failures)}" if runner.failures else "; none failed"))
    print(f"docs: {runner.passed} passed, {runner.failed} failed, {runner.skipped} skipped")
    return 1 if runner.failed else 0


if __name__ == "__main__":
    sys.exit(main())
