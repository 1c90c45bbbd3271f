//! Each RUN step's effects, computed once per model for every reader: the
//! rules (DO102, DO103, DO104 read them through the rule context) and the
//! fix functions (DO101's and DO102's hazard checks) asked for the same
//! RUN's effects on their own, a twelfth of `check`'s time on the shared
//! corpus.

use super::{of_model_run, Effects};
use crate::model::{Model, Op, Step};
use crate::syntax::Dockerfile;
use std::sync::{Arc, OnceLock};

/// One slot per step of the model it belongs to, filled on first use with
/// [`of_model_run`] (no context files read). The file is known by the
/// address and length of its source, as [`crate::shell::ScriptMemo`] knows
/// it: asked about another file or another model's step, it has no answer.
#[derive(Debug, Clone, Default)]
pub struct EffectsMemo {
    source: (usize, usize),
    slots: Vec<OnceLock<Arc<Effects>>>,
}

impl EffectsMemo {
    /// Empty slots for `steps` steps of a model of `df`.
    pub fn new(df: &Dockerfile, steps: usize) -> EffectsMemo {
        EffectsMemo {
            source: (df.source.as_ptr() as usize, df.source.len()),
            slots: (0..steps).map(|_| OnceLock::new()).collect(),
        }
    }

    /// The effects of `step`, a RUN step of `model` (the model this memo
    /// belongs to, built from `df`); None for another step, model or file.
    pub fn get<'m>(
        &'m self,
        df: &Dockerfile,
        model: &'m Model,
        step: &Step,
    ) -> Option<&'m Effects> {
        let Some(Op::Run(run)) = &step.op else {
            return None;
        };
        if (df.source.as_ptr() as usize, df.source.len()) != self.source {
            return None;
        }
        let at = model.step_index(step)?;
        let ins = df.instructions.get(step.instruction)?;
        let slot = self.slots.get(at)?;
        Some(slot.get_or_init(|| Arc::new(of_model_run(df, model, ins, run))))
    }
}

#[cfg(test)]
mod tests {
    use crate::model::{build, BuildOptions};

    #[test]
    fn computes_once_and_answers_only_its_own_steps() {
        let df = crate::syntax::parse("FROM x\nRUN cat /etc/a\nRUN cat /etc/b\n").unwrap();
        let model = build(&df, &BuildOptions::default()).unwrap();
        let (a, b) = (&model.steps[0], &model.steps[1]);
        let first = model.run_effects(&df, a).unwrap() as *const _;
        let again = model.run_effects(&df, a).unwrap() as *const _;
        assert_eq!(first, again, "computed once");
        assert!(model.run_effects(&df, b).unwrap().reads_under("/etc/b"));
        // Another model of the same text: its steps are not this memo's.
        let other = build(&df, &BuildOptions::default()).unwrap();
        assert!(model.effects.get(&df, &model, &other.steps[0]).is_none());
        // Another file: no answer.
        let df2 = crate::syntax::parse("FROM x\nRUN cat /etc/a\nRUN cat /etc/b\n").unwrap();
        assert!(model.run_effects(&df2, a).is_none());
    }
}
