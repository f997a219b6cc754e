//! clap value parsers for the contract's values: an argument is parsed into its type when the
//! command line is read, and a refusal says why in the contract's words (`cli_nl` shows the
//! reason after the value).

use loep_contract::{BagId, Invalid, Partner};

/// A BAG-verblijfsobject id (16 digits, object type 01).
pub fn vbo(s: &str) -> Result<BagId, Invalid> {
    BagId::vbo(s.trim())
}

/// A partner by its code; a refusal lists the codes.
pub fn partner(s: &str) -> Result<Partner, Invalid> {
    Partner::parse(s.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_name_the_valid_codes() {
        assert_eq!(partner("uwv"), Ok(Partner::Uwv));
        assert!(
            partner("bank")
                .unwrap_err()
                .reason
                .contains("woningcorporatie")
        );
        assert!(vbo("0392010000000001").is_ok());
        assert!(vbo("0392100000000001").is_err());
    }
}
