"""Draws docs/bench-readiness.png and docs/bench-throughput.png from docs/benchmarks.json."""
import json
import pathlib
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

docs = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "docs")
results = json.loads((docs / "benchmarks.json").read_text())
names = {"a": "(a) Rust std::net", "b": "(b) native CPython", "d": "(d) CPython on pysock",
         "e": "(e) CPython on wasi:sockets"}

fig, ax = plt.subplots(figsize=(7, 4.5))
for mechanism in ("select", "poll", "epoll"):
    for subject, values in results.get(f"readiness wait, {mechanism}, N idle (µs)", {}).items():
        points = list(zip(values[0::2], values[1::2]))
        ax.plot([p[0] for p in points], [p[1] for p in points], marker="o",
                linestyle="-" if subject == "d" else "--", label=f"{mechanism}, {names[subject]}")
ax.set_xscale("log")
ax.set_yscale("log")
ax.set_xlabel("idle registered sockets (N), one active")
ax.set_ylabel("one wait (µs, median)")
ax.set_title("Readiness wait cost against N")
ax.legend(fontsize=8)
fig.tight_layout()
fig.savefig(docs / "bench-readiness.png", dpi=110)

sections = [s for s in results if s.startswith("throughput")]
fig, ax = plt.subplots(figsize=(7, 4.5))
width = 0.8 / max(len(sections), 1)
subjects = sorted({s for sec in sections for s in results[sec]})
for i, section in enumerate(sections):
    xs = [j + i * width for j in range(len(subjects))]
    ax.bar(xs, [results[section].get(s, [0])[0] for s in subjects], width, label=section)
ax.set_xticks([j + width * (len(sections) - 1) / 2 for j in range(len(subjects))])
ax.set_xticklabels([names[s] for s in subjects], rotation=15, fontsize=8)
ax.set_ylabel("MiB/s")
ax.set_title("Bulk TCP throughput on loopback")
ax.legend(fontsize=8)
fig.tight_layout()
fig.savefig(docs / "bench-throughput.png", dpi=110)
print("wrote", docs / "bench-readiness.png", "and", docs / "bench-throughput.png")
