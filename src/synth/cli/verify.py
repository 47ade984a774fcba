"""``synth verify``: re-render from scratch and compare, byte for byte, with a report folder."""

from __future__ import annotations

import argparse

from . import _common as c

__all__ = ["NAME", "SUMMARY", "DESCRIPTION", "EXAMPLES", "OPTIONS", "run"]

NAME = "verify"
SUMMARY = "re-render from scratch and compare byte for byte with a report folder's SHA256SUMS"
DESCRIPTION = """
Render the report (and the manuscript, when OUT has one) again from the data and the code, from
scratch and without the build cache, into a temporary folder beside OUT, and compare every file
with OUT: with the checksums OUT's SHA256SUMS records and with OUT's files themselves. Prints each
file that differs, is missing or is extra, and exits 1 if any does, 0 when OUT is exactly what the
code and the data give. OUT is not written; the temporary folder is removed. This is the check a
CODECHECK checker or a journal's data editor runs on a submitted copy.
"""
EXAMPLES = ("synth verify", "synth verify --data data/mine --out reports-mine")


OPTIONS = (c.DATA, c.out_dir("the report to verify", default="reports"), c.jobs("notebooks run at once"))


def run(args: argparse.Namespace) -> int:
    import shutil
    import tempfile
    from pathlib import Path

    from ..build import Manifest, file_digest
    from ..checksums import read_sums
    from ..report import render_report

    folder, out = c.data_folder(args), c.out_folder(args)
    recorded = read_sums(out)  # ChecksumError (one line, exit 2) when OUT has none
    manifest = Manifest.load(out)
    options = manifest.options if manifest is not None else {}
    accept = bool(options.get("accept_changed_data", False))
    unit = str(options.get("unit", "paragraph"))
    manuscript = bool(options.get("manuscript", (out / "manuscript").is_dir()))
    data = c.load_checked(folder, accept_changed_data=accept)
    # beside OUT (the same depth), so the notebooks get the same relative data_dir as OUT's did
    scratch = Path(tempfile.mkdtemp(prefix=f".{out.name}.verify-", dir=out.resolve().parent))
    scratch.rmdir()  # the render creates it
    try:
        fresh_dir = scratch
        c.say(f"re-rendering {out} from scratch into {scratch} (unit {unit}"
            + (", with the manuscript" if manuscript else "") + ")")
        render_report(data, fresh_dir, unit=unit, jobs=args.jobs, accept_changed_data=accept,
                      say=c.say, manuscript=manuscript, cache=False)
        fresh = read_sums(fresh_dir)
        differ: list[str] = []
        for rel in sorted(set(fresh) | set(recorded)):
            if rel not in fresh:
                differ.append(f"extra: {rel} (listed in {out}/SHA256SUMS, not rendered)")
            elif rel not in recorded:
                differ.append(f"missing: {rel} (rendered, not listed in {out}/SHA256SUMS)")
            elif recorded[rel] != fresh[rel]:
                differ.append(f"differs: {rel} (SHA256SUMS records {recorded[rel][:12]}, "
                              f"a fresh render gives {fresh[rel][:12]})")
            elif file_digest(out / rel) != fresh[rel]:
                differ.append(f"differs: {rel} (the file in {out} is not what SHA256SUMS and a "
                              "fresh render give)")
        if file_digest(out / "SHA256SUMS") != file_digest(fresh_dir / "SHA256SUMS"):
            differ.append("differs: SHA256SUMS")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    for line in differ:
        c.emit(line)
    c.emit(f"{len(differ)} file(s) differ from a fresh render" if differ else
         f"verified: all {len(fresh)} files of {out} are exactly what the code and data give")
    return 1 if differ else 0
