//! The leak sections, one file each (`analyze` returns data, never text), and their one
//! registry, `for_each_section!`: each section is named there once — its `Section` variant
//! (for `--only`), its module (also its field in `Report` and its key in the JSON), its type,
//! and whether it reads the operations (`WithOps`) or only the calls (`Plain`).
//!
//! Everything that lists the sections is generated from that list: the `Section` enum, the
//! report's `Sections`, their parallel run, and, in `render/sections`, the renderer modules
//! and their dispatch. A new section is its analysis file, its renderer file (both named
//! after the module) and one line below.

use rayon::Scope;
use serde::Serialize;

use super::context::Ctx;
use super::ops::Operations;
use crate::calls::StrCol;

/// The registry: calls `$then!` with one `Variant module Type Kind [Columns];` entry per
/// section, in report order. `Columns` are the string columns the analysis reads beyond the
/// model, the provider and the group (the first `--by`), which every run keeps; a `WithOps`
/// section also reads what grouping attempts into operations needs (`ops::COLUMNS`). Only
/// the columns of the wanted sections are read from the logs: an operation id or a prompt
/// hash is nearly one value per call, and costs as much to read as the rest of the call.
macro_rules! for_each_section {
    ($then:ident) => {
        $then! {
            Pareto pareto Pareto Plain [Route Feature User Job];
            Cache cache Cache Plain [];
            Retries retries Retries WithOps [];
            Storms storms Storms Plain [Route Operation ErrorType];
            Fallbacks fallbacks Fallbacks WithOps [RequestedModel];
            Thresholds thresholds Thresholds Plain [];
            Jobs jobs Jobs WithOps [Job];
            Duplicates duplicates Duplicates Plain [PromptHash];
            Waste waste Waste Plain [FinishReason];
            Environments environments Environments Plain [Environment];
            Reconciliation reconciliation Reconciliation Plain [];
            Savings savings Savings WithOps
                [Route Feature Environment Operation ErrorType RequestedModel PromptHash FinishReason];
        }
    };
}
pub(crate) use for_each_section;

/// An analysis over the calls alone.
pub struct Plain<F>(pub F);
/// An analysis over the operations (attempts grouped), built once for all that need them.
pub struct WithOps<F>(pub F);

/// How the registry runs a section, whichever kind it is.
pub trait Analysis<T> {
    const NEEDS_OPS: bool;
    fn run(&self, ctx: &Ctx, ops: Option<&Operations>) -> Option<T>;
}

impl<T, F: Fn(&Ctx) -> T> Analysis<T> for Plain<F> {
    const NEEDS_OPS: bool = false;
    fn run(&self, ctx: &Ctx, _: Option<&Operations>) -> Option<T> {
        Some((self.0)(ctx))
    }
}

impl<T, F: Fn(&Ctx, &Operations) -> T> Analysis<T> for WithOps<F> {
    const NEEDS_OPS: bool = true;
    fn run(&self, ctx: &Ctx, ops: Option<&Operations>) -> Option<T> {
        ops.map(|o| (self.0)(ctx, o))
    }
}

/// Whether the analysis `_a` reads operations (the type tells; the value is not used).
fn needs_ops<T, A: Analysis<T>>(_a: &A) -> bool {
    A::NEEDS_OPS
}

/// Spawns one section's analysis on `scope` when it is wanted.
fn spawn<'s, T: Send + 's>(
    scope: &Scope<'s>,
    slot: &'s mut Option<T>,
    wanted: bool,
    analysis: impl Analysis<T> + Send + 's,
    ctx: &'s Ctx<'s>,
    ops: Option<&'s Operations>,
) {
    if wanted {
        scope.spawn(move |_| *slot = analysis.run(ctx, ops));
    }
}

macro_rules! declare_sections {
    ($($variant:ident $module:ident $ty:ident $kind:ident [$($col:ident)*];)*) => {
        $(pub mod $module;)*

        /// The sections of a report; `--only` picks some. `Totals` is the plain report
        /// (totals, breakdowns, unpriced models).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, clap::ValueEnum)]
        pub enum Section {
            Totals,
            $($variant,)*
        }

        impl Section {
            pub const ALL: &'static [Section] = &[Section::Totals, $(Section::$variant,)*];

            /// The string columns this section reads besides model, provider and the group.
            pub fn columns(self) -> Vec<StrCol> {
                match self {
                    Section::Totals => Vec::new(),
                    $(Section::$variant => {
                        let ops: &[StrCol] =
                            if needs_ops(&$kind($module::analyze)) { &crate::analyze::ops::COLUMNS } else { &[] };
                        [$(StrCol::$col),*].into_iter().chain(ops.iter().copied()).collect()
                    })*
                }
            }
        }

        /// The leak sections of one report, each `None` unless it was wanted.
        #[derive(Clone, Debug, Default, Serialize)]
        pub struct Sections {
            $(
                #[serde(skip_serializing_if = "Option::is_none")]
                pub $module: Option<$module::$ty>,
            )*
        }

        impl Sections {
            /// Whether no section was computed.
            pub fn is_empty(&self) -> bool {
                true $(&& self.$module.is_none())*
            }

            /// Drops the sections `keep` says no to.
            pub fn retain(&mut self, keep: impl Fn(Section) -> bool) {
                $(if !keep(Section::$variant) { self.$module = None; })*
            }

            /// Runs every wanted section; independent sections run in parallel.
            pub fn run(ctx: &Ctx, wants: &(dyn Fn(Section) -> bool + Sync)) -> Sections {
                let needs = false $(|| (needs_ops(&$kind($module::analyze)) && wants(Section::$variant)))*;
                let ops = needs.then(|| Operations::build(ctx));
                let ops = ops.as_ref();
                let mut s = Sections::default();
                rayon::scope(|scope| {
                    let Sections { $($module),* } = &mut s;
                    $(spawn(scope, $module, wants(Section::$variant), $kind($module::analyze), ctx, ops);)*
                });
                s
            }
        }
    };
}
for_each_section!(declare_sections);
