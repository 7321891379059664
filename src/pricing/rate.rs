//! One version of a model's price: base rates, long-context tiers, batch multiplier, and the
//! window of time it was in force. Fallbacks between rates (a missing cache rate means the
//! input rate) are resolved when the table loads, so pricing a call never has to ask.

use crate::money::Rate;

/// Rates in USD per million tokens, every class filled in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rates {
    pub input: Rate,
    pub output: Rate,
    pub cache_read: Rate,
    pub cache_write: Rate,
    pub cache_write_1h: Rate,
}

/// Which tokens of a request count toward a tier threshold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Basis {
    /// All prompt tokens, cache reads and writes included.
    Input,
    /// Prompt plus completion tokens.
    Total,
}

/// A long-context tier: above `threshold` counted tokens, `rates` apply to the whole request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tier {
    pub threshold: u64,
    pub basis: Basis,
    pub rates: Rates,
}

/// A price in force from `from` (inclusive) to `to` (exclusive), epoch milliseconds UTC.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PriceVersion {
    pub from: Option<i64>,
    pub to: Option<i64>,
    pub base: Rates,
    /// Sorted by threshold, ascending.
    pub tiers: Vec<Tier>,
    pub batch_multiplier: Rate,
    pub source: String,
    pub checked: String,
    pub note: String,
}

impl Basis {
    pub fn name(self) -> &'static str {
        match self {
            Basis::Input => "input",
            Basis::Total => "total",
        }
    }
}

impl PriceVersion {
    pub fn covers(&self, at_ms: i64) -> bool {
        self.from.is_none_or(|f| at_ms >= f) && self.to.is_none_or(|t| at_ms < t)
    }

    /// The tier a request falls in (`None` = base rates): the highest whose threshold the
    /// counted tokens strictly exceed.
    pub fn tier_for(&self, input_tokens: u64, output_tokens: u64) -> Option<usize> {
        self.tiers.iter().rposition(|tier| {
            let counted = match tier.basis {
                Basis::Input => input_tokens,
                Basis::Total => input_tokens + output_tokens,
            };
            counted > tier.threshold
        })
    }

    pub fn rates(&self, tier: Option<usize>) -> &Rates {
        tier.map_or(&self.base, |t| &self.tiers[t].rates)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rates(input: &str) -> Rates {
        let r = Rate::parse(input).unwrap();
        Rates { input: r, output: r, cache_read: r, cache_write: r, cache_write_1h: r }
    }

    fn version() -> PriceVersion {
        PriceVersion {
            from: Some(1_000),
            to: Some(2_000),
            base: rates("1"),
            tiers: vec![
                Tier { threshold: 100, basis: Basis::Input, rates: rates("2") },
                Tier { threshold: 200, basis: Basis::Total, rates: rates("3") },
            ],
            batch_multiplier: Rate::parse("0.5").unwrap(),
            source: String::new(),
            checked: String::new(),
            note: String::new(),
        }
    }

    #[test]
    fn window_is_half_open() {
        let v = version();
        assert!(!v.covers(999));
        assert!(v.covers(1_000));
        assert!(v.covers(1_999));
        assert!(!v.covers(2_000));
    }

    #[test]
    fn tier_threshold_is_strictly_greater() {
        let v = version();
        assert_eq!(v.tier_for(100, 0), None);
        assert_eq!(v.tier_for(101, 0), Some(0));
        // 150 input + 50 output = 200 total: not above 200, so still the input tier.
        assert_eq!(v.tier_for(150, 50), Some(0));
        assert_eq!(v.tier_for(150, 51), Some(1));
    }
}
