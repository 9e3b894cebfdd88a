#!/usr/bin/python3
"""Compares two logits files written by `qwenvk logits --out` ([positions, vocab] float32 .npy):

    compare-logits.py REFERENCE.npy OTHER.npy

prints the NMSE of OTHER against REFERENCE (sum of squared differences over sum of squares) and how many positions
pick the same greedy token, as one JSON line. Needs numpy (Debian: python3-numpy).
"""
import json, sys
import numpy as np

ref, other = (np.load(p).astype(np.float64) for p in sys.argv[1:3])
if ref.shape != other.shape:
    sys.exit(f"error: shapes differ: {ref.shape} vs {other.shape}")
nmse = float(((other - ref) ** 2).sum() / (ref ** 2).sum())
same = int((ref.argmax(-1) == other.argmax(-1)).sum())
top2 = np.sort(ref, -1)[:, -2:]
print(json.dumps({"nmse": nmse, "greedy_same": same, "positions": int(ref.shape[0]),
                  "smallest_top2_gap": float((top2[:, 1] - top2[:, 0]).min())}))
