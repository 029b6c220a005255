"""Geometry of the opinion map picture, computed on the server (the template draws the SVG).

Points are scaled into a square view box with a margin. Up to ``MAX_POINTS`` participants are
drawn one by one; beyond that they are aggregated into a hexagonal bin layer (each hexagon
coloured by its majority group, its opacity growing with its count). Each group is outlined by
the convex hull of its members' positions and labelled with its letter at their mean position.
The viewer is marked only once placed in a group.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.spatial import ConvexHull, QhullError

SIZE = 400.0
MARGIN = 20.0
MAX_POINTS = 1500
HEX_RADIUS = 9.0
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00")
UNGROUPED = "#8a8a8a"


@dataclass(frozen=True)
class Dot:
    x: float
    y: float
    colour: str


@dataclass(frozen=True)
class Hexagon:
    points: str
    colour: str
    opacity: float
    count: int


@dataclass(frozen=True)
class Region:
    group: int
    points: str
    colour: str


@dataclass(frozen=True)
class GroupLabel:
    """A group's letter drawn at ``(x, y)``, the mean position of its members."""

    name: str
    x: float
    y: float
    colour: str


@dataclass(frozen=True)
class MapPicture:
    size: float
    dots: tuple[Dot, ...]
    hexagons: tuple[Hexagon, ...]
    regions: tuple[Region, ...]
    labels: tuple[GroupLabel, ...]
    viewer: Dot | None


def group_colour(group: int | None) -> str:
    return UNGROUPED if group is None else PALETTE[group % len(PALETTE)]


def group_name(group: int) -> str:
    """Groups are shown as letters: A, B, C..."""
    return chr(ord("A") + group)


def _scale(xy: NDArray[np.float64]) -> NDArray[np.float64]:
    if xy.size == 0:
        return xy
    low, high = xy.min(axis=0), xy.max(axis=0)
    span = float(max((high - low).max(), 1e-9))
    middle = (low + high) / 2
    inner = SIZE - 2 * MARGIN
    scaled = (xy - middle) / span * inner + SIZE / 2
    scaled[:, 1] = SIZE - scaled[:, 1]
    return np.round(scaled, 1)


def _hexagon(cx: float, cy: float) -> str:
    corners = (
        (cx + HEX_RADIUS * math.cos(math.pi / 6 + i * math.pi / 3),
         cy + HEX_RADIUS * math.sin(math.pi / 6 + i * math.pi / 3))
        for i in range(6)
    )  # fmt: skip
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in corners)


def _hexbin(xy: NDArray[np.float64], groups: NDArray[np.int64]) -> tuple[Hexagon, ...]:
    """Pointy-top hexagonal bins of radius ``HEX_RADIUS``; each point goes to its nearest centre."""
    width = math.sqrt(3) * HEX_RADIUS
    height = 1.5 * HEX_RADIUS
    rows = np.round(xy[:, 1] / height).astype(np.int64)
    cols = np.round((xy[:, 0] - (rows % 2) * width / 2) / width).astype(np.int64)
    unique, inverse, counts = np.unique(
        np.column_stack([rows, cols]), axis=0, return_inverse=True, return_counts=True
    )
    inverse = inverse.reshape(-1)
    n_groups = int(groups.max()) + 2 if groups.size else 1
    votes = np.zeros((unique.size, n_groups), dtype=np.int64)
    np.add.at(votes, (inverse, groups + 1), 1)
    top = counts.max() if counts.size else 1
    hexagons = []
    for i, (row, col) in enumerate(unique.tolist()):
        cx = col * width + (row % 2) * width / 2
        cy = row * height
        majority = int(np.argmax(votes[i])) - 1
        hexagons.append(
            Hexagon(
                points=_hexagon(cx, cy),
                colour=group_colour(None if majority < 0 else majority),
                opacity=round(0.25 + 0.75 * math.sqrt(counts[i] / top), 2),
                count=int(counts[i]),
            )
        )
    return tuple(hexagons)


def _regions(xy: NDArray[np.float64], groups: NDArray[np.int64], k: int) -> tuple[Region, ...]:
    regions = []
    for g in range(k):
        members = np.unique(xy[groups == g], axis=0)
        if len(members) < 3:
            continue
        try:
            hull = ConvexHull(members)
        except QhullError:
            continue
        outline = " ".join(f"{x:.1f},{y:.1f}" for x, y in members[hull.vertices])
        regions.append(Region(group=g, points=outline, colour=group_colour(g)))
    return tuple(regions)


def _labels(xy: NDArray[np.float64], groups: NDArray[np.int64], k: int) -> tuple[GroupLabel, ...]:
    labels = []
    for g in range(k):
        members = xy[groups == g]
        if len(members):
            x, y = members.mean(axis=0)
            labels.append(
                GroupLabel(group_name(g), round(float(x), 1), round(float(y), 1), group_colour(g))
            )
    return tuple(labels)


def map_picture(participants: dict[str, list[Any]], k: int, viewer_id: int | None) -> MapPicture:
    """The picture of a snapshot document's ``participants`` block, ``viewer_id`` marked if
    that participant is placed in a group."""
    xy = _scale(np.column_stack([participants["x"], participants["y"]]).astype(np.float64))
    groups = np.array([-1 if g is None else g for g in participants["group"]], dtype=np.int64)
    viewer = None
    if viewer_id is not None and viewer_id in participants["ids"]:
        i = participants["ids"].index(viewer_id)
        if participants["group"][i] is not None:
            viewer = Dot(float(xy[i, 0]), float(xy[i, 1]), group_colour(participants["group"][i]))
    many = len(xy) > MAX_POINTS
    dots = () if many else tuple(
        Dot(float(x), float(y), group_colour(None if g < 0 else int(g)))
        for (x, y), g in zip(xy, groups, strict=True)
    )  # fmt: skip
    return MapPicture(
        size=SIZE,
        dots=dots,
        hexagons=_hexbin(xy, groups) if many else (),
        regions=_regions(xy, groups, k) if len(xy) else (),
        labels=_labels(xy, groups, k) if len(xy) else (),
        viewer=viewer,
    )
