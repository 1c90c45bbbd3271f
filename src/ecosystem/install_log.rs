//! What installers print in a `docker build --progress=plain` log: each output line comes with
//! the seconds since its step started (`#8 1.234 Collecting six`), so a logged install shows
//! where its fixed part (container start, the tool's start-up, reading package lists) ends,
//! when it finished, and how many packages it really installed — direct and transitive, which
//! a manifest does not say. The cost model uses it to price a package added or removed since
//! the log (`crate::cost`, "A dependency added since the log" in docs/cost-model.md).
//!
//! Read: pip (`Collecting X` … `Successfully installed a-1 b-2`, with the sizes of the files
//! it downloads) and apt-get (`Get:1 …` … `N upgraded, M newly installed`). npm and yarn print
//! no per-package lines by default (`added 57 packages in 3s`, `[2/4] Fetching packages...`),
//! so their steps keep the flat share.

/// One logged install, as its installer printed it.
#[derive(Debug, Clone, PartialEq)]
pub struct InstallLog {
    /// The installer that printed it: `pip` or `apt`.
    pub tool: &'static str,
    /// pip: when it printed `Installing collected packages` (the downloads done, unpacking
    /// and writing the files from there to `last`).
    pub installing: Option<f64>,
    /// When the installer started on the packages themselves (pip's first `Collecting`,
    /// apt's first `Get:`): what came before is paid however many packages are installed.
    pub first: f64,
    /// When it printed its last line.
    pub last: f64,
    /// Packages installed, direct and transitive (pip's `Successfully installed …`, apt's
    /// `newly installed` plus `upgraded`).
    pub installed: usize,
    /// Files downloaded, as the installer names them, with their size in bytes when printed
    /// (pip: `Downloading numpy-1.26.4-cp311-….whl (18.3 MB)`; apt: `Get:1 … [108 kB]`).
    pub downloads: Vec<(String, Option<u64>)>,
    /// pip: bytes of the downloaded files of the packages it installed (a resolver's
    /// backtracking downloads other versions it does not install), and how many of the
    /// installed packages those files are.
    pub installed_files: Option<(u64, usize)>,
}

impl InstallLog {
    /// Before the installer's first line: no times, nothing installed.
    fn unseen(tool: &'static str) -> Self {
        InstallLog {
            tool,
            installing: None,
            installed_files: None,
            first: f64::NAN,
            last: f64::NAN,
            installed: 0,
            downloads: Vec::new(),
        }
    }
}

impl InstallLog {
    /// Seconds of each installed package beyond the fixed part: what one more (or one fewer)
    /// package of the kind this build installed costs.
    pub fn per_package(&self) -> Option<f64> {
        (self.installed > 0 && self.last > self.first)
            .then(|| (self.last - self.first) / self.installed as f64)
    }

    /// Bytes per installed package, over the installed packages whose download size was
    /// printed.
    pub fn mean_bytes(&self) -> Option<f64> {
        self.installed_files
            .filter(|&(_, n)| n > 0)
            .map(|(b, n)| b as f64 / n as f64)
    }

    /// pip: seconds of its unpack-and-write phase and the megabytes of the installed
    /// packages' files, when they were at least 1 MB (below, the phase's fixed part
    /// dominates and says nothing about a megabyte).
    pub fn per_mb(&self) -> Option<(f64, f64)> {
        let (bytes, _) = self.installed_files?;
        let mb = bytes as f64 / 1e6;
        let secs = self.last - self.installing?;
        (mb >= 1.0 && secs >= 0.0).then_some((secs, mb))
    }

    /// Bytes downloaded, over the files whose size was printed.
    pub fn downloaded_bytes(&self) -> u64 {
        self.downloads.iter().filter_map(|d| d.1).sum()
    }
}

/// Reads one step's output; `None` when no installer here printed it or it installed nothing
/// (a step of another tool, `Requirement already satisfied` only, `0 newly installed`).
pub fn read(output: &[(f64, String)]) -> Option<InstallLog> {
    pip(output).or_else(|| apt(output))
}

/// A printed size: pip's `90 kB`, `18.3 MB`, `512 bytes`, apt's `108 kB`, `1,234 kB` (both
/// in powers of 1000).
fn size_bytes(text: &str) -> Option<u64> {
    let (num, unit) = text.trim().split_once(' ')?;
    let n: f64 = num.replace(',', "").parse().ok()?;
    let mul = match unit {
        "B" | "bytes" => 1.0,
        "kB" => 1e3,
        "MB" => 1e6,
        "GB" => 1e9,
        _ => return None,
    };
    Some((n * mul).round() as u64)
}

