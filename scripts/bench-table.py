#!/usr/bin/env python3
"""The README's performance table, from a bench report (bench/results/latest.json).

Usage: python3 scripts/bench-table.py [bench/results/latest.json] > table.md
One row per measure: the product's median, its ratio to the peer, the target and whether it was
met; `bench/results/latest.md` has the min-max, the notes and what was tried for each miss.
"""
import json
import sys


def figure(value, unit):
    if unit == "bytes":
        return f"{value / 1000:.1f} KB"
    if unit == "ms":
        return f"{value:.3g} ms" if value < 100 else f"{value:.0f} ms"
    if unit == "frames/s":
        return f"{value / 1000:.1f}k frames/s"
    return f"{value:.3g} {unit}"


def row(m):
    product = figure(m["product"]["median"], m["unit"]) if m.get("product") else "—"
    ratio = f"{m['ratio']['median']:.2f}×" if m.get("ratio") else "—"
    if not m["valid"]:
        met = "invalid (busy)"
    elif m["met"] is None:
        met = "—"
    else:
        met = "met" if m["met"] else "**not met**"
    cells = [m["id"], m["workload"], product, ratio, m["target"], met]
    return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "bench/results/latest.json"
    with open(path) as f:
        report = json.load(f)
    print("| id | workload | product | ÷ peer | target | |")
    print("|---|---|---|---|---|---|")
    for m in report["measures"]:
        print(row(m))


if __name__ == "__main__":
    main()
