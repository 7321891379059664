//! Sums that parallel folds split and join. `Merge` adds one partial sum into another;
//! `summed!` declares a struct together with a `Merge` that adds every field, so a field
//! added later cannot be left out of the join (which would only go wrong on inputs large
//! enough for rayon to split).

use crate::money::Money;

/// A partial sum that can absorb another.
pub trait Merge {
    fn merge(&mut self, other: &Self);
}

impl Merge for u64 {
    fn merge(&mut self, other: &u64) {
        *self += *other;
    }
}

impl Merge for Money {
    fn merge(&mut self, other: &Money) {
        *self += *other;
    }
}

/// Declares a struct and its `Merge`, field by field.
macro_rules! summed {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident {
            $($(#[$fmeta:meta])* $fvis:vis $field:ident : $ty:ty),* $(,)?
        }
    ) => {
        $(#[$meta])*
        $vis struct $name {
            $($(#[$fmeta])* $fvis $field: $ty),*
        }

        impl $crate::analyze::merge::Merge for $name {
            fn merge(&mut self, other: &Self) {
                $($crate::analyze::merge::Merge::merge(&mut self.$field, &other.$field);)*
            }
        }
    };
}
pub(crate) use summed;

#[cfg(test)]
mod tests {
    use super::*;

    summed! {
        #[derive(Debug, Default, PartialEq)]
        struct Pair {
            calls: u64,
            cost: Money,
        }
    }

    #[test]
    fn every_field_is_added() {
        let mut a = Pair { calls: 2, cost: Money::from_atto(5) };
        a.merge(&Pair { calls: 3, cost: Money::from_atto(-1) });
        assert_eq!(a, Pair { calls: 5, cost: Money::from_atto(4) });
    }
}
