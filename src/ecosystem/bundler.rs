//! Bundler: `bundle install` reads Gemfile and Gemfile.lock (`.bundle/config`
//! and `BUNDLE_*` are the effects model's `ruby` family).

use super::{has, opt, sub, Class, Ecosystem, Files, Install};

pub const ECOSYSTEM: Ecosystem = Ecosystem {
    name: "bundler",
    manifests: &["Gemfile"],
    lockfiles: &["Gemfile.lock"],
    effects: "ruby",
    installs: &["bundle install", "bundle install --frozen"],
    caches: &["/usr/local/bundle/cache"],
    install_outputs: &[".bundle", "vendor/bundle"],
    build_outputs: &[],
    runtime_images: &["ruby"],
    toolchain: None,
    git_sources: &[
        ("Gemfile", "git:"),
        ("Gemfile", "github:"),
        ("Gemfile", ":git"),
        ("Gemfile.lock", "GIT\n"),
    ],
    plain_value_flags: &[],
    elsewhere: &[super::Elsewhere::Any("--gemfile")],
    detect,
    classify,
};

/// The official ruby images' gem directory (their `GEM_HOME`, `BUNDLE_APP_CONFIG`).
pub const IMAGE_GEM_HOME: &str = "/usr/local/bundle";

/// Variables naming where Bundler installs, most specific first.
pub const GEM_DIRS: &[&str] = &["BUNDLE_PATH", "GEM_HOME"];

/// Flags that make Bundler record settings (where the gems are) in its app
/// config, outside the gem directory.
pub const SETTINGS_FLAGS: &[&str] = &["--deployment", "--path", "--system"];

/// Bundler's app cache beside the Gemfile (`Bundler.app_cache`: the
/// `cache_path` setting, `BUNDLE_CACHE_PATH`, else `vendor/cache`): `bundle
/// install` takes gems from it before fetching, and (not frozen) caches
/// into it when it exists.
pub const APP_CACHE: &str = "vendor/cache";

/// Identifiers (methods, constants, keywords) through which a Gemfile, which
/// is Ruby code `Bundler::Dsl` evaluates, may read other files: `File.read`,
/// `IO.readlines`, `Dir[...]`, `__dir__`/`__FILE__` paths, the reading
/// methods themselves (`Bundler.root.join("v").read`), `require`,
/// `require_relative`, `load`, `eval` and its kin (and `send`, which can call
/// any of them by name), `gemspec` (reads `*.gemspec`, which often reads
/// the sources), `eval_gemfile`.
const READING_CALLS: &[&str] = &[
    "File",
    "FileUtils",
    "IO",
    "Dir",
    "Pathname",
    "Kernel",
    "YAML",
    "Psych",
    "JSON",
    "ERB",
    "__dir__",
    "__FILE__",
    "require",
    "require_relative",
    "load",
    "autoload",
    "eval",
    "instance_eval",
    "class_eval",
    "module_eval",
    "instance_exec",
    "binding",
    "send",
    "__send__",
    "public_send",
    "method",
    "const_get",
    "open",
    "system",
    "exec",
    "spawn",
    "gemspec",
    "eval_gemfile",
    "read",
    "read_file",
    "readlines",
    "binread",
    "foreach",
    "load_file",
    "safe_load_file",
    "glob",
];

/// Options (and the `path` block) that name a file or directory of the
/// project, counted in any form: `ruby file: ".ruby-version"`
/// (`Bundler::RubyDsl#normalize_ruby_file` reads it, relative to the
/// Gemfile), `gem "x", path: "lib/x"`, `:path => …`, `path "engines" do`.
const READING_KEYS: &[&str] = &["file", "path"];

/// The first construct in a Gemfile through which it may read other files
/// (see [`READING_CALLS`], [`READING_KEYS`]; backticks and `%x` run
/// commands), read outside comments and string contents when the text is
/// simple enough to tell them apart, else in the whole text: None when it
/// reads only itself.
pub fn gemfile_reads_files(text: &str) -> Option<String> {
    let code = ruby_code(text);
    if code.contains('`') || code.contains("%x") {
        return Some("a command in backticks or %x".into());
    }
    let bytes = code.as_bytes();
    let ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut i = 0;
    while i < bytes.len() {
        if !(bytes[i].is_ascii_alphabetic() || bytes[i] == b'_') || (i > 0 && ident(bytes[i - 1])) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && ident(bytes[i]) {
            i += 1;
        }
        let word = &code[start..i];
        let before = code[..start].trim_end_matches([' ', '\t']);
        let after = &code[i..];
        let symbol = before.ends_with(':') && !before.ends_with("::");
        let key = after.starts_with(':') && !after.starts_with("::");
        if READING_KEYS.contains(&word) {
            return Some(if symbol {
                format!("`:{word} =>`")
            } else if key {
                format!("`{word}:`")
            } else {
                format!("`{word}`")
            });
        }
        // `require: false` and `:require => false` are options, not calls.
        if READING_CALLS.contains(&word) && !symbol && !key {
            return Some(format!("`{word}`"));
        }
    }
    None
}

