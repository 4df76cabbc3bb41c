"""Merkle inclusion proofs (RFC 6962 audit paths) over a seal's leaves, for the evidence pack.

The tree is the one `evidence.crypto.merkle_root` computes: levels built pairwise, a lone node
at the end of a level goes up as is (RFC 6962's largest-power-of-two split gives the same
tree). A proof is the siblings from the leaf up, skipping levels where the node is alone; it
is checked with RFC 9162 §2.1.3.2 (`scripts/verify_pack.py`, `proof_root` below).
"""

import hashlib
from collections.abc import Sequence

from evidence.crypto import NODE_PREFIX


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


class MerkleTree:
    """Every level of one seal's tree, built once, so each of its rows' proofs is log n."""

    def __init__(self, leaves: Sequence[bytes]) -> None:
        self.size = len(leaves)
        self.levels: list[list[bytes]] = [list(leaves)]
        while len(self.levels[-1]) > 1:
            below = self.levels[-1]
            above = [_node(below[i], below[i + 1]) for i in range(0, len(below) - 1, 2)]
            if len(below) % 2:
                above.append(below[-1])
            self.levels.append(above)

    @property
    def root(self) -> bytes:
        return self.levels[-1][0] if self.size else hashlib.sha256(b"").digest()

    def proof(self, index: int) -> list[bytes]:
        """The audit path of leaf `index`, from the leaf's sibling up to the root's child."""
        path = []
        for level in self.levels[:-1]:
            sibling = index ^ 1
            if sibling < len(level):
                path.append(level[sibling])
            index //= 2
        return path


def proof_root(*, leaf: bytes, index: int, size: int, path: Sequence[bytes]) -> bytes | None:
    """The root an audit path leads to (RFC 9162 §2.1.3.2), or None if it cannot fit a tree
    of `size` leaves."""
    if index >= size:
        return None
    fn, sn, node = index, size - 1, leaf
    for sibling in path:
        if sn == 0:
            return None
        if fn % 2 == 1 or fn == sn:
            node = _node(sibling, node)
            while fn % 2 == 0 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            node = _node(node, sibling)
        fn, sn = fn >> 1, sn >> 1
    return node if sn == 0 else None
