//! Record ids: 18-character Salesforce ids (key prefix, pod, serial, case-safe suffix) and the
//! short `X-1a2b3c` ids of the renewals files.
//!
//! Salesforce ids are sequential in creation order within an org, so the generator hands out
//! serials in that order; the suffix follows FORMATS.md §2.5 so the ids pass a checksum test.

/// Key prefixes (FORMATS.md §2.5).
pub const PREFIX_ACCOUNT: &str = "001";
pub const PREFIX_USER: &str = "005";
pub const PREFIX_OPPORTUNITY: &str = "006";
pub const PREFIX_OPPORTUNITY_HISTORY: &str = "008";
pub const PREFIX_USER_ROLE: &str = "00E";

/// The id Salesforce exports for an empty lookup.
pub const EMPTY_LOOKUP_ID: &str = "000000000000000AAA";

const BASE62_ALPHABET: &[u8; 62] =
    b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const SUFFIX_ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";
const POD: &str = "Lq";

/// An 18-character id: prefix (3) + pod (2) + `0` + serial in base 62 (9) + suffix (3).
pub fn salesforce_id(prefix: &str, serial: u64) -> String {
    let mut id15 = String::with_capacity(18);
    id15.push_str(prefix);
    id15.push_str(POD);
    id15.push('0');
    let mut digits = [b'0'; 9];
    let mut remaining = serial;
    for slot in digits.iter_mut().rev() {
        *slot = BASE62_ALPHABET[(remaining % 62) as usize];
        remaining /= 62;
    }
    id15.extend(digits.iter().map(|&digit| digit as char));
    let suffix = case_safe_suffix(id15.as_bytes());
    id15.push_str(&suffix);
    id15
}

/// The 3-character suffix that makes a 15-character id case-insensitive.
pub fn case_safe_suffix(id15: &[u8]) -> String {
    let mut suffix = String::with_capacity(3);
    for chunk in id15.chunks(5).take(3) {
        let mut bits = 0usize;
        for (position, byte) in chunk.iter().enumerate() {
            if byte.is_ascii_uppercase() {
                bits |= 1 << position;
            }
        }
        suffix.push(SUFFIX_ALPHABET[bits] as char);
    }
    suffix
}

/// A short id like `S-8cec59`: `index` scrambled by a bijection on `hex_digits * 4` bits, so ids
/// look random but never collide while `index < 16^hex_digits`.
pub fn short_hex_id(prefix: &str, index: u64, hex_digits: u32, salt: u64) -> String {
    let bits = hex_digits * 4;
    let mask = if bits >= 64 {
        u64::MAX
    } else {
        (1u64 << bits) - 1
    };
    let mut value = (index ^ salt) & mask;
    value = value.wrapping_mul(0x9E37_79B9_7F4A_7C15 | 1) & mask;
    value ^= value >> (bits / 2);
    value = value.wrapping_mul(0xD6E8_FEB8_6659_FD93 | 1) & mask;
    value ^= value >> (bits / 3).max(1);
    format!("{prefix}-{value:0width$x}", width = hex_digits as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suffix_matches_real_ids() {
        for real in [
            "006Hp000015Yh7kIAC",
            "006bm00000LKJNNAA5",
            "0088a00003nB50ZAAS",
            "006Ec00000AieKFIAZ",
        ] {
            assert_eq!(case_safe_suffix(&real.as_bytes()[..15]), &real[15..]);
        }
    }

    #[test]
    fn short_ids_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for index in 0..100_000 {
            assert!(seen.insert(short_hex_id("U", index, 6, 42)));
        }
    }
}