/// Whether every `%` in `text` starts a word or symbol list (`%i[ mri
/// windows ]`, `%w(a b)`) that ends on its line and holds no quote, `#` or
/// nested bracket: such a list can be read as code. Any other `%` (a
/// `%q(…)` string, a `%r` regexp, the modulo operator) is not simple.
fn percent_literals_are_word_lists(text: &str) -> bool {
    text.match_indices('%').all(|(i, _)| {
        let rest = &text[i + 1..];
        let mut chars = rest.chars();
        let (Some(kind), Some(open)) = (chars.next(), chars.next()) else {
            return false;
        };
        let close = match open {
            '[' => ']',
            '(' => ')',
            '{' => '}',
            '<' => '>',
            _ => return false,
        };
        if !matches!(kind, 'w' | 'W' | 'i' | 'I') {
            return false;
        }
        let body = &rest[2..];
        body.find(close)
            .is_some_and(|end| !body[..end].contains(['\n', '"', '\'', '#', '`', open, '%']))
    })
}

/// The Gemfile's text with comments and the contents of string literals
/// blanked, when that can be told by a simple scan: every line has balanced
/// `'` and `"` quotes, and there are no escapes, heredocs, `%` literals other than word lists,
/// `?` character literals or `=begin` blocks. Otherwise the whole text
/// unchanged (each construct then counts, in comments and strings too). A
/// double-quoted string with `#{` interpolation is kept: its code runs.
fn ruby_code(text: &str) -> String {
    let simple = !text.contains('\\')
        && percent_literals_are_word_lists(text)
        && !text.contains("<<")
        && !text.contains("=begin")
        && !text.contains("?'")
        && !text.contains("?\"")
        && !text.contains("?#")
        && text
            .lines()
            .all(|l| l.matches('"').count() % 2 == 0 && l.matches('\'').count() % 2 == 0);
    if !simple {
        return text.to_string();
    }
    blank_comments_and_strings(text).unwrap_or_else(|| text.to_string())
}

/// [`ruby_code`]'s scan of a simple text; None when a `/` outside strings
/// (a regexp literal may hold quotes or `#`) makes it not simple after all.
fn blank_comments_and_strings(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let mut rest = line;
        while let Some(c) = rest.chars().next() {
            match c {
                '#' => break,
                '/' => return None,
                '"' | '\'' => {
                    // A balanced line: the literal closes on it.
                    let end = rest[1..].find(c)?;
                    let lit = &rest[..end + 2];
                    if c == '"' && lit.contains("#{") {
                        out.push_str(lit);
                    } else {
                        out.push(c);
                        out.push_str(&" ".repeat(end));
                        out.push(c);
                    }
                    rest = &rest[end + 2..];
                }
                _ => {
                    out.push(c);
                    rest = &rest[c.len_utf8()..];
                }
            }
        }
        out.push('\n');
    }
    Some(out)
}

fn detect(prog: &str, args: &[&str]) -> Option<&'static [&'static str]> {
    (prog == "bundle" && matches!(sub(args).0, "install" | ""))
        .then_some(&["Gemfile", "Gemfile.lock"][..])
}

fn classify(prog: &str, args: &[&str], files: &dyn Files) -> Option<Class> {
    if !matches!(prog, "bundle" | "bundler") || args.first() != Some(&"install") {
        return None;
    }
    let Some(gemfile) = files.read("Gemfile") else {
        return Some(super::missing(files, "Gemfile"));
    };
    if let Some(what) = gemfile_reads_files(&gemfile) {
        return Some(Class::Unsafe(format!(
            "the Gemfile is Ruby code that may read other files of the project ({what}), which the manifest COPY would not copy"
        )));
    }
    if files.kind(APP_CACHE).is_some() {
        return Some(Class::Unsafe(format!(
            "the context has {APP_CACHE}, the gems `bundle install` installs from (and caches into) first, which the manifest COPY would not copy"
        )));
    }
    let lock = opt(files, &["Gemfile.lock"]);
    let rewrite = (!lock.is_empty() && !has(args, &["--frozen", "--deployment"])).then(|| {
        "`bundle install` may rewrite Gemfile.lock, which the later full COPY puts back (--frozen or --deployment makes the split safe)".to_string()
    });
    if files.kind(".bundle").is_some() {
        return Some(Class::Unsafe(
            "the context has a .bundle directory the install also writes".into(),
        ));
    }
    let install = Install {
        eco: "bundler",
        required: vec!["Gemfile".into()],
        optional: lock,
        outputs: vec![".bundle", "vendor/bundle"],
    };
    Some(match rewrite {
        Some(r) => Class::LockMayChange(install, r),
        None => Class::Install(install),
    })
}

#[cfg(test)]
mod tests {
    use super::super::testutil::mem;
    use super::super::{classify, Class};

