//! CRC32C (Castagnoli), which Google Cloud KMS uses to check digests and signatures
//! end to end. Bitwise: it runs over 32 and 256 bytes per JWT, so a table is not worth
//! its 1 KiB.

/// The CRC32C of `data`.
pub fn crc32c(data: &[u8]) -> u32 {
    // Reflected polynomial 0x1EDC6F41.
    const POLY: u32 = 0x82F6_3B78;
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = (crc >> 1) ^ (POLY & 0u32.wrapping_sub(crc & 1));
        }
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_value_and_recorded_digest() {
        assert_eq!(crc32c(b"123456789"), 3_808_858_755);
        assert_eq!(crc32c(b""), 0);
        // The SHA-256 of the reference signing input, whose CRC32C google-crc32c computed.
        let digest = ring::digest::digest(
            &ring::digest::SHA256,
            crate::kms::spki::SIGNING_INPUT.as_bytes(),
        );
        assert_eq!(crc32c(digest.as_ref()), 1_627_050_769);
    }
}
