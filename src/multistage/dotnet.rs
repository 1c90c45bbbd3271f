//! .NET: `dotnet publish -o DIR` on the SDK image; the runtime is the
//! ASP.NET Core image of the same version (a superset of
//! `dotnet/runtime`; pass `--runtime-base …/runtime:V` for console apps)
//! with the publish directory at the same path.

use super::compiled::{self, Artifact, Spec};
use super::images::{self, ImageRef};
use super::shell::CmdKind;
use super::{abs, push_unique, Analysis, Plan, Refusal};

pub(crate) fn plan(a: &Analysis, r: &ImageRef, opts: &super::Options) -> Result<Plan, Refusal> {
    compiled::only(a, |k| matches!(k, CmdKind::Dotnet { .. }), ".NET")?;
    let (runtime_base, saving) = images::dotnet_runtime(r, true)?;
    let mut outs = Vec::new();
    for (item, c) in a.cmds() {
        if let CmdKind::Dotnet {
            publish: true,
            output,
        } = &c.kind
        {
            let o = output.as_ref().ok_or_else(|| {
                Refusal::new(format!(
                    "line {}: `dotnet publish` without -o: the output path depends on the project",
                    item.ins.start_line
                ))
            })?;
            push_unique(&mut outs, &abs(&item.step.cwd, o));
        }
    }
    if outs.is_empty() {
        return Err(Refusal::new(
            "no `dotnet publish -o DIR`: nothing to carry to the runtime",
        ));
    }
    compiled::exec_argv(a)?;
    compiled::plan(
        a,
        opts,
        Spec {
            runtime_base,
            base_saving: saving,
            artifacts: outs.iter().map(|o| Artifact { from: o.clone(), to: o.clone() }).collect(),
            allow_shell_less: false,
            notes: vec!["aspnet is used (it includes the plain runtime); a console app can use --runtime-base mcr.microsoft.com/dotnet/runtime:V".into()],
        },
    )
}

#[cfg(test)]
mod tests {
    use super::super::tests::convert_text;

    #[test]
    fn publish_dir() {
        let c = convert_text("FROM mcr.microsoft.com/dotnet/sdk:8.0\nWORKDIR /src\nCOPY . .\nRUN dotnet restore \"A/A.csproj\"\nRUN dotnet publish \"A/A.csproj\" -c Release -o /app/publish\nWORKDIR /app/publish\nEXPOSE 8080\nENTRYPOINT [\"dotnet\", \"A.dll\"]\n").unwrap();
        assert_eq!(c.runtime_base, "mcr.microsoft.com/dotnet/aspnet:8.0");
        assert!(c
            .text
            .contains("COPY --from=builder /app/publish /app/publish"));
    }
}
