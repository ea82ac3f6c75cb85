//! A content key for anything that derives `Hash`: SHA-256 behind the
//! `std::hash::Hasher` interface, cut to 128 bits. Used where a key is
//! stored and compared across builds (the page manifest), so a collision
//! would reuse a wrong page: 64-bit SipHash would do for a map, not here.
//!
//! A key is only ever compared with keys written by the same proofbook
//! binary (the binary's identity is part of every site key), so the byte
//! layout `Hash` feeds in need not be stable across Rust versions.

use std::fmt;
use std::hash::{Hash, Hasher};

use sha2::{Digest as _, Sha256};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key(pub [u8; 16]);

impl Key {
    pub fn of(value: &impl Hash) -> Key {
        let mut h = KeyHasher::default();
        value.hash(&mut h);
        h.key()
    }

    pub fn parse(hex: &str) -> Option<Key> {
        if hex.len() != 32 || !hex.is_ascii() {
            return None;
        }
        let mut out = [0u8; 16];
        for (i, byte) in out.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok()?;
        }
        Some(Key(out))
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

#[derive(Default, Clone)]
pub struct KeyHasher(Sha256);

impl KeyHasher {
    pub fn key(self) -> Key {
        let full = self.0.finalize();
        let mut out = [0u8; 16];
        out.copy_from_slice(&full[..16]);
        Key(out)
    }
}

impl Hasher for KeyHasher {
    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    /// A 64-bit view, for `Hasher`'s sake; keys come from `key`.
    fn finish(&self) -> u64 {
        let full = self.0.clone().finalize();
        u64::from_le_bytes(full[..8].try_into().expect("8 bytes"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_tell_values_apart_and_round_trip_as_hex() {
        let a = Key::of(&("page", 1u32));
        assert_eq!(a, Key::of(&("page", 1u32)));
        assert_ne!(a, Key::of(&("page", 2u32)));
        // `Hash` for tuples of strings is prefix-free: ("ab","c") != ("a","bc").
        assert_ne!(Key::of(&("ab", "c")), Key::of(&("a", "bc")));
        assert_eq!(Key::parse(&a.to_string()), Some(a));
        assert_eq!(Key::parse("zz"), None);
        assert_eq!(Key::parse(&"g".repeat(32)), None);
    }
}