fn pip(output: &[(f64, String)]) -> Option<InstallLog> {
    let mut log = InstallLog::unseen("pip");
    let mut collected = false;
    for (t, line) in output {
        let line = line.trim();
        if line.starts_with("Collecting ") {
            // A second pip in the same RUN (`pip install -U pip && pip install -r …`): the
            // last one is the dependency install.
            if !collected || log.installed > 0 {
                log.first = *t;
                log.installed = 0;
                log.installing = None;
                log.downloads.clear();
            }
            collected = true;
        } else if let Some(rest) = line.strip_prefix("Downloading ") {
            // pip 24 fetches `….whl.metadata` first: not the package's own download.
            let (file, size) = match rest.rsplit_once(" (") {
                Some((f, sz)) => (f, sz.strip_suffix(')').and_then(size_bytes)),
                None => (rest, None),
            };
            if !file.ends_with(".metadata") {
                log.downloads.push((file.trim().to_string(), size));
            }
        } else if line.starts_with("Installing collected packages") {
            log.installing = Some(*t);
        } else if let Some(rest) = line.strip_prefix("Successfully installed ") {
            log.installed = rest.split_whitespace().count();
            log.last = *t;
            let installed: Vec<(String, &str)> = rest
                .split_whitespace()
                .filter_map(|w| w.rsplit_once('-'))
                .map(|(n, v)| (super::pip::normalize(n), v))
                .collect();
            let (mut bytes, mut n) = (0, 0);
            for (file, size) in &log.downloads {
                if let (Some(size), Some(id)) = (size, dist_of(file)) {
                    if installed.iter().any(|(n, v)| *n == id.0 && *v == id.1) {
                        bytes += size;
                        n += 1;
                    }
                }
            }
            log.installed_files = Some((bytes, n));
        }
    }
    (collected && log.installed > 0 && log.last >= log.first).then_some(log)
}

/// The (normalized) distribution name and version of a wheel or sdist file name.
fn dist_of(file: &str) -> Option<(String, &str)> {
    let (name, version) = match file.strip_suffix(".whl") {
        Some(stem) => {
            let mut parts = stem.splitn(3, '-');
            (parts.next()?, parts.next()?)
        }
        None => file
            .strip_suffix(".tar.gz")
            .or_else(|| file.strip_suffix(".zip"))?
            .rsplit_once('-')?,
    };
    Some((super::pip::normalize(name), version))
}

