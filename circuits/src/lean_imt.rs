//! The Lean incremental Merkle tree with Poseidon(2), as `@zk-kit/lean-imt`.
//!
//! Reference: <https://github.com/privacy-scaling-explorations/zk-kit/tree/main/packages/lean-imt>
//! (npm release pinned in `scripts/package-lock.json`); Semaphore v4 groups are such trees,
//! so every Semaphore group is a valid approver set ([DESIGN §2][design]).
//!
//! A node without a right sibling is carried up unchanged (no hash, no padding), so the
//! depth is `⌈log2(size)⌉` and a proof skips the levels where the node had no sibling:
//! its `siblings` are the siblings that exist and bit j of its compressed `index` says
//! whether the node was the right child at the j-th of them. Removing a member sets its
//! leaf to 0, as Semaphore's `Group.removeMember`.
//!
//! [design]: https://github.com/veil-zk/veil/blob/main/DESIGN.md

pub mod constraints;

use ark_ff::Zero;

use crate::{poseidon::hash2, CircuitError, Fr};

/// A Lean IMT: `nodes[0]` are the leaves, `nodes[depth]` holds the root.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LeanImt {
    nodes: Vec<Vec<Fr>>,
}

/// A membership proof as `LeanIMT.generateProof` returns it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MerkleProof {
    /// The root the proof leads to.
    pub root: Fr,
    /// The leaf proven.
    pub leaf: Fr,
    /// The compressed index: bit j is 1 when the node is the right child at `siblings[j]`.
    pub index: u64,
    /// The siblings that exist on the path, bottom up.
    pub siblings: Vec<Fr>,
}

impl LeanImt {
    /// An empty tree.
    #[must_use]
    pub fn new() -> Self {
        Self { nodes: vec![Vec::new()] }
    }

    /// A tree holding `leaves`, in order.
    #[must_use]
    pub fn from_leaves(leaves: impl IntoIterator<Item = Fr>) -> Self {
        let mut tree = Self::new();
        tree.insert_many(leaves);
        tree
    }

    /// The number of leaves (removed members count: their leaf is 0).
    #[must_use]
    pub fn size(&self) -> usize {
        self.nodes[0].len()
    }

    /// The depth `⌈log2(size)⌉` (0 for zero or one leaf).
    #[must_use]
    pub fn depth(&self) -> usize {
        self.nodes.len() - 1
    }

    /// The root, or `None` for an empty tree.
    #[must_use]
    pub fn root(&self) -> Option<Fr> {
        self.nodes[self.depth()].first().copied()
    }

    /// The leaves, in order.
    #[must_use]
    pub fn leaves(&self) -> &[Fr] {
        &self.nodes[0]
    }

    /// The index of the first leaf equal to `leaf`.
    #[must_use]
    pub fn index_of(&self, leaf: &Fr) -> Option<usize> {
        self.nodes[0].iter().position(|l| l == leaf)
    }

    /// Appends a leaf.
    pub fn insert(&mut self, leaf: Fr) {
        self.nodes[0].push(leaf);
        self.rebuild_path(self.size() - 1);
    }

    /// Appends many leaves, hashing each level once.
    pub fn insert_many(&mut self, leaves: impl IntoIterator<Item = Fr>) {
        let mut all = std::mem::take(&mut self.nodes[0]);
        all.extend(leaves);
        self.nodes = vec![all];
        while self.nodes.last().is_some_and(|level| level.len() > 1) {
            let below = self.nodes.last().expect("non-empty");
            let next = below.chunks(2).map(|p| if p.len() == 2 { hash2(p[0], p[1]) } else { p[0] }).collect();
            self.nodes.push(next);
        }
    }

    /// Replaces the leaf at `index`.
    ///
    /// # Errors
    /// [`CircuitError::IndexOutOfRange`] past the last leaf.
    pub fn update(&mut self, index: usize, leaf: Fr) -> Result<(), CircuitError> {
        if index >= self.size() {
            return Err(CircuitError::IndexOutOfRange { index, size: self.size() });
        }
        self.nodes[0][index] = leaf;
        self.rebuild_path(index);
        Ok(())
    }

    /// Removes the member at `index` by setting its leaf to 0 (Semaphore's `removeMember`).
    ///
    /// # Errors
    /// [`CircuitError::IndexOutOfRange`] past the last leaf.
    pub fn remove(&mut self, index: usize) -> Result<(), CircuitError> {
        self.update(index, Fr::zero())
    }

    /// The proof for the leaf at `index`, as `generateProof`.
    ///
    /// # Errors
    /// [`CircuitError::IndexOutOfRange`] past the last leaf.
    pub fn proof(&self, index: usize) -> Result<MerkleProof, CircuitError> {
        if index >= self.size() {
            return Err(CircuitError::IndexOutOfRange { index, size: self.size() });
        }
        let mut siblings = Vec::with_capacity(self.depth());
        let mut path = 0u64;
        let mut i = index;
        for level in 0..self.depth() {
            let sibling = self.nodes[level].get(i ^ 1);
            if let Some(s) = sibling {
                path |= ((i & 1) as u64) << siblings.len();
                siblings.push(*s);
            }
            i >>= 1;
        }
        Ok(MerkleProof { root: self.root().expect("non-empty"), leaf: self.nodes[0][index], index: path, siblings })
    }

    /// Recomputes the nodes above leaf `index`, growing the tree by a level when needed.
    fn rebuild_path(&mut self, index: usize) {
        let size = self.size();
        let depth = if size <= 1 { 0 } else { (usize::BITS - (size - 1).leading_zeros()) as usize };
        while self.depth() < depth {
            self.nodes.push(Vec::new());
        }
        let mut node = self.nodes[0][index];
        let mut i = index;
        for level in 0..depth {
            if i & 1 == 1 {
                node = hash2(self.nodes[level][i - 1], node);
            } else if let Some(right) = self.nodes[level].get(i + 1) {
                node = hash2(node, *right);
            }
            i >>= 1;
            let above = &mut self.nodes[level + 1];
            if i < above.len() {
                above[i] = node;
            } else {
                above.push(node);
            }
        }
    }
}

impl MerkleProof {
    /// The root that `leaf` and this proof's path lead to.
    #[must_use]
    pub fn compute_root(&self, leaf: Fr) -> Fr {
        self.siblings.iter().enumerate().fold(leaf, |node, (j, s)| {
            if self.index >> j & 1 == 1 {
                hash2(*s, node)
            } else {
                hash2(node, *s)
            }
        })
    }

    /// Whether the proof leads from its leaf to its root (`LeanIMT.verifyProof`).
    #[must_use]
    pub fn verify(&self) -> bool {
        self.siblings.len() < 64 && self.index >> self.siblings.len() == 0 && self.compute_root(self.leaf) == self.root
    }
}

#[cfg(test)]
mod tests;
