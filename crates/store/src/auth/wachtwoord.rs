//! Passwords and account names: the rules a new one must meet, and Argon2id hashing and
//! verification.

use anyhow::Result;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use super::invalid;

/// The shortest password an account may have.
pub const MIN_PASSWORD: usize = 12;

/// The lowest zxcvbn score (0–4) a new password may have: 3 is "safely unguessable: moderate
/// protection from an offline slow-hash scenario" (an estimated 10^8 guesses or more).
pub const MIN_PASSWORD_SCORE: u8 = 3;

pub(super) fn check_name(naam: &str) -> Result<()> {
    // Not dots alone: `.` and `..` would be path segments in a page's links.
    let ok = !naam.is_empty()
        && naam.len() <= 64
        && naam
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '@'))
        && !naam.chars().all(|c| c == '.');
    if !ok {
        return Err(invalid(format!(
            "accountnaam '{naam}' is niet geldig: gebruik 1 tot 64 letters, cijfers, '.', '-', '_' of '@'"
        )));
    }
    Ok(())
}

/// Checks a new password for account `naam`: at least [`MIN_PASSWORD`] characters and a
/// zxcvbn score of at least [`MIN_PASSWORD_SCORE`], where the account name, its parts and
/// `extra` (words the caller knows the person or project by) count as easy to guess. A
/// password built from those words must be strong without them too (NIST SP 800-63B §5.1.1.2:
/// compare against context-specific words such as the username and derivatives thereof):
/// zxcvbn alone gives `analist-analist` a 3, as any three-part sequence gets.
pub fn check_password(naam: &str, password: &str, extra: &[&str]) -> Result<()> {
    if password.chars().count() < MIN_PASSWORD {
        return Err(invalid(format!(
            "het wachtwoord moet minstens {MIN_PASSWORD} tekens hebben; kies bijvoorbeeld een zin van vier of meer losse woorden"
        )));
    }
    let mut inputs: Vec<&str> = vec![naam];
    inputs.extend(
        naam.split(['.', '-', '_', '@'])
            .filter(|p| p.chars().count() >= 3),
    );
    inputs.extend(extra.iter().copied().filter(|w| !w.trim().is_empty()));
    let score = u8::from(zxcvbn::zxcvbn(password, &inputs).score());
    // What is left without the words of the account (words of 3 characters or more).
    let mut rest = password.to_lowercase();
    for word in &inputs {
        let word = word.trim().to_lowercase();
        if word.chars().count() >= 3 {
            rest = rest.replace(&word, "");
        }
    }
    let built_from_name = rest != password.to_lowercase();
    let rest_score = if built_from_name {
        u8::from(zxcvbn::zxcvbn(&rest, &inputs).score())
    } else {
        score
    };
    if score < MIN_PASSWORD_SCORE || rest_score < MIN_PASSWORD_SCORE {
        let (why, score) = if score < MIN_PASSWORD_SCORE {
            let contains_name =
                !naam.is_empty() && password.to_lowercase().contains(&naam.to_lowercase());
            let why = if contains_name {
                "het bevat de accountnaam"
            } else {
                "het lijkt op een bekend wachtwoord, een woord, een herhaling of een reeks"
            };
            (why, score)
        } else {
            ("zonder de accountnaam blijft er te weinig over", rest_score)
        };
        return Err(invalid(format!(
            "dit wachtwoord is te makkelijk te raden ({why}; sterkte {score} van 4, minstens {MIN_PASSWORD_SCORE} nodig): kies bijvoorbeeld vier of meer losse woorden die niet bij elkaar horen, zonder de accountnaam, jaartallen, herhalingen of reeksen als 'aaaa' of '1234'"
        )));
    }
    Ok(())
}

/// Checks a new account's name and password before anything is created.
pub fn check_new_account(naam: &str, password: &str) -> Result<()> {
    check_name(naam)?;
    check_password(naam, password, &[])
}

/// Argon2id with OWASP's recommended parameters (19 MiB, 2 passes, 1 lane).
fn hasher() -> Result<Argon2<'static>> {
    let params = Params::new(19 * 1024, 2, 1, None)
        .map_err(|e| anyhow::anyhow!("Argon2-parameters: {e}"))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

