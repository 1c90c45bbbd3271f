//! `Gemfile.lock`: sections (`GEM`, `GIT`, `PATH`) with a `specs:` list; a gem is a line
//! indented by four spaces (`    rack (3.0.8)`), its dependencies by six. `PATH` specs are
//! local gems (the project), not downloads.

use super::{err, Count, LockError};

pub fn count(text: &str) -> Result<Count, LockError> {
    let mut section = "";
    let mut in_specs = false;
    let mut packages = 0;
    let mut saw_section = false;
    for line in text.lines() {
        if !line.starts_with(' ') && !line.is_empty() {
            section = line.trim();
            saw_section = true;
            in_specs = false;
        } else if line.trim() == "specs:" {
            in_specs = true;
        } else if in_specs
            && line.starts_with("    ")
            && !line.starts_with("     ")
            && section != "PATH"
        {
            packages += 1;
        }
    }
    if !saw_section {
        return Err(err("Gemfile.lock", "no GEM/GIT/PATH section"));
    }
    Ok(Count { packages, dev: 0 })
}

#[cfg(test)]
mod tests {
    #[test]
    fn gems_not_their_dependencies() {
        let t = "PATH\n  remote: .\n  specs:\n    myapp (0.1.0)\n\nGEM\n  remote: https://rubygems.org/\n  specs:\n    rack (3.0.8)\n    sinatra (4.0.0)\n      rack (>= 3.0)\n      tilt (~> 2.0)\n    tilt (2.3.0)\n\nPLATFORMS\n  ruby\n\nDEPENDENCIES\n  sinatra\n\nBUNDLED WITH\n   2.5.3\n";
        assert_eq!(super::count(t).unwrap().packages, 3);
        assert!(super::count("").is_err());
    }
}
