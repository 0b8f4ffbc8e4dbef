//! The roles file of `cytologia serve`: one line per login, `NAME ROLE VERIFIER`, where the
//! verifier is PostgreSQL's SCRAM-SHA-256 text form (no password, not even salted). Written
//! by `cytologia role add|remove`, atomically and readable by its owner only.
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use cytologia_udfs::access::Role;

use super::scram::Verifier;
use crate::error::{Error, Result};

const HEADER: &str = "# cytologia roles: NAME ROLE SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>\n\
# written by `cytologia role add NAME --role analyst|admin`; no password is stored.\n";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Login {
    pub role: Role,
    pub verifier: Verifier,
}

#[derive(Clone, Debug, Default)]
pub struct Roles {
    pub logins: BTreeMap<String, Login>,
}

fn bad(path: &Path, line: usize, what: impl std::fmt::Display) -> Error {
    Error::Usage(format!("{}:{line}: {what}", path.display()))
}

/// A login name as PostgreSQL clients send it: printable, no spaces.
pub fn check_name(name: &str) -> Result<()> {
    if name.is_empty() || name.len() > 63 || !name.chars().all(|c| c.is_ascii_alphanumeric() || "_-.@".contains(c)) {
        return Err(Error::Usage(format!("role name '{name}': use 1 to 63 letters, digits, '_', '-', '.' or '@'")));
    }
    Ok(())
}

impl Roles {
    /// Reads `path`; a missing file is an empty set of logins.
    pub fn load(path: &Path) -> Result<Roles> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Roles::default()),
            Err(e) => return Err(Error::Usage(format!("cannot read the roles file {}: {e}", path.display()))),
        };
        let mut logins = BTreeMap::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let fields: Vec<&str> = line.split_whitespace().collect();
            let [name, role, verifier] = fields[..] else {
                return Err(bad(path, i + 1, "expected NAME ROLE VERIFIER"));
            };
            check_name(name).map_err(|e| bad(path, i + 1, e))?;
            let role = Role::parse(role).map_err(|e| bad(path, i + 1, e))?;
            let verifier = Verifier::parse(verifier).map_err(|e| bad(path, i + 1, e))?;
            if logins.insert(name.to_string(), Login { role, verifier }).is_some() {
                return Err(bad(path, i + 1, format!("'{name}' is listed twice")));
            }
        }
        Ok(Roles { logins })
    }

    /// Writes the file whole through a temporary file and a rename, mode 0600.
    pub fn save(&self, path: &Path) -> Result<()> {
        let mut text = String::from(HEADER);
        for (name, login) in &self.logins {
            text.push_str(&format!("{name} {} {}\n", login.role.name(), login.verifier.encode()));
        }
        let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("."));
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        let tmp = dir.join(format!(".{}.tmp", path.file_name().and_then(|n| n.to_str()).unwrap_or("roles")));
        {
            use std::os::unix::fs::OpenOptionsExt;
            let mut f = std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(&tmp).map_err(|e| Error::io(&tmp, e))?;
            f.write_all(text.as_bytes()).and_then(|_| f.sync_all()).map_err(|e| Error::io(&tmp, e))?;
        }
        std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logins_round_trip_and_bad_lines_name_their_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("roles");
        assert!(Roles::load(&path).unwrap().logins.is_empty());
        let mut roles = Roles::default();
        roles.logins.insert("ana".into(), Login { role: Role::Analyst, verifier: Verifier::new("pw") });
        roles.save(&path).unwrap();
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        let back = Roles::load(&path).unwrap();
        assert_eq!(back.logins, roles.logins);
        assert!(!std::fs::read_to_string(&path).unwrap().contains(" pw"));

        std::fs::write(&path, "# x\nana analyst SCRAM-SHA-256$4096:AA==$AA==\n").unwrap();
        let e = Roles::load(&path).unwrap_err().to_string();
        assert!(e.contains("roles:2:"), "{e}");
        std::fs::write(&path, "ana superuser x\n").unwrap();
        assert!(Roles::load(&path).unwrap_err().to_string().contains("roles:1:"));
        assert!(check_name("bad name").is_err());
    }
}
