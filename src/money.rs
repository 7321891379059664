//! Exact money. Costs are integers of 1e-18 USD (attodollars) in an `i128`; rates are integers
//! of 1e-12 USD per million tokens, so `tokens * rate` lands exactly on attodollars and no sum
//! ever depends on the order it was added in. Rounding happens only when a figure is rendered.

use std::fmt;
use std::fmt::Write as _;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Sub};

use anyhow::{bail, Context, Result};

/// Decimal places of a rate (USD per million tokens).
const RATE_PLACES: u32 = 12;
/// Decimal places of a cost (USD).
const COST_PLACES: u32 = 18;
const ATTO_PER_USD: i128 = 1_000_000_000_000_000_000;

/// A cost in USD, exact to 1e-18.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Money(i128);

/// A price in USD per million tokens, exact to 1e-12.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Rate(i128);

impl Money {
    /// A float amount (a logged cost, a JSON or TOML number) as exact money: its shortest
    /// round-trip decimal, rounded half away from zero to 1e-18 USD when longer. `None` for
    /// NaN, infinities and magnitudes beyond `Money`.
    pub fn from_f64(f: f64) -> Option<Money> {
        money_from_f64(f)
    }

    pub const ZERO: Money = Money(0);

    /// The cost of `tokens` at `rate`.
    pub fn of_tokens(tokens: u64, rate: Rate) -> Money {
        Money(tokens as i128 * rate.0)
    }

    pub fn from_atto(atto: i128) -> Money {
        Money(atto)
    }

    pub fn atto(self) -> i128 {
        self.0
    }

    /// Parses a decimal USD figure such as `"0.0025"` or `"1e-3"`.
    pub fn parse(text: &str) -> Result<Money> {
        parse_scaled(text, COST_PLACES).map(Money)
    }

    /// Nearest `f64`, for JSON consumers; the exact value is in [`Money::exact`].
    /// The nearest double. Up to 2^53 atto both operands are exact doubles and the division
    /// rounds once; above, `as f64` would round before the division rounds again (51.054…317
    /// atto-scaled came out one ulp off), so the exact decimal is parsed, which rounds once.
    pub fn to_f64(self) -> f64 {
        if self.0.unsigned_abs() <= 1 << 53 {
            self.0 as f64 / ATTO_PER_USD as f64
        } else {
            self.exact().parse().expect("an exact decimal parses")
        }
    }

    /// Every digit, trailing zeros trimmed: `"0.0025"`.
    pub fn exact(self) -> String {
        format_scaled(self.0, COST_PLACES, None)
    }

    /// Rounded half away from zero to `places` decimals: `rounded(2)` of 0.125 is `"0.13"`.
    pub fn rounded(self, places: u32) -> String {
        format_scaled(self.0, COST_PLACES, Some(places))
    }

    /// `self × factor` (a plain decimal such as a batch multiplier), rounded half up to
    /// 1e-18 USD; exact whenever the product has no more than 18 decimals, i.e. always for
    /// whole tokens at real rates and multipliers.
    pub fn times(self, factor: Rate) -> Money {
        let unit = 10i128.pow(RATE_PLACES);
        // Whole and fractional units apart, so no step is wider than the result: the product
        // at once overflowed i128 for a batch call of 4e14 tokens at $2/M (found by the fuzzer).
        let (whole, part) = (self.0.div_euclid(unit), self.0.rem_euclid(unit));
        Money(whole * factor.0 + (part * factor.0 + unit / 2).div_euclid(unit))
    }

    /// Share of `self` in `total` (0 when the total is zero).
    pub fn share_of(self, total: Money) -> f64 {
        if total.0 == 0 {
            0.0
        } else {
            self.0 as f64 / total.0 as f64
        }
    }
}

/// The dearest price a table may give: $1,000 per token ($1e9 per million). No model costs
/// that; with calls of at most `MAX_TOKENS`, every call's cost fits exactly.
pub const MAX_RATE_PER_MILLION: i128 = 1_000_000_000;

