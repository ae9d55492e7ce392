//! Amounts and durations as people write them in a policy file: `50000e6`, `1.5 ether`,
//! `1_000 gwei`, `0x10`; `48h`, `30m`, `2d`, `1d12h`, `90` (seconds).

use alloy_primitives::U256;

/// Decimal exponents of the amount units: `wei`, `gwei`, `ether`.
const UNITS: [(&str, u32); 3] = [("wei", 0), ("gwei", 9), ("ether", 18)];

/// Seconds of the duration units.
const DURATIONS: [(char, u64); 5] = [('s', 1), ('m', 60), ('h', 3_600), ('d', 86_400), ('w', 604_800)];

/// An amount: `[digits][.digits][e[+]digits][ unit]` with `_` between digits and the unit
/// `wei`, `gwei` or `ether` (any case), or `0x` and hex digits; the result must be a whole
/// number below 2^256.
///
/// # Errors
/// What is wrong, for the user.
pub fn parse_amount(text: &str) -> Result<U256, String> {
    let s = text.trim();
    if s.is_empty() {
        return Err("is empty (write an amount such as 50000e6 or 1.5 ether)".into());
    }
    if let Some(hex) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        if hex.is_empty() || hex.len() > 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(format!("{s:?} is not an amount: 0x needs 1 to 64 hex digits"));
        }
        return U256::from_str_radix(hex, 16).map_err(|e| format!("{s:?}: {e}"));
    }
    let (number, unit) = split_unit(s);
    let unit_exp = if unit.is_empty() {
        0
    } else {
        UNITS.iter().find(|(u, _)| u.eq_ignore_ascii_case(unit)).map(|(_, e)| *e).ok_or_else(|| {
            format!("{s:?}: unknown unit {unit:?} (wei, gwei or ether; or a power of ten such as 50000e6)")
        })?
    };
    let bad = || {
        format!(
            "{s:?} is not an amount (write digits with an optional .fraction, e exponent and unit: 50000e6, 1.5 ether)"
        )
    };
    let (mantissa, exponent) = match number.find(['e', 'E']) {
        Some(i) => (&number[..i], Some(&number[i + 1..])),
        None => (number, None),
    };
    let exponent: u32 = match exponent {
        None => 0,
        Some(e) => {
            let e = e.strip_prefix('+').unwrap_or(e);
            digits(e).ok_or_else(bad)?.parse().map_err(|_| bad())?
        }
    };
    let (int, frac) = match mantissa.split_once('.') {
        Some((i, f)) => (i, f),
        None => (mantissa, ""),
    };
    let int = if int.is_empty() && !frac.is_empty() { "0".to_owned() } else { digits(int).ok_or_else(bad)? };
    let frac = if frac.is_empty() { String::new() } else { digits(frac).ok_or_else(bad)? };
    let scale = exponent
        .checked_add(unit_exp)
        .filter(|&x| x <= 80)
        .ok_or_else(|| format!("{s:?} is too large (not below 2^256)"))?;
    let frac_len = u32::try_from(frac.len()).map_err(|_| bad())?;
    let all = format!("{int}{frac}");
    let (all, zeros) = if frac_len > scale {
        // The digits beyond the unit must be zeros: amounts are whole numbers of wei.
        let cut = all.len() - (frac_len - scale) as usize;
        if all[cut..].bytes().any(|b| b != b'0') {
            return Err(format!(
                "{s:?} is not a whole number (amounts are integers: wei, or the token's smallest unit)"
            ));
        }
        (all[..cut].to_owned(), 0)
    } else {
        (all, scale - frac_len)
    };
    let big = || format!("{s:?} is too large (not below 2^256)");
    let base = U256::from_str_radix(&all, 10).map_err(|_| big())?;
    let ten = U256::from(10u8).checked_pow(U256::from(zeros)).ok_or_else(big)?;
    base.checked_mul(ten).ok_or_else(big)
}

/// `s` without its `_` separators when it is digits with `_` only between digits.
fn digits(s: &str) -> Option<String> {
    let ok = !s.is_empty()
        && s.bytes().all(|b| b.is_ascii_digit() || b == b'_')
        && !s.starts_with('_')
        && !s.ends_with('_')
        && !s.contains("__");
    ok.then(|| s.replace('_', ""))
}

