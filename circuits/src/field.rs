//! Field elements and 256-bit integers as canonical decimal text: the one rule every veil
//! file and flag follows ([DESIGN §2.1][design]). Canonical means ASCII digits only, no
//! sign, no leading zero (`"0"` for zero), and, for a field element, a value below the
//! modulus: nothing is reduced, so every value has exactly one spelling.
//!
//! The errors describe the value; callers add the file and field it came from.
//!
//! [design]: https://github.com/veil-zk/veil/blob/main/DESIGN.md#21-field

use ark_ff::{BigInt, PrimeField};
use thiserror::Error;

/// Why a text is not a canonical decimal of the kind asked for.
#[derive(Debug, Error, PartialEq, Eq, Clone)]
pub enum DecimalError {
    /// Empty, or something other than ASCII digits (a sign, spaces, hex, an exponent).
    #[error("{0:?} is not a decimal integer (digits only, as a JSON string)")]
    NotDecimal(String),
    /// More than one digit with a leading `0`.
    #[error("{0:?} has a leading zero (write integers in canonical decimal)")]
    LeadingZero(String),
    /// 2²⁵⁶ or more.
    #[error("{0} does not fit in 256 bits")]
    TooLarge(String),
    /// Not below the field's modulus.
    #[error("{0} is not below the field modulus")]
    NotInField(String),
}

/// A canonical decimal integer below 2²⁵⁶, as four little-endian 64-bit limbs.
///
/// # Errors
/// [`DecimalError::NotDecimal`], [`DecimalError::LeadingZero`], [`DecimalError::TooLarge`].
pub fn parse_u256(s: &str) -> Result<BigInt<4>, DecimalError> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(DecimalError::NotDecimal(s.to_owned()));
    }
    if s.len() > 1 && s.starts_with('0') {
        return Err(DecimalError::LeadingZero(s.to_owned()));
    }
    let mut limbs = [0u64; 4];
    for digit in s.bytes().map(|b| u64::from(b - b'0')) {
        // limbs = limbs * 10 + digit, refusing a carry out of the top limb.
        let mut carry = u128::from(digit);
        for limb in &mut limbs {
            let t = u128::from(*limb) * 10 + carry;
            *limb = t as u64; // the low 64 bits; the rest carries
            carry = t >> 64;
        }
        if carry != 0 {
            return Err(DecimalError::TooLarge(s.to_owned()));
        }
    }
    Ok(BigInt::new(limbs))
}

/// A canonical decimal element of `F` (BN254's Fr or Fq, or any 4-limb prime field).
///
/// # Errors
/// As [`parse_u256`], and [`DecimalError::NotInField`] for a value not below the modulus.
pub fn parse<F: PrimeField<BigInt = BigInt<4>>>(s: &str) -> Result<F, DecimalError> {
    F::from_bigint(parse_u256(s)?).ok_or_else(|| DecimalError::NotInField(s.to_owned()))
}

/// A field element in canonical decimal (`"0"` for zero): what [`parse`] reads back.
#[must_use]
pub fn to_decimal<F: PrimeField>(x: &F) -> String {
    x.into_bigint().to_string()
}

#[cfg(test)]
mod tests {
    use ark_bn254::Fq;
    use ark_ff::{BigInteger, UniformRand, Zero};
    use num_bigint::BigUint;
    use proptest::prelude::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    use super::*;
    use crate::Fr;

    #[test]
    fn round_trips_random_elements() {
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        for _ in 0..200 {
            let x = Fr::rand(&mut rng);
            assert_eq!(parse::<Fr>(&to_decimal(&x)), Ok(x));
            let q = Fq::rand(&mut rng);
            assert_eq!(parse::<Fq>(&to_decimal(&q)), Ok(q));
        }
        assert_eq!(to_decimal(&Fr::zero()), "0");
        assert_eq!(parse::<Fr>("0"), Ok(Fr::zero()));
    }

    #[test]
    fn refuses_every_non_canonical_spelling() {
        let r = BigUint::from(Fr::MODULUS);
        let below = (&r - 1u32).to_string();
        assert_eq!(parse::<Fr>(&below), Ok(-Fr::from(1u64)));
        let cases = [
            ("", DecimalError::NotDecimal(String::new())),
            ("+1", DecimalError::NotDecimal("+1".into())),
            ("-1", DecimalError::NotDecimal("-1".into())),
            (" 1", DecimalError::NotDecimal(" 1".into())),
            ("0x1", DecimalError::NotDecimal("0x1".into())),
            ("1e3", DecimalError::NotDecimal("1e3".into())),
            ("01", DecimalError::LeadingZero("01".into())),
            ("00", DecimalError::LeadingZero("00".into())),
        ];
        for (s, e) in cases {
            assert_eq!(parse::<Fr>(s), Err(e), "{s:?}");
        }
        for v in [r.clone(), &r + 1u32, (BigUint::from(1u32) << 256u32) - 1u32] {
            let s = v.to_string();
            assert_eq!(parse::<Fr>(&s), Err(DecimalError::NotInField(s.clone())), "{s}");
        }
        let two_256: String = (BigUint::from(1u32) << 256u32).to_string();
        assert_eq!(parse_u256(&two_256), Err(DecimalError::TooLarge(two_256.clone())));
        assert_eq!(parse::<Fr>(&two_256), Err(DecimalError::TooLarge(two_256)));
        let max = (BigUint::from(1u32) << 256u32) - 1u32;
        assert_eq!(BigUint::from_bytes_le(&parse_u256(&max.to_string()).unwrap().to_bytes_le()), max);
    }

    proptest! {
        #[test]
        fn u256_agrees_with_num_bigint(bytes in proptest::array::uniform32(any::<u8>()), extra in 0u8..3) {
            let v = BigUint::from_bytes_le(&bytes) * BigUint::from(10u32).pow(u32::from(extra));
            let s = v.to_string();
            match parse_u256(&s) {
                Ok(n) => prop_assert_eq!(BigUint::from_bytes_le(&n.to_bytes_le()), v),
                Err(e) => {
                    prop_assert!(v.bits() > 256);
                    prop_assert_eq!(e, DecimalError::TooLarge(s));
                }
            }
        }
    }
}