/// A rate within `MAX_RATE_PER_MILLION`, or an error naming the text.
fn bounded(rate: i128, text: &str) -> Result<Rate> {
    if rate > MAX_RATE_PER_MILLION * 10i128.pow(RATE_PLACES) {
        bail!("price {:?} is above $1,000,000,000 per million tokens: not a real price", text.trim());
    }
    Ok(Rate(rate))
}

impl Rate {
    /// Parses a decimal rate in USD per million tokens (`"3"`, `"0.075"`, `"7.5e-2"`).
    pub fn parse(text: &str) -> Result<Rate> {
        bounded(parse_scaled(text, RATE_PLACES)?, text)
    }

    /// A rate written as a binary float by a tool (`0.18000000000000002`): the float noise
    /// below 1e-12 is rounded off.
    pub fn parse_float_text(text: &str) -> Result<Rate> {
        const EXTRA: u32 = 8;
        let fine = parse_scaled(text, RATE_PLACES + EXTRA).with_context(|| format!("price {text:?}"))?;
        let div = 10i128.pow(EXTRA);
        let half = if fine < 0 { -div / 2 } else { div / 2 };
        bounded((fine + half) / div, text)
    }

    /// A LiteLLM-style USD-per-token float converted to per million tokens. Binary float noise
    /// (`1.2500000000000002e-06`) sits far below 1e-12 per million and is rounded off here.
    pub fn parse_per_token(text: &str) -> Result<Rate> {
        const EXTRA: u32 = 8;
        let fine = parse_scaled(text, RATE_PLACES + 6 + EXTRA)
            .with_context(|| format!("per-token price {text:?}"))?;
        let div = 10i128.pow(EXTRA);
        let half = if fine < 0 { -div / 2 } else { div / 2 };
        bounded((fine + half) / div, text)
    }

    pub fn from_pico(pico: i128) -> Rate {
        Rate(pico)
    }

    /// The rate in 1e-12 USD per million tokens (= attodollars per token).
    pub fn pico(self) -> i128 {
        self.0
    }

    /// Scales by an exact decimal factor (a batch multiplier), rounding to the nearest 1e-12.
    pub fn times(self, factor: Rate) -> Rate {
        let scale = 10i128.pow(RATE_PLACES);
        Rate((self.0 * factor.0 + scale / 2) / scale)
    }

    pub fn is_zero(self) -> bool {
        self.0 == 0
    }
}

impl Sub for Rate {
    type Output = Rate;
    fn sub(self, rhs: Rate) -> Rate {
        Rate(self.0 - rhs.0)
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_scaled(self.0, RATE_PLACES, None))
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.exact())
    }
}

/// JSON carries the nearest `f64` (what tools like jq expect); exact figures travel as
/// decimal strings beside it where it matters (`cost_usd_exact`).
impl serde::Serialize for Money {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_f64(self.to_f64())
    }
}

impl Add for Money {
    type Output = Money;
    fn add(self, rhs: Money) -> Money {
        Money(self.0 + rhs.0)
    }
}

impl Sub for Money {
    type Output = Money;
    fn sub(self, rhs: Money) -> Money {
        Money(self.0 - rhs.0)
    }
}

impl AddAssign for Money {
    fn add_assign(&mut self, rhs: Money) {
        self.0 += rhs.0;
    }
}

impl Sum for Money {
    fn sum<I: Iterator<Item = Money>>(iter: I) -> Money {
        iter.fold(Money::ZERO, Add::add)
    }
}

