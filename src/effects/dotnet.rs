//! The dotnet CLI: `dotnet restore` reads the project file(s) in the cwd,
//! `nuget.config` (any casing), `global.json`, `Directory.Build.props`,
//! `Directory.Build.targets` and `Directory.Packages.props` in the cwd and
//! every directory above it, `~/.nuget/NuGet/NuGet.Config`, and `DOTNET_*`,
//! `NUGET_*`, `MSBUILD*`. A solution or a `ProjectReference` reads the tree.

use super::{read_cwd, write_rel, Cmd, Cx, Effects};
use crate::model::path;

pub(super) fn apply(c: &Cmd, cx: &Cx, fx: &mut Effects) -> bool {
    if c.prog != "dotnet" {
        return false;
    }
    fx.env_prefix(&[
        "DOTNET_",
        "NUGET_",
        "MSBUILD",
        "ASPNETCORE_",
        "http_",
        "https_",
        "HTTP_",
        "HTTPS_",
    ]);
    fx.network = true;
    // MSBuild makes every environment variable a property (`$(NAME)` in a
    // project file reads it): restore, build and publish read them all.
    let info_only = matches!(
        c.vals().first().copied().flatten(),
        Some("--version" | "--info" | "--list-sdks" | "--list-runtimes")
    );
    if !info_only {
        fx.env_read.everything = true;
    }
    for d in cx.cwd_and_ancestors() {
        for f in [
            "nuget.config",
            "NuGet.config",
            "NuGet.Config",
            "global.json",
            "Directory.Build.props",
            "Directory.Build.targets",
            "Directory.Packages.props",
            "Directory.Build.rsp",
        ] {
            fx.config(&path::join_abs(&d, f));
        }
    }
    fx.config(&cx.home(".nuget/NuGet/NuGet.Config"));
    fx.read_write(&cx.home(".nuget"));
    fx.read_write(&cx.home(".dotnet"));
    fx.read("/usr/share/dotnet");
    let vals = c.vals();
    let sub = vals.first().copied().flatten();
    let positional = c.positional_with(&[
        "-r",
        "--runtime",
        "-s",
        "--source",
        "--packages",
        "--configfile",
        "-v",
        "--verbosity",
    ]);
    let is_project =
        |n: &str| n.ends_with(".csproj") || n.ends_with(".fsproj") || n.ends_with(".vbproj");
    // `dotnet restore` finds the one project in the cwd; `dotnet restore
    // src/Api/Api.csproj` names it (MSBuild then looks for
    // Directory.Build.* from the project's directory upward).
    let named = match positional.as_slice() {
        [_, p] => p.str().filter(|p| is_project(p)).map(str::to_string),
        _ => None,
    };
    let restore_only = sub == Some("restore") && (positional.len() == 1 || named.is_some());
    let project = match named {
        Some(p) => Some(p),
        None => cx
            .cwd
            .as_deref()
            .and_then(|d| cx.files.list(d))
            .and_then(|names| {
                let projs: Vec<String> = names.iter().filter(|n| is_project(n)).cloned().collect();
                let sln = names
                    .iter()
                    .any(|n| n.ends_with(".sln") || n.ends_with(".slnx"));
                (projs.len() == 1 && !sln).then(|| projs[0].clone())
            }),
    };
    let simple = project.as_ref().is_some_and(|p| {
        cx.abs(p)
            .and_then(|a| cx.files.read(&a))
            .is_some_and(|t| !t.contains("ProjectReference") && !t.contains("Import "))
    });
    match (restore_only, project, simple) {
        (true, Some(p), true) => {
            super::config_rel(fx, cx, &p);
            let dir = p.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
            if let Some(abs) = cx.abs(if dir.is_empty() { "." } else { dir }) {
                let mut d = abs.as_str();
                loop {
                    for f in [
                        "Directory.Build.props",
                        "Directory.Build.targets",
                        "Directory.Packages.props",
                        "nuget.config",
                        "NuGet.config",
                        "NuGet.Config",
                    ] {
                        fx.config(&path::join_abs(d, f));
                    }
                    match d.rsplit_once('/') {
                        Some((up, _)) if !d.is_empty() && d != "/" => {
                            d = if up.is_empty() { "/" } else { up }
                        }
                        _ => break,
                    }
                }
            }
            write_rel(
                fx,
                cx,
                &format!(
                    "{}obj",
                    if dir.is_empty() {
                        String::new()
                    } else {
                        format!("{dir}/")
                    }
                ),
            );
        }
        _ if matches!(sub, Some("--version" | "--info" | "--list-sdks")) => {}
        _ => {
            read_cwd(fx, cx);
            write_rel(fx, cx, "obj");
            write_rel(fx, cx, "bin");
            for o in c.opt_values(&["-o", "--output"]) {
                super::write_arg(fx, cx, &super::Arg::text(o));
            }
            if matches!(sub, Some("run" | "test" | "tool")) {
                fx.give_up("this dotnet command runs code this model does not read");
            }
        }
    }
    config_references(fx, cx);
    true
}

