//! Java: maven/gradle package in the builder; the runtime is the Eclipse
//! Temurin JRE of the same Java version with the jar the command runs
//! (`java -jar X.jar`), at the same path.

use super::compiled::{self, Artifact, Spec};
use super::images::{self, ImageRef};
use super::shell::CmdKind;
use super::{abs, Analysis, Plan, Refusal};

pub(crate) fn plan(a: &Analysis, r: &ImageRef, opts: &super::Options) -> Result<Plan, Refusal> {
    compiled::only(a, |k| matches!(k, CmdKind::Java), "Java")?;
    let (runtime_base, saving) = images::java_runtime(r)?;
    if !a.cmds().any(|(_, c)| c.kind == CmdKind::Java) {
        return Err(Refusal::new(
            "no maven/gradle build: nothing to carry to the runtime",
        ));
    }
    let argv = compiled::exec_argv(a)?;
    if argv.first().map(String::as_str) != Some("java") {
        return Err(Refusal::new(
            "the command is not `java …`: cannot tell what runs",
        ));
    }
    let jar = argv
        .iter()
        .position(|w| w == "-jar")
        .and_then(|i| argv.get(i + 1))
        .ok_or_else(|| Refusal::new("no `java -jar FILE`: cannot tell which jar runs"))?;
    if jar.contains(['*', '$']) {
        return Err(Refusal::new(format!("jar `{jar}` uses a glob or variable")));
    }
    let at = abs(&a.workdir(), jar);
    compiled::plan(
        a,
        opts,
        Spec {
            runtime_base,
            base_saving: saving,
            artifacts: vec![Artifact {
                from: at.clone(),
                to: at,
            }],
            allow_shell_less: false,
            notes: vec![],
        },
    )
}

#[cfg(test)]
mod tests {
    use super::super::tests::convert_text;

    #[test]
    fn maven_and_gradle() {
        let c = convert_text("FROM maven:3.9-eclipse-temurin-21\nWORKDIR /app\nCOPY . .\nRUN mvn clean package -DskipTests\nCMD [\"java\", \"-jar\", \"target/orders-0.1.0.jar\"]\n").unwrap();
        assert_eq!(c.runtime_base, "eclipse-temurin:21-jre");
        assert!(c.text.contains(
            "COPY --from=builder /app/target/orders-0.1.0.jar /app/target/orders-0.1.0.jar"
        ));
        let c = convert_text("FROM gradle:8.8-jdk21\nWORKDIR /p\nCOPY . .\nRUN gradle build --no-daemon\nENTRYPOINT [\"java\", \"-jar\", \"build/libs/c.jar\"]\n").unwrap();
        assert_eq!(c.runtime_base, "eclipse-temurin:21-jre");
    }

    #[test]
    fn refuses_globbed_jar() {
        assert!(convert_text("FROM maven:3.9-eclipse-temurin-21\nCOPY . .\nRUN mvn package\nCMD [\"java\", \"-jar\", \"target/*.jar\"]\n").is_err());
    }
}