/// Parses a decimal (optional sign, fraction and exponent) into an integer of 10^-places units.
/// Digits beyond `places` are an error rather than silently rounded away.
fn parse_scaled(text: &str, places: u32) -> Result<i128> {
    let t = text.trim();
    let (mantissa, exp) = match t.find(['e', 'E']) {
        Some(i) => (&t[..i], t[i + 1..].parse::<i32>().with_context(|| format!("bad exponent in {t:?}"))?),
        None => (t, 0),
    };
    let (neg, digits) = match mantissa.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, mantissa.strip_prefix('+').unwrap_or(mantissa)),
    };
    let (int_part, frac_part) = digits.split_once('.').unwrap_or((digits, ""));
    if int_part.is_empty() && frac_part.is_empty()
        || !int_part.bytes().chain(frac_part.bytes()).all(|b| b.is_ascii_digit())
    {
        bail!("not a decimal number: {t:?}");
    }
    let frac_trimmed = frac_part.trim_end_matches('0');
    // value = all_digits * 10^(exp - frac_len); we want value * 10^places. The digits are
    // accumulated in place: every price table rate comes through here at start-up.
    let shift = places as i32 + exp - frac_trimmed.len() as i32;
    let mut base: i128 = 0;
    for b in int_part.bytes().chain(frac_trimmed.bytes()) {
        base = base
            .checked_mul(10)
            .and_then(|v| v.checked_add(i128::from(b - b'0')))
            .with_context(|| format!("number too large: {t:?}"))?;
    }
    let value = if shift >= 0 {
        base.checked_mul(10i128.checked_pow(shift as u32).context("number too large")?)
            .with_context(|| format!("number too large: {t:?}"))?
    } else {
        let div = 10i128.checked_pow((-shift) as u32).unwrap_or(i128::MAX);
        if base % div != 0 {
            bail!("{t:?} has more than {places} decimal places");
        }
        base / div
    };
    Ok(if neg { -value } else { value })
}

/// Formats an integer of 10^-places units; `round_to` rounds half away from zero.
fn format_scaled(value: i128, places: u32, round_to: Option<u32>) -> String {
    let neg = value < 0;
    let mut abs = value.unsigned_abs();
    let mut shown = places;
    if let Some(r) = round_to.filter(|&r| r < places) {
        let div = 10u128.pow(places - r);
        abs = (abs + div / 2) / div;
        shown = r;
    }
    let scale = 10u128.pow(shown);
    let (int, frac) = (abs / scale, abs % scale);
    let mut out = String::new();
    if neg && abs != 0 {
        out.push('-');
    }
    out.push_str(&int.to_string());
    let mut frac_text = format!("{frac:0width$}", width = shown as usize);
    if round_to.is_none() {
        frac_text.truncate(frac_text.trim_end_matches('0').len());
    }
    if !frac_text.is_empty() {
        out.push('.');
        out.push_str(&frac_text);
    }
    out
}

/// A logged `f64` cost as exact money: its shortest round-trip decimal (the digits
/// `Money::parse(&format!("{f}"))` would read), rounded half away from zero to 1e-18 USD when
/// longer. `None` for NaN (not logged), infinities and magnitudes beyond `Money`. No allocation.
fn money_from_f64(f: f64) -> Option<Money> {
    if !f.is_finite() {
        return None;
    }
    few_digits(f).or_else(|| shortest_text(f))
}

/// Fast path: the fewest decimal places k ≤ 18 at which an integer m of at most 15 digits has
/// m / 10^k == f (m and 10^k are exact doubles, so the division is the correctly rounded
/// decimal). Decimals of up to 15 digits are at least 4 ulps apart, so m is the only one of
/// its length reading back as f, i.e. the shortest text; and the product f × 10^k lies within
/// 0.25 of m, so rounding finds it whenever it exists.
fn few_digits(f: f64) -> Option<Money> {
    let mut scale = 1.0f64;
    for k in 0..=18u32 {
        let m = (f * scale).round();
        if m.abs() >= 1e15 {
            return None;
        }
        if m / scale == f {
            return Some(Money::from_atto(m as i128 * 10i128.pow(18 - k)));
        }
        scale *= 10.0;
    }
    None
}