/// What the MSBuild and NuGet files it reads name in turn: a package source
/// that is a local folder (`<add key="feed" value="./local-feed" />` in
/// nuget.config) is read by a restore, and a props file that imports
/// another reads that file too (any file: this model gives up).
fn config_references(fx: &mut Effects, cx: &Cx) {
    let configs: Vec<String> = fx.config_files.iter().cloned().collect();
    for p in configs {
        let Some(text) = cx.files.read(&p) else {
            continue;
        };
        let name = p.rsplit('/').next().unwrap_or(&p).to_ascii_lowercase();
        let dir = p
            .rsplit_once('/')
            .map_or("/", |(d, _)| if d.is_empty() { "/" } else { d });
        let lower = text.to_ascii_lowercase();
        if name == "nuget.config" {
            let Some(start) = lower.find("<packagesources>") else {
                continue;
            };
            let end = lower[start..]
                .find("</packagesources>")
                .map_or(text.len(), |e| start + e);
            for source in package_source_values(&text[start..end]) {
                if source.contains("://") {
                    continue;
                }
                if source.contains('%') || source.contains('$') {
                    fx.give_up(format!(
                        "{p} names a package source this model cannot resolve ({source})"
                    ));
                    return;
                }
                let local = source.replace('\\', "/");
                fx.read(&path::join_abs(dir, &local));
            }
        } else if (name.ends_with(".props") || name.ends_with(".targets"))
            && lower.contains("<import ")
        {
            fx.give_up(format!("{p} imports other MSBuild files"));
            return;
        }
    }
}

/// The `value` of each `<add … />` element in a `<packageSources>` section.
fn package_source_values(section: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = section;
    while let Some(i) = rest.find("<add") {
        rest = &rest[i + 4..];
        let elem = rest.split('>').next().unwrap_or("");
        if let Some(v) = elem.find("value=") {
            let after = &elem[v + 6..];
            let quote = after.chars().next().filter(|q| *q == '"' || *q == '\'');
            if let Some(q) = quote {
                if let Some(end) = after[1..].find(q) {
                    out.push(&after[1..1 + end]);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{fx, fx_files};

    /// A local package source in nuget.config is read by the restore; an
    /// https one is not a file; a props file that imports another reads any.
    #[test]
    fn nuget_local_sources_and_imports_are_read() {
        let cfg = r#"<configuration><packageSources><clear /><add key="nuget" value="https://api.nuget.org/v3/index.json" /><add key="local" value="./local-feed" /></packageSources><packageSourceCredentials><local><add key="Username" value="u" /></local></packageSourceCredentials></configuration>"#;
        let e = fx_files(
            "dotnet restore",
            &[
                ("/app/api.csproj", "<Project/>"),
                ("/app/NuGet.Config", cfg),
            ],
        );
        assert!(e.reads_under("/app/local-feed/x.nupkg"), "{:?}", e.reads);
        assert!(!e.reads_under("/app/u") && !e.unknown);
        let e = fx_files(
            "dotnet restore",
            &[
                ("/app/api.csproj", "<Project/>"),
                (
                    "/app/Directory.Build.props",
                    r#"<Project><Import Project="build/common.props" /></Project>"#,
                ),
            ],
        );
        assert!(e.unknown);
    }

    #[test]
    fn restore() {
        let e = fx_files("dotnet restore", &[("/app/api.csproj", "<Project/>")]);
        assert!(e.reads_under("/app/api.csproj") && e.reads_under("/app/nuget.config"));
        assert!(e.reads_under("/Directory.Build.props") && !e.reads_under("/app/Program.cs"));
        assert!(fx("dotnet restore", &[]).reads_under("/app/Program.cs"));
        // Naming the project: its file and the MSBuild files above it, not the tree.
        let e = fx_files(
            "dotnet restore Api/Api.csproj",
            &[
                ("/app/Api/Api.csproj", "<Project/>"),
                ("/app/Api/Program.cs", ""),
            ],
        );
        assert!(
            e.reads_under("/app/Api/Api.csproj") && e.reads_under("/app/Api/Directory.Build.props")
        );
        assert!(!e.reads_under("/app/Api/Program.cs") && e.writes_under("/app/Api/obj"));
    }
}
