"""Vote counts per group of participants and statement."""

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from voting.opinions.inputs import AGREE, DISAGREE, PASS
from voting.opinions.matrix import VoteMatrix

Ints = NDArray[np.int64]


@dataclass(frozen=True)
class Tallies:
    """Counts of the last votes, per group (rows) and statement (columns).

    Attributes:
        agree, disagree, seen: (n_groups, n_s) int64; ``seen`` counts every vote, passes included.
    """

    agree: Ints
    disagree: Ints
    seen: Ints

    @property
    def passes(self) -> Ints:
        """(n_groups, n_s) pass counts."""
        return self.seen - self.agree - self.disagree

    def rows(self, which: slice) -> "Tallies":
        """The tallies of the groups in ``which``."""
        return Tallies(self.agree[which], self.disagree[which], self.seen[which])

    def total(self) -> "Tallies":
        """The (1, n_s) sums over all groups."""
        return Tallies(
            self.agree.sum(axis=0, keepdims=True),
            self.disagree.sum(axis=0, keepdims=True),
            self.seen.sum(axis=0, keepdims=True),
        )


def tally(matrix: VoteMatrix, label: Ints, n_groups: int) -> Tallies:
    """Count the raw votes (moderation ignored) of every group.

    Args:
        label: (n_p,) group index in 0 .. n_groups - 1 of every participant, -1 for none.
    Cost O(nnz): one ``bincount`` over (group, statement, vote) codes.
    """
    n_s = matrix.shape[1]
    # Participants without a group are counted in an extra group, then dropped.
    offset = np.where(label >= 0, label, n_groups) * (3 * n_s)
    code = np.repeat(offset, matrix.votes_per_participant)
    code += matrix.cell_code
    counts = np.bincount(code, minlength=3 * (n_groups + 1) * n_s)
    counts = counts[: 3 * n_groups * n_s].reshape(n_groups, n_s, 3)
    agree = counts[..., AGREE - DISAGREE].astype(np.int64)
    disagree = counts[..., 0].astype(np.int64)
    return Tallies(agree, disagree, agree + disagree + counts[..., PASS - DISAGREE])