/// Slow path: the shortest text itself (`{:e}` into a stack buffer), parsed exactly.
fn shortest_text(f: f64) -> Option<Money> {
    let mut buf = Buf::default();
    write!(buf, "{f:e}").ok()?;
    let (mantissa, exp) = buf.as_str().split_once('e')?;
    let exp: i32 = exp.parse().ok()?;
    let (neg, mantissa) = mantissa.strip_prefix('-').map_or((false, mantissa), |m| (true, m));
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    // At most 17 significant digits: fits an i128 with room to scale.
    let digits = int.bytes().chain(frac.bytes()).fold(0i128, |n, b| n * 10 + i128::from(b - b'0'));
    let shift = exp - frac.len() as i32 + 18;
    let atto = if shift >= 0 {
        digits.checked_mul(10i128.checked_pow(shift as u32)?)?
    } else if -shift > 38 {
        0
    } else {
        let div = 10i128.pow((-shift) as u32);
        (digits + div / 2) / div
    };
    Some(Money::from_atto(if neg { -atto } else { atto }))
}

/// A stack buffer for one formatted float (`{:e}` of an f64 is at most 24 bytes).
#[derive(Default)]
struct Buf {
    bytes: [u8; 32],
    len: usize,
}

impl Buf {
    fn as_str(&self) -> &str {
        std::str::from_utf8(&self.bytes[..self.len]).unwrap_or_default()
    }
}

impl std::fmt::Write for Buf {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        self.bytes.get_mut(self.len..end).ok_or(std::fmt::Error)?.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn to_f64_is_the_nearest_double() {
        // 51.054055906118781317: the nearest double is 51.05405590611878 (by exact rational
        // rounding); dividing the rounded integer by 1e18 gave 51.054055906118776.
        assert_eq!(Money::from_atto(51_054_055_906_118_781_317).to_f64(), 51.05405590611878);
        assert_eq!(Money::from_atto(-5_355_160_949_942_541_483_509).to_f64(), -5355.160949942541);
        assert_eq!(Money::from_atto(2_500_000_000_000_000).to_f64(), 0.0025);
        assert_eq!(Money::ZERO.to_f64(), 0.0);
    }

    #[test]
    fn cost_of_tokens_is_exact() {
        // 1,234 tokens at $0.075 per million = $0.00009255
        let cost = Money::of_tokens(1234, Rate::parse("0.075").unwrap());
        assert_eq!(cost.exact(), "0.00009255");
    }

    /// The dearest call the caps allow (10^15 tokens at $10^9 per million = $10^18) at the
    /// batch rate: half, exactly; the product used to overflow i128 (#12, found by the fuzzer).
    #[test]
    fn times_is_exact_up_to_the_dearest_call_r12() {
        let dearest = Money::of_tokens(1_000_000_000_000_000, Rate::parse("1000000000").unwrap());
        assert_eq!(dearest.exact(), "1000000000000000000");
        assert_eq!(dearest.times(Rate::parse("0.5").unwrap()).exact(), "500000000000000000");
        // Rounded half up at 10^-18 USD as before: 3 × 0.5 = 1.5 → 2, and -3 × 0.5 = -1.5 → -1.
        assert_eq!(Money::from_atto(3).times(Rate::parse("0.5").unwrap()).atto(), 2);
        assert_eq!(Money::from_atto(-3).times(Rate::parse("0.5").unwrap()).atto(), -1);
    }

    #[test]
    fn parses_decimal_forms() {
        assert_eq!(Rate::parse("3").unwrap().to_string(), "3");
        assert_eq!(Rate::parse("3.750").unwrap().to_string(), "3.75");
        assert_eq!(Rate::parse("7.5e-2").unwrap().to_string(), "0.075");
        assert_eq!(Rate::parse("-1.5").unwrap().to_string(), "-1.5");
        assert!(Rate::parse("abc").is_err());
        assert!(Rate::parse("").is_err());
        assert!(Rate::parse("0.0000000000001").is_err(), "13 places must not be rounded away");
    }

