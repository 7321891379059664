//! The policy file (`llmcost.toml`): its TOML schema, unknown keys refused, and how each
//! entry becomes the same rule a flag sets.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result};
use serde::Deserialize;

use super::policy::Policy;

impl Policy {
    /// Reads a policy file (format in the README) on top of this policy.
    pub fn load_file(&mut self, path: &Path) -> Result<()> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading policy file {}", path.display()))?;
        let file: PolicyFile =
            toml::from_str(&text).with_context(|| format!("policy file {}", path.display()))?;
        self.apply_file(file).with_context(|| format!("policy file {}", path.display()))
    }

    fn apply_file(&mut self, file: PolicyFile) -> Result<()> {
        let top = [
            ("noise", &file.noise),
            ("max-increase", &file.max_increase),
            ("max-unpriced", &file.max_unpriced),
            ("max-new-route-cost-per-job", &file.max_new_route_cost_per_job),
            ("max-storms", &file.max_storms),
            ("max-storm-cost", &file.max_storm_cost),
        ];
        for (rule, value) in top {
            if let Some(v) = value {
                self.apply(rule, &v.text())?;
            }
        }
        let fleet = RouteRules {
            max_increase: None,
            max_cost_per_job: file.max_cost_per_job,
            min_cache_hit_rate: file.min_cache_hit_rate,
            max_retry_multiplier: file.max_retry_multiplier,
            max_fallback_rate: file.max_fallback_rate,
            forbid_models: file.forbid_models,
            _savings: None,
        };
        self.apply_route_rules(None, &fleet)?;
        for (pattern, rules) in &file.routes {
            self.apply_route_rules(Some(pattern), rules)?;
        }
        for (pattern, rules) in &file.models {
            if let Some(v) = &rules.max_increase {
                self.apply("max-increase", &format!("model:{pattern}={}", v.text()))?;
            }
        }
        Ok(())
    }

    fn apply_route_rules(&mut self, pattern: Option<&str>, rules: &RouteRules) -> Result<()> {
        let scoped = [
            ("max-increase", &rules.max_increase),
            ("max-cost-per-job", &rules.max_cost_per_job),
            ("min-cache-hit-rate", &rules.min_cache_hit_rate),
            ("max-retry-multiplier", &rules.max_retry_multiplier),
            ("max-fallback-rate", &rules.max_fallback_rate),
        ];
        let prefix = pattern.map(|p| format!("{p}=")).unwrap_or_default();
        for (rule, value) in scoped {
            if let Some(v) = value {
                self.apply(rule, &format!("{prefix}{}", v.text()))?;
            }
        }
        let route = pattern.unwrap_or("*");
        for model in rules.forbid_models.iter().flatten() {
            self.apply("forbid-model", &format!("{route}={model}"))?;
        }
        Ok(())
    }
}

/// The policy file: top-level rules apply to the whole run, `[routes."GLOB"]` to routes.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    noise: Option<Num>,
    max_increase: Option<Num>,
    max_unpriced: Option<Num>,
    max_new_route_cost_per_job: Option<Num>,
    max_storms: Option<Num>,
    max_storm_cost: Option<Num>,
    max_cost_per_job: Option<Num>,
    min_cache_hit_rate: Option<Num>,
    max_retry_multiplier: Option<Num>,
    max_fallback_rate: Option<Num>,
    forbid_models: Option<Vec<String>>,
    #[serde(default)]
    routes: BTreeMap<String, RouteRules>,
    #[serde(default)]
    models: BTreeMap<String, ModelRules>,
    /// `llmcost savings`' knobs: read there, accepted here.
    #[serde(default, rename = "savings")]
    _savings: Option<toml::Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RouteRules {
    max_increase: Option<Num>,
    max_cost_per_job: Option<Num>,
    min_cache_hit_rate: Option<Num>,
    max_retry_multiplier: Option<Num>,
    max_fallback_rate: Option<Num>,
    forbid_models: Option<Vec<String>>,
    /// `llmcost savings`' knobs for these routes: read there, accepted here.
    #[serde(default, rename = "savings")]
    _savings: Option<toml::Value>,
}

/// The rules a `[models."GLOB"]` table may set.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ModelRules {
    max_increase: Option<Num>,
}

/// A TOML number or string (`0.05`, `"5%"`).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Num {
    Int(i64),
    Float(f64),
    Text(String),
}

impl Num {
    fn text(&self) -> String {
        match self {
            Num::Int(i) => i.to_string(),
            Num::Float(x) => format!("{x}"),
            Num::Text(s) => s.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gate::policy::Increase;
    use crate::money::Money;

    #[test]
    fn the_policy_file_format() {
        let text = r#"
            noise = "1%"
            max_increase = 0.002
            max_unpriced = 3
            max_cost_per_job = 0.05
            min_cache_hit_rate = 0.5
            forbid_models = ["*-preview*"]
            max_new_route_cost_per_job = 0.001
            [routes."chat.*"]
            max_increase = "10%"
            max_retry_multiplier = 1.2
            max_fallback_rate = "5%"
            forbid_models = ["beta"]
            [models."gpt-4*"]
            max_increase = "20%"
        "#;
        let mut p = Policy::default();
        p.apply_file(toml::from_str(text).unwrap()).unwrap();
        assert_eq!((p.noise, p.max_unpriced), (0.01, 3));
        assert_eq!(p.max_increase.fleet, Some(Increase::Absolute(Money::parse("0.002").unwrap())));
        assert_eq!(p.max_increase.routes, [("chat.*".to_string(), Increase::Relative(0.1))]);
        assert_eq!(p.max_increase_models.routes, [("gpt-4*".to_string(), Increase::Relative(0.2))]);
        assert_eq!(p.max_new_route_cost_per_job, Some(Money::parse("0.001").unwrap()));
        assert_eq!(p.max_cost_per_job.fleet, Some(Money::parse("0.05").unwrap()));
        assert_eq!(p.min_cache_hit_rate.fleet, Some(0.5));
        assert_eq!(p.max_retry_multiplier.routes, [("chat.*".to_string(), 1.2)]);
        assert_eq!(p.max_fallback_rate.routes, [("chat.*".to_string(), 0.05)]);
        assert_eq!(p.forbid_models.len(), 2);
        assert!(toml::from_str::<PolicyFile>("max_increse = 1").is_err());
        assert!(toml::from_str::<PolicyFile>("[routes.x]\nmin_cache = 1").is_err());
        assert!(
            toml::from_str::<PolicyFile>("[models.x]\nmax_cost_per_job = 1").is_err(),
            "models take max_increase only"
        );
    }
}
