//! Maven (`pom.xml`, `.mvn/` with `maven.config`, `jvm.config` and the
//! wrapper, `~/.m2/settings.xml`, `MAVEN_*`) and Gradle (`settings.gradle*`,
//! `build.gradle*`, `gradle.properties`, `gradle/`, `buildSrc/`,
//! `~/.gradle`, `GRADLE_*`, `ORG_GRADLE_PROJECT_*`). Only dependency
//! resolution of a single-module project reads just the build files; every
//! other goal or task reads the project tree.

use super::{config_rel, read_cwd, write_rel, Cmd, Cx, Effects};

pub(super) fn apply(c: &Cmd, cx: &Cx, fx: &mut Effects) -> bool {
    let maven = matches!(c.prog, "mvn" | "mvnw");
    let gradle = matches!(c.prog, "gradle" | "gradlew");
    if !maven && !gradle {
        return false;
    }
    fx.env_prefix(&[
        "JAVA_",
        "JDK_",
        "_JAVA_OPTIONS",
        "http_",
        "https_",
        "HTTP_",
        "HTTPS_",
    ]);
    fx.network = true;
    let goals: Vec<&str> = c
        .positional_with(&[
            "-f",
            "--file",
            "-s",
            "--settings",
            "-P",
            "-pl",
            "-D",
            "-p",
            "--project-dir",
            "-b",
            "--build-file",
            "-c",
            "--settings-file",
            "-I",
            "--init-script",
            "-x",
            "--exclude-task",
        ])
        .into_iter()
        .filter_map(|a| a.str())
        .collect();
    if c.args.iter().any(|a| a.str().is_none()) {
        fx.reads = super::PathSet::everything();
    }
    // pom.xml reads any variable as `${env.NAME}`; Gradle build scripts are
    // code (`System.getenv("NAME")`): both consult the whole environment.
    fx.env_read.everything = true;
    if maven {
        fx.env_prefix(&["MAVEN_", "M2_"]);
        for f in ["pom.xml", ".mvn", "mvnw"] {
            config_rel(fx, cx, f);
        }
        fx.config(&cx.home(".m2/settings.xml"));
        fx.config(&cx.home(".m2/settings-security.xml"));
        fx.config("/usr/share/maven/conf/settings.xml");
        fx.read_write(&cx.home(".m2"));
        fx.read("/usr/share/maven");
        let deps_only = !goals.is_empty()
            && goals.iter().all(|g| {
                g.contains("dependency:go-offline")
                    || g.contains("dependency:resolve")
                    || g.contains("dependency:resolve-plugins")
            });
        let single = cx
            .abs("pom.xml")
            .and_then(|p| cx.files.read(&p))
            .is_some_and(|t| !t.contains("<modules>") && !t.contains("<relativePath>"));
        if !(deps_only && single) || c.has(&["-f", "--file"]) {
            read_cwd(fx, cx);
        }
        write_rel(fx, cx, "target");
    } else {
        fx.env_prefix(&["GRADLE_", "ORG_GRADLE_PROJECT_"]);
        for f in [
            "settings.gradle",
            "settings.gradle.kts",
            "build.gradle",
            "build.gradle.kts",
            "gradle.properties",
            "gradle",
            "gradlew",
            "buildSrc",
        ] {
            config_rel(fx, cx, f);
        }
        fx.config(&cx.home(".gradle/gradle.properties"));
        fx.config(&cx.home(".gradle/init.d"));
        fx.config(&cx.home(".gradle/init.gradle"));
        fx.read_write(&cx.home(".gradle"));
        let deps_only = !goals.is_empty()
            && goals
                .iter()
                .all(|t| *t == "dependencies" || t.ends_with(":dependencies"));
        let single = ["settings.gradle", "settings.gradle.kts"].iter().all(|s| {
            cx.abs(s)
                .and_then(|p| cx.files.read(&p))
                .is_none_or(|t| !t.contains("include"))
        }) && cx.cwd.as_deref().and_then(|d| cx.files.list(d)).is_some();
        if !(deps_only && single) {
            read_cwd(fx, cx);
        }
        write_rel(fx, cx, ".gradle");
        write_rel(fx, cx, "build");
    }
    true
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{fx, fx_files};

    #[test]
    fn maven() {
        let e = fx_files(
            "mvn -B dependency:go-offline",
            &[("/app/pom.xml", "<project/>")],
        );
        assert!(e.reads_under("/app/pom.xml") && e.reads_under("/app/.mvn/maven.config"));
        assert!(!e.reads_under("/app/src") && e.reads_env("MAVEN_OPTS"));
        assert!(fx("mvn package", &[]).reads_under("/app/src"));
    }
}