    #[test]
    fn per_token_prices_convert_to_per_million() {
        assert_eq!(Rate::parse_per_token("3e-06").unwrap().to_string(), "3");
        assert_eq!(Rate::parse_per_token("1.25e-06").unwrap().to_string(), "1.25");
        assert_eq!(Rate::parse_per_token("0.0000006").unwrap().to_string(), "0.6");
        assert_eq!(Rate::parse_per_token("1.2500000000000002e-06").unwrap().to_string(), "1.25");
        assert_eq!(Rate::parse_float_text("0.18000000000000002").unwrap().to_string(), "0.18");
    }

    #[test]
    fn rounding_is_half_away_from_zero() {
        let m = Money::parse("0.125").unwrap();
        assert_eq!(m.rounded(2), "0.13");
        assert_eq!(Money::parse("-0.125").unwrap().rounded(2), "-0.13");
        assert_eq!(Money::parse("2").unwrap().rounded(2), "2.00");
        assert_eq!(Money::ZERO.exact(), "0");
    }

    #[test]
    fn batch_multiplier_scales_rate() {
        let r = Rate::parse("0.075").unwrap().times(Rate::parse("0.5").unwrap());
        assert_eq!(r.to_string(), "0.0375");
    }

    #[test]
    fn sums_are_exact_whatever_the_order() {
        // Parts whose f64 sum depends on the order: (1e9 + 1e-18) − 1e9 is 0 in floats, and
        // 0.1 + 0.2 + 0.3 is 0.6000000000000001. Exact money gives the hand figure both ways.
        let parts = ["1000000000", "0.1", "0.2", "0.3", "0.000000000000000001", "-1000000000"];
        let forward: Money = parts.iter().map(|p| Money::parse(p).unwrap()).sum();
        let mut backward = Money::ZERO;
        for p in parts.iter().rev() {
            backward += Money::parse(p).unwrap();
        }
        assert_eq!(forward.exact(), "0.600000000000000001");
        assert_eq!(backward.exact(), "0.600000000000000001");
        // Ten thousand calls of 1 token at $0.1 per million: $0.001 exactly.
        let ten_thousand: Money = (0..10_000).map(|_| Money::of_tokens(1, Rate::parse("0.1").unwrap())).sum();
        assert_eq!(ten_thousand.exact(), "0.001");
        assert_eq!((forward - Money::parse("0.6").unwrap()).atto(), 1);
    }

    #[test]
    fn logged_floats_convert_exactly_via_their_shortest_text() {
        for f in [0.0, 0.1, 0.0018, 0.00198, 1e-7, 123456.789, -0.25, 0.1 + 0.2, 1.5e-12] {
            assert_eq!(Money::from_f64(f), Some(Money::parse(&format!("{f}")).unwrap()), "{f}");
        }
        assert_eq!(Money::from_f64(0.1 + 0.2).unwrap().exact(), "0.30000000000000004");
        // Beyond 18 decimals: rounded half away from zero.
        assert_eq!(Money::from_f64(1.5e-18).unwrap().atto(), 2);
        assert_eq!(Money::from_f64(-2.5e-18).unwrap().atto(), -3);
        assert_eq!(Money::from_f64(1e-30), Some(Money::ZERO));
        assert_eq!(Money::from_f64(f64::NAN), None);
        assert_eq!(Money::from_f64(f64::INFINITY), None);
        assert_eq!(Money::from_f64(1e300), None);
    }

    #[test]
    fn the_fast_path_agrees_with_the_shortest_text() {
        // Costs as gateways write them (up to 12 places) and arbitrary doubles.
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for _ in 0..100_000 {
            let places = (next() % 13) as i32;
            let decimal = (next() % 100_000_000) as f64 / 10f64.powi(places);
            let arbitrary = f64::from_bits(next() % 0x4330_0000_0000_0000);
            for f in [decimal, -decimal, arbitrary] {
                if let Some(fast) = few_digits(f) {
                    assert_eq!(Some(fast), shortest_text(f), "{f:e}");
                }
            }
            assert!(few_digits(decimal).is_some(), "{decimal:e}");
        }
    }
}