/// A duration in seconds: digits (seconds) or a sequence of `<digits><unit>` with the units
/// `s`, `m`, `h`, `d`, `w` (`48h`, `1d12h`, `90s`).
///
/// # Errors
/// What is wrong, for the user.
pub fn parse_duration(text: &str) -> Result<u64, String> {
    let s = text.trim();
    let bad = || format!("{s:?} is not a duration (seconds, or digits with s, m, h, d, w: 48h, 30m, 2d, 1d12h)");
    if s.is_empty() {
        return Err(bad());
    }
    if let Some(d) = digits(s) {
        return d.parse().map_err(|_| format!("{s:?} is too large"));
    }
    let mut total: u64 = 0;
    let mut rest = s;
    while !rest.is_empty() {
        let n_end = rest.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
        if n_end == 0 {
            return Err(bad());
        }
        let n: u64 = rest[..n_end].parse().map_err(|_| format!("{s:?} is too large"))?;
        let unit = rest[n_end..].chars().next().ok_or_else(bad)?;
        let secs = DURATIONS.iter().find(|(u, _)| *u == unit).map(|(_, s)| *s).ok_or_else(bad)?;
        total = n.checked_mul(secs).and_then(|x| total.checked_add(x)).ok_or_else(|| format!("{s:?} is too large"))?;
        rest = rest[n_end + unit.len_utf8()..].trim_start();
    }
    Ok(total)
}

/// A duration as its largest exact units (`172800` → `2d`, `5400` → `1h30m`, `0` → `0s`).
#[must_use]
pub fn format_duration(seconds: u64) -> String {
    if seconds == 0 {
        return "0s".into();
    }
    let mut rest = seconds;
    let mut out = String::new();
    for (unit, secs) in [('d', 86_400), ('h', 3_600), ('m', 60), ('s', 1)] {
        if rest >= secs {
            out.push_str(&format!("{}{unit}", rest / secs));
            rest %= secs;
        }
    }
    out
}

/// The number and the unit of an amount (`"1e3 gwei"` → `("1e3", "gwei")`).
fn split_unit(s: &str) -> (&str, &str) {
    let end = s.find(|c: char| !(c.is_ascii_digit() || matches!(c, '_' | '.' | 'e' | 'E' | '+'))).unwrap_or(s.len());
    let (number, unit) = (&s[..end], s[end..].trim());
    // "1ether": the `e` that starts the unit is not an exponent.
    if number.ends_with(['e', 'E']) && !unit.is_empty() {
        let number = &number[..number.len() - 1];
        (number, s[number.len()..].trim())
    } else {
        (number, unit)
    }
}

/// The scale an amount is written in: its decimal exponent and how to write it (`50000e6`
/// → 6, `e6`; `1.5 ether` → 18, ` ether`; `1e3 gwei` → 12, `e12`; `1000` → 0).
fn scale_of(written: &str) -> (u32, String) {
    let s = written.trim();
    if s.starts_with("0x") || s.starts_with("0X") {
        return (0, String::new());
    }
    let (number, unit) = split_unit(s);
    let unit = UNITS.iter().find(|(u, _)| u.eq_ignore_ascii_case(unit)).copied();
    let exp =
        number.find(['e', 'E']).and_then(|i| number[i + 1..].trim_start_matches('+').parse::<u32>().ok()).unwrap_or(0);
    match (unit, exp) {
        (None | Some((_, 0)), 0) => (0, String::new()),
        (Some((name, u)), 0) => (u, format!(" {name}")),
        (unit, e) => {
            let total = e + unit.map_or(0, |(_, u)| u);
            (total, format!("e{total}"))
        }
    }
}

