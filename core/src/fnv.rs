//! A fast, deterministic hasher for maps keyed by small integers or short names (node indices,
//! node names and ids): FNV-1a over bytes, one multiplication for a `usize`. The keys are the
//! user's own workspace, so there is no untrusted party to flood a bucket; SipHash, the
//! default, showed in the profiles of wide fan-outs and big graph layouts.
//!
//! **Architecture Invariant:** no random state — the same keys hash the same on every run and
//! target (maps keyed by it are still never iterated where order would show in the output).

use std::collections::{HashMap, HashSet};
use std::hash::BuildHasherDefault;

/// A `HashMap` hashed by [`IndexHasher`].
pub(crate) type FnvMap<K, V> = HashMap<K, V, BuildHasherDefault<IndexHasher>>;

/// A `HashSet` hashed by [`IndexHasher`].
pub(crate) type FnvSet<K> = HashSet<K, BuildHasherDefault<IndexHasher>>;

/// Hashes a `usize` by one multiplication (Fibonacci hashing) and bytes by FNV-1a.
#[derive(Default)]
pub(crate) struct IndexHasher(u64);

impl std::hash::Hasher for IndexHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // FNV's offset basis to start from, not the default 0.
        let h = if self.0 == 0 { FNV_OFFSET } else { self.0 };
        self.0 = fnv1a(h, bytes);
    }
    fn write_usize(&mut self, n: usize) {
        // A lone `usize` hashes to `n · φ`; a tuple mixes in each field after the first.
        self.0 = (self.0.rotate_left(26) ^ n as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// FNV-1a of a string.
pub(crate) fn fnv64(s: &str) -> u64 {
    fnv1a(FNV_OFFSET, s.as_bytes())
}

/// FNV-1a over `bytes`, from `h`.
fn fnv1a(h: u64, bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .fold(h, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3))
}
