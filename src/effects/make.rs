//! Build drivers (make, cmake, ninja, meson, autotools scripts): they read
//! their build file (`Makefile`, `GNUmakefile`, `makefile`, `-f FILE`,
//! `CMakeLists.txt`…) and whatever their recipes read — so the whole cwd
//! tree at least — and recipes run arbitrary commands, so this model treats
//! them as reading and writing everything.

use super::{Cmd, Cx, Effects};

pub(super) fn apply(c: &Cmd, _cx: &Cx, fx: &mut Effects) -> bool {
    if !matches!(
        c.prog,
        "make"
            | "gmake"
            | "cmake"
            | "ninja"
            | "meson"
            | "configure"
            | "scons"
            | "bazel"
            | "just"
            | "task"
    ) {
        return false;
    }
    fx.give_up(format!(
        "`{}` runs recipes (reads the whole tree and more)",
        c.prog
    ));
    true
}

#[cfg(test)]
mod tests {
    use super::super::testutil::fx;

    #[test]
    fn make_reads_everything() {
        let e = fx("make -C /src install", &[]);
        assert!(e.reads_under("/app/Makefile") && e.writes_under("/usr/local"));
    }
}
