//! Maven: `mvn dependency:go-offline` reads pom.xml (and `.mvn/`, the
//! wrapper; the effects model's `java` family knows them).

use super::{has, opt, Class, Ecosystem, Files, Install, Toolchain};

pub const TOOLCHAIN: Toolchain = Toolchain {
    images: &["maven"],
    compiles: &[
        ("mvn", &["package", "install", "verify"]),
        ("mvnw", &["package", "install", "verify"]),
    ],
    runs_from_source: &[
        ("mvn", &["spring-boot:run", "exec:java", "quarkus:dev"]),
        ("mvnw", &["spring-boot:run", "exec:java", "quarkus:dev"]),
    ],
};

pub const ECOSYSTEM: Ecosystem = Ecosystem {
    name: "maven",
    manifests: &["pom.xml"],
    lockfiles: &[],
    effects: "java",
    installs: &["mvn dependency:go-offline", "./mvnw dependency:go-offline"],
    caches: &["/root/.m2/repository"],
    install_outputs: &["target"],
    build_outputs: &["target"],
    runtime_images: &["eclipse-temurin", "openjdk"],
    toolchain: Some(&TOOLCHAIN),
    detect,
    classify,
};

fn detect(prog: &str, args: &[&str]) -> Option<&'static [&'static str]> {
    (matches!(prog, "mvn" | "mvnw") && args.iter().any(|a| a.starts_with("dependency:")))
        .then_some(&["pom.xml"][..])
}

fn classify(prog: &str, args: &[&str], files: &dyn Files) -> Option<Class> {
    if !matches!(prog, "mvn" | "mvnw") {
        return None;
    }
    if !args
        .iter()
        .any(|a| a.ends_with("dependency:go-offline") || a.ends_with("dependency:resolve"))
    {
        return None;
    }
    if args
        .iter()
        .any(|a| !a.starts_with('-') && !a.contains("dependency:"))
        || has(args, &["-f", "--file"])
    {
        return Some(Class::Other);
    }
    let Some(pom) = files.read("pom.xml") else {
        return Some(super::missing("pom.xml"));
    };
    if pom.contains("<modules>") || pom.contains("<relativePath>") {
        return Some(Class::Unsafe(
            "a multi-module pom.xml needs the modules' poms too".into(),
        ));
    }
    let mut required = vec!["pom.xml".to_string()];
    if prog == "mvnw" {
        required.push("mvnw".into());
    }
    Some(Class::Install(Install {
        eco: "maven",
        required,
        optional: opt(files, &[".mvn"]),
        outputs: vec!["target"],
    }))
}
