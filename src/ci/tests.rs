//! Pipeline reading on small in-memory repositories.

use super::*;

fn repo(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    for (p, body) in files {
        let path = dir.path().join(p);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{e}"));
        }
        std::fs::write(path, body).unwrap_or_else(|e| panic!("{e}"));
    }
    dir
}

const WF: &str = "name: ci
on: push
jobs:
  image:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: docker/build-push-action@v6
        with:
          context: ./api
          file: ./api/Dockerfile
          target: runtime
          push: true
          build-args: |
            VERSION=1
            MODE=prod
          cache-from: type=gha,scope=api
          cache-to: type=gha,scope=api
      - run: |
          docker build -t web:ci \\
            --cache-from web:latest --build-arg BUILDKIT_INLINE_CACHE=1 web
";

#[test]
fn github_build_push_action_and_run() {
    let d = repo(&[(".github/workflows/ci.yml", WF)]);
    let (b, w) = read_all(d.path());
    assert!(w.is_empty(), "{w:?}");
    assert_eq!(b.len(), 2);
    let a = &b[0];
    assert_eq!(a.origin, Origin::BuildPushAction);
    assert_eq!(a.job.as_deref(), Some("image"));
    assert_eq!(a.context, PathBuf::from("api"));
    assert_eq!(a.dockerfile, PathBuf::from("api/Dockerfile"));
    assert_eq!(a.target.as_deref(), Some("runtime"));
    assert_eq!(a.build_args.len(), 2);
    assert!(a.push);
    assert_eq!(a.line, 8);
    assert_eq!(
        a.cache_source(),
        CacheSource::Gha {
            mode: ExportMode::Min,
            scope: Some("api".into())
        }
    );
    let to = &a.cache_to[0];
    assert_eq!(&WF[to.span.start..to.span.end], "type=gha,scope=api");
    let r = &b[1];
    assert_eq!(r.origin, Origin::GithubRun);
    assert_eq!(r.context, PathBuf::from("web"));
    assert_eq!(r.dockerfile, PathBuf::from("web/Dockerfile"));
    assert_eq!(r.cache_source(), CacheSource::Inline);
    assert_eq!(r.line, 20);
}

#[test]
fn gitlab_and_scripts() {
    let gl = "build:\n  image: docker:24\n  script:\n    - docker pull $CI_REGISTRY_IMAGE:latest || true\n    - docker build --cache-from $CI_REGISTRY_IMAGE:latest -t $CI_REGISTRY_IMAGE:latest .\n    - docker push $CI_REGISTRY_IMAGE:latest\n";
    let d = repo(&[
        (".gitlab-ci.yml", gl),
        ("scripts/build.sh", "#!/bin/sh\ndocker build --no-cache -f docker/Dockerfile .\n"),
        ("Makefile", "image:\n\tdocker buildx build --cache-to type=registry,ref=r/x:c,mode=max --cache-from type=registry,ref=r/x:c .\n"),
    ]);
    let (b, _) = read_all(d.path());
    assert_eq!(b.len(), 3, "{b:#?}");
    assert_eq!(b[0].origin, Origin::GitlabScript);
    assert_eq!(b[0].line, 5);
    // --cache-from an image without inline cache metadata imports nothing.
    assert_eq!(b[0].cache_source(), CacheSource::None);
    let names: Vec<String> = b.iter().map(|x| x.file.display().to_string()).collect();
    assert!(names.contains(&"Makefile".to_string()), "{names:?}");
    let mk = b
        .iter()
        .find(|x| x.file == Path::new("Makefile"))
        .unwrap_or_else(|| panic!("no Makefile build"));
    assert_eq!(
        mk.cache_source(),
        CacheSource::Registry {
            mode: ExportMode::Max
        }
    );
    let sh = b
        .iter()
        .find(|x| x.file.ends_with("build.sh"))
        .unwrap_or_else(|| panic!("no script build"));
    assert_eq!(sh.dockerfile, PathBuf::from("docker/Dockerfile"));
    assert!(sh.no_cache.is_some());
    assert_eq!(sh.cache_source(), CacheSource::None);
}

#[test]
fn bad_yaml_is_a_warning_not_a_panic() {
    let d = repo(&[(".github/workflows/x.yml", "jobs: [unclosed\n")]);
    let (b, w) = read_all(d.path());
    assert!(b.is_empty());
    assert_eq!(w.len(), 1, "{w:?}");
}

#[test]
fn build_push_action_builder_follows_setup_buildx_steps() {
    let wf = "on: push
jobs:
  none:
    runs-on: x
    steps:
      - uses: docker/build-push-action@v6
  setup:
    runs-on: x
    steps:
      - uses: docker/setup-buildx-action@v3
        id: bx
        with:
          use: false
      - uses: docker/build-push-action@v6
      - uses: docker/build-push-action@v6
        with:
          builder: ${{ steps.bx.outputs.name }}
      - uses: docker/setup-buildx-action@v3
        with:
          driver: docker
      - uses: docker/build-push-action@v6
";
    let d = repo(&[(".github/workflows/ci.yml", wf)]);
    let (b, w) = read_all(d.path());
    assert!(w.is_empty(), "{w:?}");
    let builders: Vec<Option<&str>> = b
        .iter()
        .map(|x| x.builder.as_ref().and_then(Builder::driver))
        .collect();
    assert_eq!(
        builders,
        [
            Some("docker"),
            Some("docker"),
            Some("docker-container"),
            Some("docker")
        ]
    );
    assert_eq!(b[0].builder, Some(Builder::DockerDefault));
    assert_eq!(
        b[3].builder,
        Some(Builder::Buildx {
            driver: "docker".into(),
            line: 18
        })
    );
    let (_, why) =
        analyze::suggest(&b[0], &CacheSource::None, &[]).unwrap_or_else(|| panic!("no suggestion"));
    assert!(why.contains("docker/setup-buildx-action"), "{why}");
    let (_, why) =
        analyze::suggest(&b[2], &CacheSource::None, &[]).unwrap_or_else(|| panic!("no suggestion"));
    assert!(!why.contains("setup-buildx"), "{why}");
    assert_eq!(step_output_name("${{ steps.bx.outputs.name }}"), Some("bx"));
    assert_eq!(step_output_name("${{ env.B }}"), None);
}
