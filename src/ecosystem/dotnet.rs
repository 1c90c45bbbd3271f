//! .NET: `dotnet restore [X.csproj]` reads the project file (NuGet.config,
//! Directory.Build.*, global.json are the effects model's `dotnet` family).

use super::{has, sub, Class, Ecosystem, Files, Install, Toolchain};

pub const TOOLCHAIN: Toolchain = Toolchain {
    images: &["mcr.microsoft.com/dotnet/sdk"],
    compiles: &[("dotnet", &["publish", "build"])],
    runs_from_source: &[("dotnet", &["run", "watch"])],
};

pub const ECOSYSTEM: Ecosystem = Ecosystem {
    name: "dotnet",
    manifests: &["Directory.Packages.props", "packages.lock.json"],
    lockfiles: &["packages.lock.json"],
    effects: "dotnet",
    installs: &["dotnet restore", "dotnet restore App.csproj"],
    caches: &["/root/.nuget/packages"],
    install_outputs: &["obj", "bin"],
    build_outputs: &["bin", "obj"],
    runtime_images: &[
        "mcr.microsoft.com/dotnet/aspnet",
        "mcr.microsoft.com/dotnet/runtime",
    ],
    toolchain: Some(&TOOLCHAIN),
    git_sources: &[],
    plain_value_flags: &["-r", "--runtime"],
    elsewhere: &[
        super::Elsewhere::Any("--configfile"),
        super::Elsewhere::Relative("--packages"),
        super::Elsewhere::Any("-p:"),
        super::Elsewhere::Any("/p:"),
        super::Elsewhere::Any("--property:"),
        super::Elsewhere::Any("--property"),
    ],
    detect,
    classify,
};

/// `App.csproj`, `Lib.fsproj`, `Old.vbproj`.
pub fn is_project_file(base: &str) -> bool {
    [".csproj", ".fsproj", ".vbproj"]
        .iter()
        .any(|e| base.ends_with(e) && base.len() > e.len())
}

fn detect(prog: &str, args: &[&str]) -> Option<&'static [&'static str]> {
    (prog == "dotnet" && sub(args).0 == "restore").then_some(&["*.csproj"][..])
}

fn classify(prog: &str, args: &[&str], files: &dyn Files) -> Option<Class> {
    if prog != "dotnet" || args.first() != Some(&"restore") {
        return None;
    }
    // `-r linux-$TARGETARCH` picks the runtime packs to restore: the same
    // project files are read (opentelemetry-demo's services restore so). A
    // `--source` may be a folder of packages, which the split does not copy.
    let mut rest: Vec<&str> = Vec::new();
    let mut words = args[1..].iter().copied();
    while let Some(a) = words.next() {
        match a {
            "-r" | "--runtime" => {
                if words.next().is_none() {
                    return Some(Class::Other);
                }
            }
            _ if a.starts_with("--runtime=") => {}
            _ => rest.push(a),
        }
    }
    let positional: Vec<&str> = rest
        .iter()
        .copied()
        .filter(|a| !a.starts_with('-'))
        .collect();
    if has(&rest, &["-s", "--source"]) {
        return Some(Class::Other);
    }
    let project = match positional.as_slice() {
        [] => {
            let top = files.list("");
            let projects: Vec<String> =
                top.iter().filter(|n| is_project_file(n)).cloned().collect();
            if projects.len() != 1 || top.iter().any(|n| n.ends_with(".sln")) {
                return Some(Class::Unsafe(
                    "not exactly one project file at the top (solutions and multi-project builds are not split)"
                        .into(),
                ));
            }
            projects[0].clone()
        }
        // `dotnet restore src/Api/Api.csproj`: the project it names.
        [p] if is_project_file(p.rsplit('/').next().unwrap_or(p)) => {
            if files.kind(p) != Some(false) {
                return Some(super::missing(files, p));
            }
            p.to_string()
        }
        [p] => {
            return Some(Class::Unsafe(format!(
            "`dotnet restore {p}` names a solution or directory, whose projects are not read here"
        )))
        }
        _ => return Some(Class::Other),
    };
    let proj = files.read(&project).unwrap_or_default();
    if proj.contains("ProjectReference") {
        return Some(Class::Unsafe(
            "the project references other projects, which are not copied first".into(),
        ));
    }
    Some(Class::Install(Install {
        eco: "dotnet",
        required: vec![project],
        optional: super::opt(files, &["Directory.Packages.props", "packages.lock.json"]),
        outputs: vec!["obj", "bin"],
    }))
}

#[cfg(test)]
mod tests {
    use super::super::testutil::mem;
    use super::super::{classify, Class};

    #[test]
    fn restore_naming_the_project() {
        let f = mem(&[
            ("src/Api/Api.csproj", "<Project/>"),
            ("src/Api/Program.cs", ""),
        ]);
        match classify(&["dotnet", "restore", "src/Api/Api.csproj"], &f) {
            Class::Install(i) => assert_eq!(i.required, ["src/Api/Api.csproj"]),
            c => panic!("{c:?}"),
        }
        assert!(matches!(
            classify(&["dotnet", "restore", "App.sln"], &f),
            Class::Unsafe(_)
        ));
    }

    #[test]
    fn restore_for_a_runtime_reads_the_same_project() {
        let f = mem(&[("src/Api/Api.csproj", "<Project/>")]);
        for args in [
            &["dotnet", "restore", "src/Api/Api.csproj", "-r", "linux-x64"][..],
            &[
                "dotnet",
                "restore",
                "--runtime",
                "linux-$TARGETARCH",
                "src/Api/Api.csproj",
            ],
            &[
                "dotnet",
                "restore",
                "src/Api/Api.csproj",
                "--runtime=linux-arm64",
            ],
        ] {
            match classify(args, &f) {
                Class::Install(i) => assert_eq!(i.required, ["src/Api/Api.csproj"], "{args:?}"),
                c => panic!("{args:?}: {c:?}"),
            }
        }
        // A package source may be a folder; a flag with no value is no install.
        for args in [
            &["dotnet", "restore", "src/Api/Api.csproj", "-s", "./pkgs"][..],
            &["dotnet", "restore", "src/Api/Api.csproj", "-r"],
        ] {
            assert!(matches!(classify(args, &f), Class::Other), "{args:?}");
        }
    }
}
