# SPDX-License-Identifier: MIT OR Apache-2.0
"""Renders the comparison's results (benches/results/*.csv, written by compare.sh and
batch.sh with --csv) as PNG images in plots/, beside BENCHMARKS.md. Run by
benches/plots.sh, which installs matplotlib (pinned in benches/plots-requirements.txt).

For each (statement, shape, prover) the newest line counts, so a series can be re-measured
in part."""

import csv
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker  # noqa: E402

STYLE = {
    "veil": dict(color="#1f6feb", marker="o", label="veil (tables)"),
    "veil-no-tables": dict(color="#58a6ff", marker="o", linestyle="--", label="veil --tables never"),
    "rapidsnark": dict(color="#d1242f", marker="s", label="rapidsnark (proof process)"),
    "snarkjs": dict(color="#9a6700", marker="^", label="snarkjs (witness + proof)"),
    "veil-batch": dict(color="#1f6feb", marker="o", label="veil batch (tables, one worker per core)"),
}


def newest(rows, key):
    """The last row for each key (rows are in file order, appended as measured)."""
    out = {}
    for r in rows:
        out[key(r)] = r
    return list(out.values())


def series(rows, x, y, prover):
    pts = sorted((float(r[x]), float(r[y])) for r in rows if r["prover"] == prover)
    return [p[0] for p in pts], [p[1] for p in pts]


def stamp(rows):
    machines = sorted({r["machine"] for r in rows})
    dates = sorted({r["date"][:10] for r in rows})
    commits = sorted({r["veil"] for r in rows})
    return f"{'; '.join(machines)} · {', '.join(dates)} · veil {', '.join(commits)}"


def panel_pair(rows, x, xlabel, title, out):
    fig, (t_ax, m_ax) = plt.subplots(1, 2, figsize=(11, 4.2))
    for prover in ["veil", "veil-no-tables", "rapidsnark", "snarkjs"]:
        xs, ts = series(rows, x, "median_s", prover)
        if not xs:
            continue
        t_ax.plot(xs, ts, **STYLE[prover])
        xs, ms = series(rows, x, "peak_mib", prover)
        m_ax.plot(xs, ms, **STYLE[prover])
    t_ax.set(xlabel=xlabel, ylabel="seconds per proving process (median)", yscale="log")
    m_ax.set(xlabel=xlabel, ylabel="peak RSS (MiB)", yscale="log")
    for ax in (t_ax, m_ax):
        ax.grid(True, which="both", alpha=0.3)
        xs = sorted({float(r[x]) for r in rows})
        ax.set_xticks(xs)
        ax.set_xticklabels([f"{v:g}" for v in xs])
    t_ax.legend(fontsize=8)
    fig.suptitle(title, fontsize=11)
    fig.text(0.5, 0.005, stamp(rows), ha="center", fontsize=7, color="#57606a")
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    fig.savefig(out, dpi=110)
    plt.close(fig)
    print(f"wrote {out}")


def main(results: Path, out_dir: Path) -> int:
    out_dir.mkdir(parents=True, exist_ok=True)
    compare_csv, batch_csv = results / "compare.csv", results / "batch.csv"
    if not compare_csv.exists() and not batch_csv.exists():
        print(f"plots.py: no results in {results} (run bash benches/plots.sh --collect)", file=sys.stderr)
        return 2
    if compare_csv.exists():
        with compare_csv.open() as f:
            rows = newest(csv.DictReader(f), lambda r: (r["statement"], r["depth"], r["k_max"], r["prover"]))
        approval = [r for r in rows if r["statement"] == "approval"]
        threshold = [r for r in rows if r["statement"] == "threshold"]
        if approval:
            panel_pair(approval, "depth", "tree depth", "Approval (Semaphore v4's statement): one whole proving process",
                       out_dir / "approval-by-depth.png")
        if threshold:
            depths = sorted({r["depth"] for r in threshold})
            panel_pair(threshold, "k_max", "K_MAX (all slots signed)",
                       f"Threshold, depth {', '.join(depths)}: one whole proving process",
                       out_dir / "threshold-by-k-max.png")
    if batch_csv.exists():
        with batch_csv.open() as f:
            rows = newest(csv.DictReader(f), lambda r: (r["requests"], r["depth"], r["prover"]))
        fig, ax = plt.subplots(figsize=(6.5, 4.2))
        for prover in ["veil-batch", "rapidsnark"]:
            pts = sorted((int(r["requests"]), float(r["wall_s"]) / int(r["requests"])) for r in rows if r["prover"] == prover)
            if pts:
                style = dict(STYLE[prover])
                if prover == "rapidsnark":
                    style["label"] = "rapidsnark, one process per proof"
                ax.plot([p[0] for p in pts], [1000 * p[1] for p in pts], **style)
        ax.set(xlabel="proofs in the run", ylabel="milliseconds per proof (wall)", xscale="log")
        ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        ax.set_xticks(sorted({int(r["requests"]) for r in rows}))
        ax.set_xticklabels([str(v) for v in sorted({int(r["requests"]) for r in rows})])
        ax.set_ylim(bottom=0)
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=8)
        depths = sorted({r["depth"] for r in rows})
        ax.set_title(f"Approval at depth {', '.join(depths)}: time per proof against batch size", fontsize=10)
        fig.text(0.5, 0.005, stamp(rows), ha="center", fontsize=7, color="#57606a")
        fig.tight_layout(rect=(0, 0.03, 1, 1))
        fig.savefig(out_dir / "batch.png", dpi=110)
        plt.close(fig)
        print(f"wrote {out_dir / 'batch.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))
