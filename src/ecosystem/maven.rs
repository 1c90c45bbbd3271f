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
    git_sources: &[],
    plain_value_flags: &[],
    elsewhere: &[],
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
    // Settings and toolchains files named on the command line or in
    // .mvn/maven.config (which Maven reads as extra arguments) are read by
    // the install from the project.
    let config = files.read(".mvn/maven.config").unwrap_or_default();
    let from_config: Vec<&str> = config.split_whitespace().collect();
    for (list, whence) in [
        (args, "the command"),
        (&from_config[..], ".mvn/maven.config"),
    ] {
        if let Some(flag) = list.iter().find(|a| {
            let name = a.split_once('=').map_or(**a, |(n, _)| n);
            matches!(
                name,
                "-s" | "--settings" | "-gs" | "--global-settings" | "-t" | "--toolchains"
            ) || a.starts_with("-s") && a.len() > 2 && !a.starts_with("-sn")
        }) {
            return Some(Class::Unsafe(format!(
                "{whence} names a settings or toolchains file ({flag}), which the install reads"
            )));
        }
    }
    let Some(pom) = files.read("pom.xml") else {
        return Some(super::missing(files, "pom.xml"));
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

#[cfg(test)]
mod tests {
    use super::super::testutil::mem;
    use super::super::{classify, Class};

    /// `-s settings.xml` in .mvn/maven.config (or on the command line) makes
    /// the install read settings.xml, which a split copying pom.xml and .mvn
    /// would not bring.
    #[test]
    fn settings_named_in_maven_config_refuse_the_split() {
        let pom = "<project><modelVersion>4.0.0</modelVersion></project>";
        let f = mem(&[
            ("pom.xml", pom),
            (".mvn/maven.config", "-B -s settings.xml\n"),
        ]);
        match classify(&["mvn", "-B", "dependency:go-offline"], &f) {
            Class::Unsafe(why) => assert!(why.contains(".mvn/maven.config"), "{why}"),
            c => panic!("{c:?}"),
        }
        let f = mem(&[("pom.xml", pom)]);
        assert!(matches!(
            classify(&["mvn", "--settings=ci.xml", "dependency:go-offline"], &f),
            Class::Unsafe(_)
        ));
        assert!(matches!(
            classify(&["mvn", "-B", "dependency:go-offline"], &f),
            Class::Install(_)
        ));
    }
}