    /// A Gemfile is Ruby: `ruby file:`, `File.read`, `require_relative`…
    /// read files the manifest COPY would not copy. Options such as
    /// `require: false` and words in comments or strings do not count.
    #[test]
    fn gemfile_code_that_reads_files_refuses_the_split() {
        let reads = [
            "ruby file: \".ruby-version\"\n",
            "ruby :file => \".ruby-version\"\n",
            "ruby File.read(File.join(__dir__, \".ruby-version\")).strip\n",
            "ruby IO.read(\".ruby-version\")\n",
            "Dir[\"gems/*.rb\"].each { |f| eval_gemfile f }\n",
            "require_relative \"lib/versions\"\n",
            "require \"./lib/versions\"\n",
            "load \"extra.rb\"\n",
            "eval File.read(\"Gemfile.local\")\n",
            "instance_eval(x)\n",
            "gem \"a\", path: \"vendor/a\"\n",
            "gem \"a\", :path => \"vendor/a\"\n",
            "path \"engines\" do\n  gem \"e\"\nend\n",
            "gemspec\n",
            "eval_gemfile \"Gemfile.common\"\n",
            "gem \"a\", \"#{File.read('v')}\"\n",
            "x = `cat .ruby-version`\n",
            "ruby ::File.read(\"v\") # reads\n",
            // Not simple enough to blank comments: counted anyway.
            "gem \"a\" # it's File.read\n",
            "gem \"a\", %q(it's) + File.read('v')\n",
            "x = <<~T\n  #{File.read('v')}\nT\n",
            "ruby Bundler.root.join(\".ruby-version\").read\n",
            // A regexp may hold quotes and `#`: not blanked.
            "x = 1 if /'/ =~ 'a' && File.read('v') && /'/\n",
            "x = 1 if /#/ =~ \"a\" && File.read(\"v\")\n",
        ];
        for g in reads {
            let f = mem(&[
                (
                    "Gemfile",
                    Box::leak(format!("source \"https://rubygems.org\"\n{g}").into_boxed_str()),
                ),
                ("Gemfile.lock", ""),
            ]);
            match classify(&["bundle", "install", "--frozen"], &f) {
                Class::Unsafe(why) => assert!(why.contains("Gemfile"), "{g}: {why}"),
                c => panic!("{g}: {c:?}"),
            }
        }
        let plain = [
            "gem \"rack\"\n",
            "gem \"rubocop\", require: false\n",
            "gem \"rubocop\", :require => false, group: :dev\n",
            "# ruby file: \".ruby-version\" is for later\n",
            "gem \"dir\", \"~> 1.0\" # load File\n",
            "gem \"file-tail\"\ngem \"open-uri\", '1.0'\n",
            "ruby \"3.3.0\"\ngroup :test do\n  gem \"rspec\"\nend\n",
            // The shape of Rails' generated Gemfile.
            concat!(
                "# Bundle edge Rails instead: gem \"rails\", github: \"rails/rails\", branch: \"main\"\n",
                "gem \"rails\", \"~> 8.0.0\"\n",
                "# Build JSON APIs with ease [https://github.com/rails/jbuilder]\n",
                "# Windows does not include zoneinfo files, so bundle the tzinfo-data gem\n",
                "gem \"tzinfo-data\", platforms: %i[ windows jruby ]\n",
                "# Reduces boot times through caching; required in config/boot.rb\n",
                "gem \"bootsnap\", require: false\n",
                "git_source(:github) { |repo| \"https://github.com/#{repo}.git\" }\n",
                "group :development, :test do\n",
                "  # See https://guides.rubyonrails.org/debugging_rails_applications.html#debugging-with-the-debug-gem\n",
                "  gem \"debug\", platforms: %i[ mri windows ], require: \"debug/prelude\"\n",
                "end\n",
            ),
        ];
        for g in plain {
            let f = mem(&[
                (
                    "Gemfile",
                    Box::leak(format!("source \"https://rubygems.org\"\n{g}").into_boxed_str()),
                ),
                ("Gemfile.lock", ""),
            ]);
            assert!(
                matches!(
                    classify(&["bundle", "install", "--frozen"], &f),
                    Class::Install(_)
                ),
                "{g}"
            );
        }
    }

    /// Gems in vendor/cache are installed from there: the split would
    /// leave them out of the install.
    #[test]
    fn vendor_cache_refuses_the_split() {
        let f = mem(&[
            ("Gemfile", "gem \"rack\"\n"),
            ("Gemfile.lock", ""),
            ("vendor/cache/rack-3.0.0.gem", ""),
        ]);
        match classify(&["bundle", "install", "--frozen"], &f) {
            Class::Unsafe(why) => assert!(why.contains("vendor/cache"), "{why}"),
            c => panic!("{c:?}"),
        }
        let f = mem(&[
            ("Gemfile", "gem \"rack\"\n"),
            ("Gemfile.lock", ""),
            ("vendor/other.txt", ""),
        ]);
        assert!(matches!(
            classify(&["bundle", "install", "--frozen"], &f),
            Class::Install(_)
        ));
    }

    #[test]
    fn lock_may_change_without_frozen() {
        let f = mem(&[("Gemfile", "source 'x'\n"), ("Gemfile.lock", "")]);
        assert!(matches!(
            classify(&["bundle", "install"], &f),
            Class::LockMayChange(..)
        ));
        assert!(matches!(
            classify(&["bundle", "install", "--frozen"], &f),
            Class::Install(_)
        ));
    }
}