pub fn hash_password(password: &str) -> Result<String> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt)
        .map_err(|e| anyhow::anyhow!("geen toeval beschikbaar voor een salt: {e}"))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| anyhow::anyhow!("salt: {e}"))?;
    Ok(hasher()?
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("kan het wachtwoord niet hashen: {e}"))?
        .to_string())
}

pub(super) fn verify_password(password: &str, phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    hasher()
        .map(|h| h.verify_password(password.as_bytes(), &parsed).is_ok())
        .unwrap_or(false)
}

/// A valid Argon2id hash of a random password, used to answer unknown names in equal time.
pub(super) const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$7nQ0Y1lI5Y3e0PpAaY8o2i0Q1m0zX9nJpT0cJmR1b8s";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::test_support::*;
    use crate::auth::{Rol, add_account};
    use crate::db::Db;
    use crate::problem::ProblemKind;

    /// Unknown names cost a full Argon2 verification with the same parameters as a real hash.
    #[test]
    fn the_dummy_hash_costs_what_a_real_one_does() {
        let dummy = PasswordHash::new(DUMMY_HASH).unwrap();
        let real = hash_password(PW).unwrap();
        let real = PasswordHash::new(&real).unwrap();
        assert_eq!(dummy.algorithm, real.algorithm);
        assert_eq!(dummy.version, real.version);
        let params = |h: &PasswordHash<'_>| -> Vec<(String, String)> {
            h.params
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        assert_eq!(params(&dummy), params(&real));
        assert!(!verify_password(PW, DUMMY_HASH));
    }

    #[test]
    fn weak_passwords_are_refused() {
        for (naam, pw) in [
            ("analist", "aaaaaaaaaaaa"),
            ("analist", "123456789012"),
            ("analist", "wachtwoord123"),
            ("sleutelhouder2", "sleutelhouder2"),
            ("analist2", "analist2analist2"),
            ("beheerder", "Beheerder2026!"),
            ("jan.jansen@gemeente.nl", "jan.jansen@gemeente.nl"),
        ] {
            let e = check_new_account(naam, pw).unwrap_err();
            assert!(e.to_string().contains("te makkelijk te raden"), "{pw}: {e}");
            assert_eq!(kind(&e), Some(ProblemKind::Invalid));
        }
        let e = check_new_account("analist2", "analist2analist2").unwrap_err();
        assert!(e.to_string().contains("accountnaam"), "{e}");
        // Without the name as a user input the same password would pass: the name counts.
        assert!(check_password("iemand", "sleutelhouder2sleutelhouder2", &[]).is_ok());
        assert!(check_password("sleutelhouder2", "sleutelhouder2sleutelhouder2", &[]).is_err());
        // Extra words from the caller count as well.
        let words = ["zaandam", "interventieteam"];
        assert!(check_password("x", "interventieteamzaandam", &[]).is_ok());
        assert!(check_password("x", "interventieteamzaandam", &words).is_err());
        // The length rule stays, also for a strong-looking short password.
        let e = check_new_account("analist", "Xq7#pL2!vR").unwrap_err();
        assert!(e.to_string().contains("minstens 12"), "{e}");
        // add_account applies the same check.
        let (conn, b) = project();
        assert!(
            add_account(
                Db::of(&conn),
                Some(&b),
                "analist",
                Rol::Analist,
                None,
                "aaaaaaaaaaaa"
            )
            .is_err()
        );
        assert!(
            add_account(
                Db::of(&conn),
                Some(&b),
                "analist",
                Rol::Analist,
                None,
                "analist-analist"
            )
            .is_err()
        );
        // Built from the name: what is left must be strong on its own.
        for pw in [
            "analist-analist",
            "Analist-2026!",
            "ANALIST.analist",
            "analist-analist-analist",
        ] {
            let e = check_new_account("analist", pw).unwrap_err();
            assert!(e.to_string().contains("te makkelijk te raden"), "{pw}: {e}");
        }
        check_new_account("analist", "analist-wachtwoord-voor-de-tests").unwrap();
        // The passwords the other crates' tests and the demo use pass.
        for pw in [
            "wachtwoord-voor-de-tests",
            "demo-wachtwoord-2026",
            "een lang wachtwoord",
        ] {
            for naam in ["beheerder", "fg", "analist2", "sleutelhouder", "uwv"] {
                check_new_account(naam, pw).unwrap();
            }
        }
    }
}
