//! Keyed pseudonyms for BSNs.
//!
//! A pseudonym is HMAC-SHA-256 under the project's secret key of a domain-separated BSN,
//! truncated to 128 bits and written as 32 hex digits. Without the key a pseudonym cannot be
//! computed from a BSN nor reversed; the same person has a different pseudonym in every
//! project, so data of two projects cannot be joined. Only the identity vault maps a
//! pseudonym back to its BSN.

use anyhow::{Context, Result, bail};
use hmac::{Hmac, Mac};
use loep_contract::Bsn;
use sha2::Sha256;
use std::path::Path;

const KEY_LEN: usize = 32;

#[derive(Clone)]
pub struct Pseudonymiser {
    mac: Hmac<Sha256>,
}

/// 128 bits: collisions are negligible for any population (birthday bound ~2^64).
pub type Pseudonym = [u8; 16];

impl Pseudonymiser {
    pub fn from_key(key: &[u8]) -> Result<Self> {
        if key.len() != KEY_LEN {
            bail!(
                "de pseudonimiseringssleutel moet {KEY_LEN} bytes zijn, maar is er {}",
                key.len()
            );
        }
        let mac = Hmac::<Sha256>::new_from_slice(key).context("ongeldige sleutel")?;
        Ok(Pseudonymiser { mac })
    }

    pub fn load(path: &Path) -> Result<Self> {
        let key = std::fs::read(path).with_context(|| {
            format!(
                "kan de pseudonimiseringssleutel {} niet lezen; de sleutelhouder moet hem beschikbaar maken",
                path.display()
            )
        })?;
        Self::from_key(&key)
    }

    pub fn pseudonym(&self, bsn: Bsn) -> Pseudonym {
        let mut mac = self.mac.clone();
        mac.update(b"loep:bsn:v1:");
        mac.update(&bsn.value().to_be_bytes());
        let out = mac.finalize().into_bytes();
        let mut p = [0u8; 16];
        p.copy_from_slice(&out[..16]);
        p
    }

    pub fn pseudonym_hex(&self, bsn: Bsn) -> String {
        hex::encode(self.pseudonym(bsn))
    }
}

/// Writes a fresh random key, readable by its owner only.
pub fn create_key(dir: &Path, path: &Path) -> Result<()> {
    use std::io::Write;
    std::fs::create_dir_all(dir).with_context(|| format!("kan {} niet aanmaken", dir.display()))?;
    let mut key = [0u8; KEY_LEN];
    getrandom::fill(&mut key)
        .map_err(|e| anyhow::anyhow!("geen toeval beschikbaar voor de sleutel: {e}"))?;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        opts.mode(0o600);
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    let mut f = opts
        .open(path)
        .with_context(|| format!("kan het sleutelbestand {} niet aanmaken", path.display()))?;
    f.write_all(&key)?;
    f.sync_all()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pseudonyms_depend_on_key_and_bsn() {
        let a = Pseudonymiser::from_key(&[1; 32]).unwrap();
        let b = Pseudonymiser::from_key(&[2; 32]).unwrap();
        let bsn = Bsn::parse("123456782").unwrap();
        let other = Bsn::parse("111222333").unwrap();
        assert_eq!(a.pseudonym(bsn), a.pseudonym(bsn));
        assert_ne!(a.pseudonym(bsn), b.pseudonym(bsn));
        assert_ne!(a.pseudonym(bsn), a.pseudonym(other));
        assert_eq!(a.pseudonym_hex(bsn).len(), 32);
        assert!(!a.pseudonym_hex(bsn).contains("123456782"));
    }

    #[test]
    fn key_file_is_private() {
        let dir = tempfile::tempdir().unwrap();
        let kd = dir.path().join("k");
        let kp = kd.join("key");
        create_key(&kd, &kp).unwrap();
        assert_eq!(std::fs::read(&kp).unwrap().len(), 32);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(&kp).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
        assert!(
            create_key(&kd, &kp).is_err(),
            "an existing key is never overwritten"
        );
    }
}