/// `value` in the scale `written` uses, so that a limit written `50000e6` compares with
/// `60000e6`, and one written `1.5 ether` with `2 ether`.
#[must_use]
pub fn format_like(value: U256, written: &str) -> String {
    let (exp, suffix) = scale_of(written);
    if exp == 0 || exp > 77 {
        return value.to_string();
    }
    let ten = U256::from(10u8).pow(U256::from(exp));
    let (int, frac) = (value / ten, value % ten);
    if frac.is_zero() {
        return format!("{int}{suffix}");
    }
    let frac = format!("{frac:0>width$}", width = exp as usize);
    format!("{int}.{}{suffix}", frac.trim_end_matches('0'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn amount(s: &str) -> U256 {
        parse_amount(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn amounts_in_units_exponents_and_hex() {
        assert_eq!(amount("0"), U256::ZERO);
        assert_eq!(amount("50000e6"), U256::from(50_000_000_000u64));
        assert_eq!(amount("50_000e6"), U256::from(50_000_000_000u64));
        assert_eq!(amount("1.5 ether"), U256::from(1_500_000_000_000_000_000u128));
        assert_eq!(amount("1.5ether"), U256::from(1_500_000_000_000_000_000u128));
        assert_eq!(amount("2 Gwei"), U256::from(2_000_000_000u64));
        assert_eq!(amount("7 wei"), U256::from(7u8));
        assert_eq!(amount("1e18"), U256::from(10u128.pow(18)));
        assert_eq!(amount("1e+3"), U256::from(1000u32));
        assert_eq!(amount("0.000001e6"), U256::from(1u8));
        assert_eq!(amount("1.50e1"), U256::from(15u8));
        assert_eq!(amount(".5e1"), U256::from(5u8));
        assert_eq!(amount("1e3 gwei"), U256::from(10u128.pow(12)));
        assert_eq!(amount("0x10"), U256::from(16u8));
        assert_eq!(amount(" 12 "), U256::from(12u8));
        assert_eq!(amount("115792089237316195423570985008687907853269984665640564039457584007913129639935"), U256::MAX);
    }

    #[test]
    fn refuses_fractions_of_wei_overflow_and_junk() {
        for bad in [
            "",
            "1.5",
            "1e-3",
            "0.1 wei",
            "1.0000000000000000001 ether",
            "1e78",
            "1e100",
            "abc",
            "1 btc",
            "1__0",
            "_1",
            "1_",
            "0x",
            "0xg",
            "1..2",
            "e6",
            "-1",
            "115792089237316195423570985008687907853269984665640564039457584007913129639936",
        ] {
            assert!(parse_amount(bad).is_err(), "{bad:?} must be refused");
        }
        assert!(parse_amount("1.5").unwrap_err().contains("whole number"));
        assert!(parse_amount("1e100").unwrap_err().contains("2^256"));
        assert!(parse_amount("1 btc").unwrap_err().contains("unknown unit"));
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("48h"), Ok(172_800));
        assert_eq!(parse_duration("30m"), Ok(1_800));
        assert_eq!(parse_duration("2d"), Ok(172_800));
        assert_eq!(parse_duration("1w"), Ok(604_800));
        assert_eq!(parse_duration("1d12h"), Ok(129_600));
        assert_eq!(parse_duration("1h 30m"), Ok(5_400));
        assert_eq!(parse_duration("90s"), Ok(90));
        assert_eq!(parse_duration("90"), Ok(90));
        assert_eq!(parse_duration("0"), Ok(0));
        for bad in ["", "h", "48x", "4.5h", "-1h", "1h30", "99999999999999999999", "99999999999999999w"] {
            assert!(parse_duration(bad).is_err(), "{bad:?} must be refused");
        }
        assert_eq!(format_duration(172_800), "2d");
        assert_eq!(format_duration(5_400), "1h30m");
        assert_eq!(format_duration(0), "0s");
    }

    #[test]
    fn formats_in_the_scale_of_the_limit() {
        assert_eq!(format_like(U256::from(60_000_000_000u64), "50000e6"), "60000e6");
        assert_eq!(format_like(U256::from(60_000_500_000u64), "50000e6"), "60000.5e6");
        assert_eq!(format_like(U256::from(2_000_000_000_000_000_000u128), "1.5 ether"), "2 ether");
        assert_eq!(format_like(U256::from(2_500_000_000u64), "1 gwei"), "2.5 gwei");
        assert_eq!(format_like(U256::from(1234u32), "1000"), "1234");
        assert_eq!(format_like(U256::from(1234u32), "0x10"), "1234");
        assert_eq!(format_like(U256::from(5u8), "1e3 gwei"), "0.000000000005e12");
    }
}
