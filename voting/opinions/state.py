"""What the pipeline remembers between updates, and its serialisation."""

import io
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TypeVar

import numpy as np
from numpy.typing import NDArray

from voting.opinions.groups import KSmoother
from voting.opinions.kmeans import Membership
from voting.opinions.tallies import Tallies

Ints = NDArray[np.int64]
Floats = NDArray[np.float64]

FORMAT = 1
T = TypeVar("T", bound=np.generic)


def _narrow(array: NDArray[np.generic]) -> NDArray[np.generic]:
    """``array`` as the narrowest of int8, int16 and int32 its values fit in when it is int64:
    ids, labels and counts take a half to an eighth of the bytes to compress and store;
    ``from_bytes`` widens them back."""
    if array.dtype != np.int64 or array.size == 0:
        return array
    low, high = int(array.min()), int(array.max())
    for narrow in (np.int8, np.int16, np.int32):
        if np.iinfo(narrow).min <= low and high <= np.iinfo(narrow).max:
            return array.astype(narrow)
    return array


def _align(ids: Ints, values: NDArray[T], wanted: Ints, fill: float) -> NDArray[T]:
    """Values of ``ids`` (last axis) rearranged onto ``wanted``; ``fill`` for unknown ids."""
    order = np.argsort(ids)
    known = ids[order]
    result: NDArray[T] = np.full((*values.shape[:-1], wanted.size), fill, dtype=values.dtype)
    if known.size == 0:
        return result
    where = np.minimum(np.searchsorted(known, wanted), known.size - 1)
    hit = known[where] == wanted
    result[..., hit] = values[..., order[where[hit]]]
    return result


@dataclass(frozen=True)
class OpinionState:
    """The history Pol.is keeps between updates, so a live round behaves like Pol.is.

    Attributes:
        clustered: (m,) ids of the clustered participants (the sticky set).
        statement_ids: (n_s,) ids of the columns of ``components`` and ``group_votes``.
        components: (2, n_s) principal axes (warm start and sign reference).
        base: participant id -> base cluster id of the base clustering.
        groups: for every k computed, base cluster id -> group id of that clustering.
        smoother: the k smoother's memory.
        group_votes: (1, n_s) agree/disagree/seen of the clustered participants summed over
            groups, used by the next update's priorities.
        shown: participant id -> group label shown, which the next update's labels follow.
        since_fresh: updates since the last one whose clusterings started afresh.
    """

    clustered: Ints = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    statement_ids: Ints = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    components: Floats = field(default_factory=lambda: np.zeros((2, 0)))
    base: Membership = field(
        default_factory=lambda: Membership(np.zeros(0, np.int64), np.zeros(0, np.int64))
    )
    groups: Mapping[int, Membership] = field(default_factory=dict)
    smoother: KSmoother = field(default_factory=KSmoother)
    group_votes: Tallies = field(
        default_factory=lambda: Tallies(*(np.zeros((1, 0), dtype=np.int64) for _ in range(3)))
    )
    shown: Membership = field(
        default_factory=lambda: Membership(np.zeros(0, np.int64), np.zeros(0, np.int64))
    )
    since_fresh: int = 0

    def aligned_components(self, statement_ids: Ints) -> Floats:
        """(2, n) components on ``statement_ids``, 0 for statements new since."""
        return _align(self.statement_ids, self.components, statement_ids, 0.0)

    def aligned_group_votes(self, statement_ids: Ints) -> Tallies:
        """(1, n) previous group vote totals on ``statement_ids``, 0 for new statements."""
        v = self.group_votes
        return Tallies(
            *(
                _align(self.statement_ids, a, statement_ids, 0)
                for a in (v.agree, v.disagree, v.seen)
            )
        )

    def to_bytes(self) -> bytes:
        """Serialise to an ``.npz`` archive (no pickle), for storage beside a snapshot."""
        arrays: dict[str, NDArray[np.generic]] = {
            "format": np.array([FORMAT]),
            "clustered": self.clustered,
            "statement_ids": self.statement_ids,
            "components": self.components,
            # Base clusters and shown labels are normally about the clustered participants, in
            # their order: their ids are then stored once (``shared_points``).
            "shared_points": np.array(
                [
                    np.array_equal(self.base.point_ids, self.clustered),
                    np.array_equal(self.shown.point_ids, self.clustered),
                ],
                dtype=np.int8,
            ),
            "base_clusters": self.base.cluster_ids,
            "smoother": np.array(
                [self.smoother.last_k, self.smoother.last_k_count, self.smoother.smoothed_k]
            ),
            "votes": np.concatenate(
                [self.group_votes.agree, self.group_votes.disagree, self.group_votes.seen]
            ),
            "shown_groups": self.shown.cluster_ids,
            "since_fresh": np.array([self.since_fresh]),
        }
        if not arrays["shared_points"][0]:
            arrays["base_points"] = self.base.point_ids
        if not arrays["shared_points"][1]:
            arrays["shown_points"] = self.shown.point_ids
        for k, m in self.groups.items():
            arrays[f"group_{k}_points"] = m.point_ids
            arrays[f"group_{k}_clusters"] = m.cluster_ids
        buffer = io.BytesIO()
        # What np.savez_compressed writes, at the fastest deflate level: at the default level
        # compressing a 33k-participant state took most of a live update's time.
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
            for name, array in arrays.items():
                with archive.open(f"{name}.npy", "w", force_zip64=True) as member:
                    np.save(member, _narrow(array), allow_pickle=False)
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> "OpinionState":
        """Inverse of ``to_bytes``. Raises ValueError on a foreign or damaged archive.

        Archives written before the shown labels were kept read as no labels shown and no
        update since a fresh one; archives without ``shared_points`` hold every id array."""
        try:
            with np.load(io.BytesIO(data), allow_pickle=False) as archive:
                a = {name: archive[name] for name in archive.files}
        except (OSError, EOFError, KeyError, ValueError, zipfile.BadZipFile) as error:
            raise ValueError(f"not an opinion state archive: {error}") from error
        if "format" not in a or int(a["format"][0]) != FORMAT:
            raise ValueError("unknown opinion state format")
        ks = sorted(
            int(name.split("_")[1])
            for name in a
            if name.endswith("_points") and name.startswith("group_")
        )
        last_k, count, shown = (int(x) for x in a["smoother"])
        votes = a["votes"].astype(np.int64)
        clustered = a["clustered"].astype(np.int64)
        shared_base, shared_shown = a.get("shared_points", np.zeros(2, np.int8)).tolist()
        return cls(
            clustered=clustered,
            statement_ids=a["statement_ids"].astype(np.int64),
            components=a["components"].astype(np.float64),
            base=Membership(
                clustered.copy() if shared_base else a["base_points"].astype(np.int64),
                a["base_clusters"].astype(np.int64),
            ),
            groups={
                k: Membership(
                    a[f"group_{k}_points"].astype(np.int64),
                    a[f"group_{k}_clusters"].astype(np.int64),
                )
                for k in ks
            },
            smoother=KSmoother(last_k, count, shown),
            group_votes=Tallies(votes[0:1], votes[1:2], votes[2:3]),
            shown=Membership(
                clustered.copy()
                if shared_shown
                else a.get("shown_points", np.zeros(0)).astype(np.int64),
                a.get("shown_groups", np.zeros(0)).astype(np.int64),
            ),
            since_fresh=int(a.get("since_fresh", np.zeros(1))[0]),
        )
