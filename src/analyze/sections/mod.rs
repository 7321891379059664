//! The leak sections, one file each (`analyze` returns data, never text), and their one
//! registry, `for_each_section!`: each section is named there once — its `Section` variant
//! (for `--only`), its module (also its field in `Report` and its key in the JSON), its type,
//! and what it reads besides the calls: nothing (`Plain`), the operations (`WithOps`), the
//! repeats (`WithRepeats`) or both (`WithOpsAndRepeats`).
//!
//! Everything that lists the sections is generated from that list: the `Section` enum, the
//! report's `Sections`, their parallel run, and, in `render/sections`, the renderer modules
//! and their dispatch. A new section is its analysis file, its renderer file (both named
//! after the module) and one line below.

use rayon::Scope;
use serde::Serialize;

use super::context::Ctx;
use super::ops::Operations;
use super::repeats::Repeats;
use crate::calls::StrCol;

/// The registry: calls `$then!` with one `Variant module Type Kind [Columns];` entry per
/// section, in report order. `Columns` are the string columns the analysis reads beyond the
/// model, the provider and the group (the first `--by`), which every run keeps; a section
/// reading the operations or the repeats also reads what building them needs
/// (`ops::COLUMNS`, `repeats::COLUMNS`). Only the columns of the wanted sections are read
/// from the logs: an operation id or a prompt hash is nearly one value per call, and costs
/// as much to read as the rest of the call.
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
            Duplicates duplicates Duplicates WithRepeats [];
            Waste waste Waste Plain [FinishReason];
            Environments environments Environments Plain [Environment];
            Reconciliation reconciliation Reconciliation Plain [];
            Savings savings Savings WithOpsAndRepeats
                [Route Feature Environment Operation ErrorType RequestedModel PromptHash FinishReason];
        }
    };
}
pub(crate) use for_each_section;

/// What several sections read, built once for all the wanted ones that need it.
#[derive(Default)]
pub struct Shared {
    pub ops: Option<Operations>,
    pub repeats: Option<Repeats>,
}

/// What an analysis reads besides the calls.
#[derive(Clone, Copy)]
pub struct Needs {
    pub ops: bool,
    pub repeats: bool,
}

/// An analysis over the calls alone.
pub struct Plain<F>(pub F);
/// An analysis over the operations (attempts grouped).
pub struct WithOps<F>(pub F);
/// An analysis over the repeats (considered calls in prompt chains).
pub struct WithRepeats<F>(pub F);
/// An analysis over both.
pub struct WithOpsAndRepeats<F>(pub F);

/// How the registry runs a section, whichever kind it is: `None` when `Shared` lacks what
/// it needs (never, as `Sections::run` builds what the wanted ones need).
pub trait Analysis<T> {
    const NEEDS: Needs;
    fn run(&self, ctx: &Ctx, shared: &Shared) -> Option<T>;
}

impl<T, F: Fn(&Ctx) -> T> Analysis<T> for Plain<F> {
    const NEEDS: Needs = Needs { ops: false, repeats: false };
    fn run(&self, ctx: &Ctx, _: &Shared) -> Option<T> {
        Some((self.0)(ctx))
    }
}

impl<T, F: Fn(&Ctx, &Operations) -> T> Analysis<T> for WithOps<F> {
    const NEEDS: Needs = Needs { ops: true, repeats: false };
    fn run(&self, ctx: &Ctx, shared: &Shared) -> Option<T> {
        shared.ops.as_ref().map(|o| (self.0)(ctx, o))
    }
}

impl<T, F: Fn(&Ctx, &Repeats) -> T> Analysis<T> for WithRepeats<F> {
    const NEEDS: Needs = Needs { ops: false, repeats: true };
    fn run(&self, ctx: &Ctx, shared: &Shared) -> Option<T> {
        shared.repeats.as_ref().map(|r| (self.0)(ctx, r))
    }
}

impl<T, F: Fn(&Ctx, &Operations, &Repeats) -> T> Analysis<T> for WithOpsAndRepeats<F> {
    const NEEDS: Needs = Needs { ops: true, repeats: true };
    fn run(&self, ctx: &Ctx, shared: &Shared) -> Option<T> {
        Some((self.0)(ctx, shared.ops.as_ref()?, shared.repeats.as_ref()?))
    }
}

/// What the analysis `_a` reads (the type tells; the value is not used).
fn needs<T, A: Analysis<T>>(_a: &A) -> Needs {
    A::NEEDS
}

/// Spawns one section's analysis on `scope` when it is wanted.
fn spawn<'s, T: Send + 's>(
    scope: &Scope<'s>,
    slot: &'s mut Option<T>,
    wanted: bool,
    analysis: impl Analysis<T> + Send + 's,
    ctx: &'s Ctx<'s>,
    shared: &'s Shared,
) {
    if wanted {
        scope.spawn(move |_| *slot = analysis.run(ctx, shared));
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
                        let n = needs(&$kind($module::analyze));
                        let ops: &[StrCol] = if n.ops { &crate::analyze::ops::COLUMNS } else { &[] };
                        let repeats: &[StrCol] = if n.repeats { &crate::analyze::repeats::COLUMNS } else { &[] };
                        [$(StrCol::$col),*].into_iter().chain(ops.iter().copied()).chain(repeats.iter().copied()).collect()
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
                let wanted = |n: fn(Needs) -> bool| false $(|| (n(needs(&$kind($module::analyze))) && wants(Section::$variant)))*;
                // One after the other (each sorts in parallel): their sort keys, 24 bytes a
                // call each, are never held at once.
                let repeats = wanted(|n| n.repeats).then(|| Repeats::build(ctx));
                let ops = wanted(|n| n.ops).then(|| Operations::build(ctx));
                let shared = Shared { ops, repeats };
                let mut s = Sections::default();
                rayon::scope(|scope| {
                    let Sections { $($module),* } = &mut s;
                    $(spawn(scope, $module, wants(Section::$variant), $kind($module::analyze), ctx, &shared);)*
                });
                s
            }
        }
    };
}
for_each_section!(declare_sections);
