"""Identifiers: random but reproducible, drawn from the caller's generator."""

from __future__ import annotations

import numpy as np


def uuids(rng: np.random.Generator, n: int) -> list[str]:
    """`n` UUID-formatted (version 4 layout) random identifiers."""
    if n == 0:
        return []
    raw = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80
    hexes = raw.tobytes().hex()
    return [
        f"{hexes[i : i + 8]}-{hexes[i + 8 : i + 12]}-{hexes[i + 12 : i + 16]}-"
        f"{hexes[i + 16 : i + 20]}-{hexes[i + 20 : i + 32]}"
        for i in range(0, 32 * n, 32)
    ]


def prefixed_ids(rng: np.random.Generator, prefix: str, n: int, width: int = 10) -> list[str]:
    """`n` distinct identifiers `prefix` + `width` hex digits."""
    values = rng.choice(16**width, size=n, replace=False)
    return [f"{prefix}{v:0{width}x}" for v in values.tolist()]