fn apt(output: &[(f64, String)]) -> Option<InstallLog> {
    let mut log = InstallLog::unseen("apt");
    let mut counted = false;
    for (t, line) in output {
        let line = line.trim();
        // Only the install's own downloads, after its summary line: an `apt-get update` in
        // the same RUN prints `Get:1 … InRelease` lines first.
        if let Some(rest) = line.strip_prefix("Get:").filter(|_| counted) {
            if log.downloads.is_empty() {
                log.first = *t;
            }
            // `Get:1 http://… bookworm/main amd64 jq amd64 1.6-2.1 [64.9 kB]`
            let size = rest
                .rsplit_once(" [")
                .and_then(|(_, s)| s.strip_suffix(']'))
                .and_then(size_bytes);
            let words: Vec<&str> = rest.split_whitespace().collect();
            let name = words.get(4).copied().unwrap_or("").to_string();
            log.downloads.push((name, size));
        } else if line.contains(" newly installed, ") && line.contains(" upgraded, ") {
            // `0 upgraded, 65 newly installed, 0 to remove and 0 not upgraded.`
            let n = |word: &str| -> Option<usize> {
                let before = line.split(word).next()?;
                before.split_whitespace().last()?.parse().ok()
            };
            log.installed = n(" upgraded,").unwrap_or(0) + n(" newly installed,").unwrap_or(0);
            counted = true;
        }
        if !line.is_empty() {
            log.last = *t;
        }
    }
    (counted && !log.downloads.is_empty() && log.installed > 0 && log.last >= log.first)
        .then_some(log)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(l: &[(f64, &str)]) -> Vec<(f64, String)> {
        l.iter().map(|(t, s)| (*t, s.to_string())).collect()
    }

    #[test]
    fn reads_what_pip_printed() {
        let out = lines(&[
            (0.9, "Collecting bottle==0.12.25"),
            (1.4, "  Downloading bottle-0.12.25-py3-none-any.whl (90 kB)"),
            (1.5, "     ━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━ 90.2/90.2 kB 1.1 MB/s eta 0:00:00"),
            (1.6, "Collecting numpy==1.26.4"),
            (1.7, "  Downloading numpy-1.26.4-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl.metadata (61 kB)"),
            (2.0, "  Downloading numpy-1.26.4-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl (18.3 MB)"),
            (5.2, "Installing collected packages: numpy, bottle"),
            (8.9, "Successfully installed bottle-0.12.25 numpy-1.26.4"),
            (9.0, "WARNING: Running pip as the 'root' user can result in broken permissions"),
        ]);
        let l = read(&out).unwrap();
        assert_eq!((l.first, l.last, l.installed), (0.9, 8.9, 2));
        assert_eq!(
            l.downloads,
            vec![
                ("bottle-0.12.25-py3-none-any.whl".to_string(), Some(90_000)),
                (
                    "numpy-1.26.4-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
                        .to_string(),
                    Some(18_300_000)
                ),
            ]
        );
        assert_eq!(l.downloaded_bytes(), 18_390_000);
        assert_eq!(l.per_package(), Some(4.0));
        // Both installed packages' files: 18.39 MB written from 5.2 s to 8.9 s.
        assert_eq!(l.installed_files, Some((18_390_000, 2)));
        assert_eq!(l.mean_bytes(), Some(9_195_000.0));
        let (secs, mb) = l.per_mb().unwrap();
        assert!((secs - 3.7).abs() < 1e-9 && (mb - 18.39).abs() < 1e-9);
        // Nothing collected (all satisfied), or no end: no reading.
        assert_eq!(
            read(&lines(&[(0.5, "Requirement already satisfied: six")])),
            None
        );
        assert_eq!(read(&lines(&[(0.5, "Collecting six")])), None);
        // Two pips in one RUN: the last install is the one read.
        let two = lines(&[
            (0.5, "Collecting pip"),
            (2.0, "Successfully installed pip-24.0"),
            (3.0, "Collecting six"),
            (3.5, "Successfully installed six-1.16.0"),
        ]);
        assert_eq!(read(&two).map(|l| (l.first, l.installed)), Some((3.0, 1)));
        // A resolver that backtracks downloads versions it does not install: only the
        // installed ones count; under 1 MB, no per-MB reading.
        let back = lines(&[
            (0.1, "Collecting Uvicorn_X[standard]>=0.1"),
            (
                0.2,
                "  Downloading uvicorn_x-0.55.0-py3-none-any.whl (87 kB)",
            ),
            (
                0.3,
                "  Downloading uvicorn_x-0.54.0-py3-none-any.whl (87 kB)",
            ),
            (0.4, "  Downloading tiny-1.0.tar.gz (3 kB)"),
            (0.5, "Installing collected packages: uvicorn-x, tiny"),
            (0.9, "Successfully installed Uvicorn-X-0.54.0 tiny-1.0"),
        ]);
        let l = read(&back).unwrap();
        assert_eq!(l.installed_files, Some((90_000, 2)));
        assert_eq!(l.per_mb(), None);
    }

    #[test]
    fn reads_what_apt_printed() {
        let out = lines(&[
            (0.01, "Get:1 http://deb.debian.org/debian bookworm InRelease [151 kB]"),
            (0.20, "Fetched 9,117 kB in 1s (6,610 kB/s)"),
            (0.27, "Reading package lists..."),
            (1.29, "The following NEW packages will be installed:"),
            (1.39, "  file libmagic-mgc libmagic1"),
            (1.40, "0 upgraded, 3 newly installed, 0 to remove and 0 not upgraded."),
            (1.40, "Need to get 444 kB of archives."),
            (1.44, "Get:1 http://deb.debian.org/debian bookworm/main amd64 libmagic-mgc amd64 1:5.44-3 [305 kB]"),
            (1.50, "Get:2 http://deb.debian.org/debian bookworm/main amd64 libmagic1 amd64 1:5.44-3 [1,104 kB]"),
            (1.60, "Get:3 http://deb.debian.org/debian bookworm/main amd64 file amd64 1:5.44-3 [42.5 kB]"),
            (3.50, "Setting up file (1:5.44-3) ..."),
            (3.74, "Processing triggers for libc-bin (2.36-9+deb12u9) ..."),
        ]);
        let l = read(&out).unwrap();
        assert_eq!((l.first, l.last, l.installed), (1.44, 3.74, 3));
        assert_eq!(l.downloads[1], ("libmagic1".to_string(), Some(1_104_000)));
        assert_eq!(l.downloaded_bytes(), 305_000 + 1_104_000 + 42_500);
        assert!((l.per_package().unwrap() - 2.3 / 3.0).abs() < 1e-9);
        // Everything already there: nothing to price per package.
        let none = lines(&[
            (0.3, "jq is already the newest version (1.6-2.1)."),
            (
                0.3,
                "0 upgraded, 0 newly installed, 0 to remove and 0 not upgraded.",
            ),
        ]);
        assert_eq!(read(&none), None);
        assert_eq!(size_bytes("512 bytes"), Some(512));
        assert_eq!(size_bytes("1.2 GB"), Some(1_200_000_000));
        assert_eq!(size_bytes("12 parsecs"), None);
    }
}
