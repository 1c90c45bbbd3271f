//! A real PostgreSQL (Debian's `postgresql` package) for the seed lab: its own data directory,
//! a free port on loopback, run as the unprivileged `postgres` user, never as a system
//! service; stopped (and its directory removed) on drop.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

pub struct Postgres {
    pub port: u16,
    data: PathBuf,
    bin: PathBuf,
}

fn bin_dir() -> Result<PathBuf, String> {
    let root = Path::new("/usr/lib/postgresql");
    let mut versions: Vec<PathBuf> = std::fs::read_dir(root)
        .map_err(|_| "PostgreSQL is not installed: apt-get install -y postgresql".to_string())?
        .flatten()
        .map(|e| e.path().join("bin"))
        .filter(|b| b.join("initdb").is_file())
        .collect();
    versions.sort();
    versions
        .pop()
        .ok_or_else(|| "no /usr/lib/postgresql/*/bin/initdb: apt-get install -y postgresql".into())
}

fn free_port() -> Result<u16, String> {
    let l = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    Ok(l.local_addr().map_err(|e| e.to_string())?.port())
}

/// Runs `cmd` as the postgres user (root cannot run the server).
fn as_postgres(script: &str) -> Result<String, String> {
    let mut c = if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--", "sh", "-c", script]);
        c
    } else {
        let mut c = Command::new("sh");
        c.args(["-c", script]);
        c
    };
    let out = c.output().map_err(|e| e.to_string())?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if out.status.success() {
        Ok(text)
    } else {
        Err(format!("`{script}` failed: {text}"))
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

impl Postgres {
    /// initdb, start on 127.0.0.1:<free port>, create role and database `contacts`.
    pub fn start() -> Result<Postgres, String> {
        let bin = bin_dir()?;
        let port = free_port()?;
        let data = std::env::temp_dir().join(format!("dockopt-real-pg-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&data);
        std::fs::create_dir_all(&data).map_err(|e| e.to_string())?;
        if is_root() {
            let st = Command::new("chown")
                .args(["postgres:postgres"])
                .arg(&data)
                .status()
                .map_err(|e| e.to_string())?;
            if !st.success() {
                return Err("chown postgres of the data directory failed".into());
            }
        }
        let pg = Postgres {
            port,
            data: data.clone(),
            bin: bin.clone(),
        };
        let (b, d) = (bin.display(), data.join("db"));
        let d = d.display();
        as_postgres(&format!(
            "{b}/initdb -D {d} -U postgres --auth=trust >/dev/null"
        ))?;
        as_postgres(&format!(
            "{b}/pg_ctl -D {d} -l {}/log -w -t 60 -o \"-h 127.0.0.1 -p {port} -k {}\" start >/dev/null",
            data.display(),
            data.display()
        ))?;
        let t = Instant::now();
        while pg.psql("postgres", "SELECT 1").is_err() {
            if t.elapsed() > Duration::from_secs(30) {
                return Err("PostgreSQL did not accept connections within 30 s".into());
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        pg.psql("postgres", "CREATE ROLE contacts LOGIN PASSWORD 'contacts'")?;
        pg.psql("postgres", "CREATE DATABASE contacts OWNER contacts")?;
        Ok(pg)
    }

    pub fn psql(&self, db: &str, sql: &str) -> Result<String, String> {
        let out = Command::new(self.bin.join("psql"))
            .args(["-h", "127.0.0.1", "-U", "postgres", "-At", "-d", db, "-p"])
            .arg(self.port.to_string())
            .args(["-c", sql])
            .output()
            .map_err(|e| e.to_string())?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
        }
    }

    /// Drops the table the app created, so the next image under test must create it again.
    pub fn reset(&self) -> Result<(), String> {
        self.psql("contacts", "DROP TABLE IF EXISTS contacts")
            .map(|_| ())
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let _ = as_postgres(&format!(
            "{}/pg_ctl -D {}/db -m immediate stop >/dev/null",
            self.bin.display(),
            self.data.display()
        ));
        let _ = std::fs::remove_dir_all(&self.data);
    }
}
