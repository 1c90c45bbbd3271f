//! Gradle: `gradle dependencies` reads the build and settings scripts,
//! `gradle.properties` and the wrapper under `gradle/`.

use super::{opt, Class, Ecosystem, Files, Install, Toolchain};

/// The tasks that compile an artifact, the same for `gradle` and `./gradlew`.
const BUILD_TASKS: &[&str] = &[
    "build",
    "assemble",
    "bootJar",
    "jar",
    "installDist",
    "shadowJar",
];

pub const TOOLCHAIN: Toolchain = Toolchain {
    images: &["gradle"],
    compiles: &[("gradle", BUILD_TASKS), ("gradlew", BUILD_TASKS)],
    runs_from_source: &[
        ("gradle", &["run", "bootRun"]),
        ("gradlew", &["run", "bootRun"]),
    ],
};

pub const ECOSYSTEM: Ecosystem = Ecosystem {
    name: "gradle",
    manifests: &[
        "build.gradle",
        "build.gradle.kts",
        "settings.gradle",
        "settings.gradle.kts",
        "gradle.properties",
    ],
    lockfiles: &["gradle.lockfile"],
    effects: "java",
    installs: &["gradle dependencies", "./gradlew dependencies"],
    caches: &["/root/.gradle/caches"],
    install_outputs: &[".gradle", "build"],
    build_outputs: &["build"],
    runtime_images: &["eclipse-temurin", "openjdk"],
    toolchain: Some(&TOOLCHAIN),
    git_sources: &[],
    plain_value_flags: &[],
    elsewhere: &[
        super::Elsewhere::Any("-p"),
        super::Elsewhere::Any("--project-dir"),
        super::Elsewhere::Any("-c"),
        super::Elsewhere::Any("--settings-file"),
        super::Elsewhere::Any("-b"),
        super::Elsewhere::Any("--build-file"),
        super::Elsewhere::Any("-I"),
        super::Elsewhere::Any("--init-script"),
        super::Elsewhere::Relative("-g"),
        super::Elsewhere::Relative("--gradle-user-home"),
    ],
    detect,
    classify,
};

fn detect(prog: &str, args: &[&str]) -> Option<&'static [&'static str]> {
    let tasks: Vec<&&str> = args.iter().filter(|a| !a.starts_with('-')).collect();
    (matches!(prog, "gradle" | "gradlew")
        && !tasks.is_empty()
        && tasks.iter().all(|t| **t == "dependencies"))
    .then_some(&["build.gradle", "settings.gradle"][..])
}

fn classify(prog: &str, args: &[&str], files: &dyn Files) -> Option<Class> {
    if !matches!(prog, "gradle" | "gradlew") {
        return None;
    }
    let tasks: Vec<&str> = args
        .iter()
        .copied()
        .filter(|a| !a.starts_with('-'))
        .collect();
    if tasks.is_empty() || !tasks.iter().all(|t| *t == "dependencies") {
        return None;
    }
    if files.kind("buildSrc").is_some() {
        return Some(Class::Unsafe(
            "buildSrc is compiled by every Gradle invocation".into(),
        ));
    }
    for s in ["settings.gradle", "settings.gradle.kts"] {
        if let Some(t) = files.read(s) {
            if t.contains("include") {
                return Some(Class::Unsafe(
                    "a multi-project build needs the subprojects' build files".into(),
                ));
            }
        }
    }
    let build = opt(files, &["build.gradle", "build.gradle.kts"]);
    if build.is_empty() {
        return Some(super::missing(files, "build.gradle"));
    }
    let mut required = build;
    if prog == "gradlew" {
        required.push("gradlew".into());
    }
    let mut optional = opt(
        files,
        &[
            "settings.gradle",
            "settings.gradle.kts",
            "gradle.properties",
        ],
    );
    if files.kind("gradle") == Some(true) {
        optional.push("gradle".into());
    }
    Some(Class::Install(Install {
        eco: "gradle",
        required,
        optional,
        outputs: vec![".gradle", "build"],
    }))
}
