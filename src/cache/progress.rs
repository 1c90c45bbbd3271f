//! BuildKit's progress labels `[stage k/n]`, so results can be matched to
//! `docker build --progress=plain` output (spec §11).

use crate::model::{Base, Model};
use crate::syntax::Keyword;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Progress {
    /// The stage name, or `stage-N`.
    pub stage: String,
    pub k: usize,
    pub n: usize,
}

/// For every step of the model, its label if it emits an op.
pub fn progress_labels(model: &Model) -> Vec<Option<Progress>> {
    labels(model).0
}

/// Per stage, per ONBUILD trigger of its base image, its label if it emits an op.
/// Triggers come right after FROM; current BuildKit counts them in n.
pub fn trigger_labels(model: &Model) -> Vec<Vec<Option<Progress>>> {
    labels(model).1
}

type Labels = (Vec<Option<Progress>>, Vec<Vec<Option<Progress>>>);

fn labels(model: &Model) -> Labels {
    let mut out = vec![None; model.steps.len()];
    let mut triggers = Vec::new();
    for stage in &model.stages {
        let mine_steps = model.stage_range(stage.index);
        let from_image = matches!(stage.base, Base::Image(_));
        let counted = |k: Keyword| {
            matches!(
                k,
                Keyword::Run | Keyword::Copy | Keyword::Add | Keyword::Workdir
            )
        };
        let n = usize::from(from_image)
            + stage
                .onbuild
                .iter()
                .filter(|t| t.keyword.is_some_and(counted))
                .count()
            + model
                .stage_steps(stage.index)
                .filter(|s| counted(s.keyword))
                .count();
        // `k` advances only for ops that exist: `WORKDIR /` is counted in n, not in k.
        let mut k = usize::from(from_image);
        let mut mine = Vec::new();
        for t in &stage.onbuild {
            mine.push(t.op.as_ref().map(|_| {
                k += 1;
                Progress {
                    stage: stage.label(),
                    k,
                    n,
                }
            }));
        }
        triggers.push(mine);
        for i in mine_steps {
            let step = &model.steps[i];
            if step.op.is_none() {
                continue;
            }
            k += 1;
            out[i] = Some(Progress {
                stage: stage.label(),
                k,
                n,
            });
        }
    }
    (out, triggers)
}
