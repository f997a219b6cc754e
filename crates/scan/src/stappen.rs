//! Intermediate results an indicator computes once (`naam AS MATERIALIZED (...)`).
//!
//! DataFusion plans a common table expression inline wherever it is named: an intermediate
//! result named in five places is computed five times, each time from the source tables. For
//! a country (18 million persons) that is minutes. An indicator's SQL marks an intermediate
//! result that is named more than once and costly to compute with PostgreSQL's hint
//! `AS MATERIALIZED`; the engine then computes it once, in a query of its own, into Parquet
//! (spilling like any query), and the rest of the SQL reads that. The rows are the same: a
//! query is a function of its inputs, and each step reads exactly what the indicator declares.

use anyhow::{Result, bail};
use datafusion::sql::sqlparser::ast::{CteAsMaterialized, Query, Statement, With};
use datafusion::sql::sqlparser::dialect::{GenericDialect, PostgreSqlDialect};
use datafusion::sql::sqlparser::parser::Parser;

/// An indicator's SQL taken apart: the steps computed first, in order, and the query that
/// reads them.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Opgesplitst {
    /// Each marked intermediate result: its name (lower case, as SQL resolves it) and a query
    /// that computes it from the tables, blocks and earlier steps.
    pub stappen: Vec<(String, String)>,
    /// The query with the steps read as tables.
    pub sql: String,
}

/// Takes `sql` apart at its `AS MATERIALIZED` intermediate results. SQL without them is
/// returned unchanged.
pub(crate) fn opsplitsen(sql: &str) -> Result<Opgesplitst> {
    let unchanged = || Opgesplitst {
        stappen: Vec::new(),
        sql: sql.to_string(),
    };
    if !sql.to_ascii_uppercase().contains("MATERIALIZED") {
        return Ok(unchanged());
    }
    let mut statements = Parser::parse_sql(&PostgreSqlDialect {}, sql)
        .map_err(|e| anyhow::anyhow!("de SQL is niet te lezen: {e}"))?;
    let (Some(Statement::Query(mut query)), true) = (statements.pop(), statements.is_empty())
    else {
        bail!("de SQL moet één SELECT-opdracht zijn");
    };
    let Some(with) = query.with.take() else {
        return Ok(unchanged());
    };
    let mut stappen = Vec::new();
    let mut inline = Vec::new();
    let mut names = std::collections::BTreeSet::new();
    for cte in &with.cte_tables {
        if !names.insert(cte.alias.name.value.to_lowercase()) {
            bail!(
                "tussenresultaat {} heeft dezelfde naam als een eerder",
                cte.alias.name.value
            );
        }
    }
    for mut cte in with.cte_tables {
        let materialised = cte.materialized.take() == Some(CteAsMaterialized::Materialized);
        if !materialised {
            inline.push(cte);
            continue;
        }
        if with.recursive {
            bail!("een recursief tussenresultaat kan niet vooraf worden berekend");
        }
        let naam = cte.alias.name.value.to_lowercase();
        // It names a directory of files too, and a quoted name would keep its case in the SQL
        // but not where the engine registers it.
        if cte.alias.name.quote_style.is_some()
            || naam.is_empty()
            || !naam
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            bail!(
                "tussenresultaat '{naam}': een tussenresultaat dat vooraf wordt berekend heet alleen met letters, cijfers en _"
            );
        }
        if !cte.alias.columns.is_empty() {
            bail!(
                "tussenresultaat {naam}: geef de kolomnamen in de SELECT, niet achter de naam, om het vooraf te berekenen"
            );
        }
        let mut step = *cte.query;
        // The intermediate results before it that stay inline, in front of its own.
        let mut before = inline.clone();
        if let Some(own) = step.with.take() {
            if own.recursive {
                bail!("tussenresultaat {naam}: een recursief deel kan niet vooraf worden berekend");
            }
            before.extend(own.cte_tables);
        }
        if !before.is_empty() {
            step.with = Some(With {
                with_token: with.with_token.clone(),
                recursive: false,
                cte_tables: before,
            });
        }
        stappen.push((naam, as_datafusion_reads_it(step)?));
    }
    if stappen.is_empty() {
        return Ok(unchanged());
    }
    if !inline.is_empty() {
        query.with = Some(With {
            with_token: with.with_token,
            recursive: with.recursive,
            cte_tables: inline,
        });
    }
    Ok(Opgesplitst {
        stappen,
        sql: as_datafusion_reads_it(*query)?,
    })
}

/// The text of `query`, provided DataFusion (which reads SQL as sqlparser's generic dialect)
/// reads it back as the same query: the text was read as PostgreSQL, and a few operators
/// (`||` beside `+`, bitwise ones) bind differently in the two, while the text printed has no
/// parentheses of its own.
fn as_datafusion_reads_it(query: Query) -> Result<String> {
    let text = query.to_string();
    let back = Parser::parse_sql(&GenericDialect {}, &text)
        .map_err(|e| anyhow::anyhow!("de SQL is na het opsplitsen niet meer te lezen: {e}"))?;
    if back != [Statement::Query(Box::new(query))] {
        bail!(
            "de SQL leest na het opsplitsen anders dan ervoor; zet haakjes om de bewerkingen in: {text}"
        );
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sql_without_the_hint_is_left_as_it_is() {
        for sql in [
            "WITH a AS (SELECT 1 AS x) SELECT x FROM a",
            "WITH a AS (SELECT 1 AS materialized) SELECT materialized  FROM a",
            "SELECT 1 AS materialized",
        ] {
            let s = opsplitsen(sql).unwrap();
            assert!(s.stappen.is_empty());
            assert_eq!(s.sql, sql);
        }
    }

    #[test]
    fn a_marked_result_becomes_a_step_that_carries_the_inline_ones_before_it() {
        let sql = "WITH a AS (SELECT v FROM t WHERE v > 1), \
                   B AS MATERIALIZED (SELECT v, count(*) AS n FROM a GROUP BY v), \
                   c AS NOT MATERIALIZED (SELECT v FROM b WHERE n > 1) \
                   SELECT b.v FROM b JOIN c ON c.v = b.v JOIN b AS b2 ON b2.v = b.v";
        let s = opsplitsen(sql).unwrap();
        assert_eq!(s.stappen.len(), 1);
        let (naam, step) = &s.stappen[0];
        assert_eq!(naam, "b");
        assert_eq!(
            step,
            "WITH a AS (SELECT v FROM t WHERE v > 1) SELECT v, count(*) AS n FROM a GROUP BY v"
        );
        // The rest reads b as a table; no hint is left for DataFusion, which does not know it.
        assert_eq!(
            s.sql,
            "WITH a AS (SELECT v FROM t WHERE v > 1), c AS (SELECT v FROM b WHERE n > 1) \
             SELECT b.v FROM b JOIN c ON c.v = b.v JOIN b AS b2 ON b2.v = b.v"
        );
    }

    #[test]
    fn steps_keep_their_order_and_a_step_may_read_an_earlier_one() {
        let sql = "WITH a AS MATERIALIZED (SELECT 1 AS x), b AS MATERIALIZED (SELECT x + 1 AS y FROM a) \
                   SELECT y FROM b, a";
        let s = opsplitsen(sql).unwrap();
        let names: Vec<&str> = s.stappen.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["a", "b"]);
        assert_eq!(s.stappen[1].1, "SELECT x + 1 AS y FROM a");
        assert_eq!(s.sql, "SELECT y FROM b, a");
    }

    #[test]
    fn what_cannot_be_computed_first_is_refused() {
        for sql in [
            "WITH a(x) AS MATERIALIZED (SELECT 1) SELECT x FROM a",
            "WITH \"../a\" AS MATERIALIZED (SELECT 1 AS x) SELECT x FROM \"../a\"",
            "WITH RECURSIVE a AS MATERIALIZED (SELECT 1 AS x) SELECT x FROM a",
            "WITH a AS MATERIALIZED (WITH RECURSIVE b AS (SELECT 1 AS x) SELECT x FROM b) SELECT x FROM a",
            "WITH \"A\" AS MATERIALIZED (SELECT 1 AS x) SELECT x FROM \"A\"",
            "WITH a AS MATERIALIZED (SELECT 1 AS x), A AS (SELECT 2 AS x) SELECT x FROM a",
            // PostgreSQL reads `'a' || x + 1` as 'a' || (x + 1), DataFusion as ('a' || x) + 1.
            "WITH a AS MATERIALIZED (SELECT 'a' || x + 1 AS y FROM t) SELECT y FROM a",
            "WITH a AS MATERIALIZED (SELECT 1 AS x) SELECT x FROM a; SELECT 2",
            "WITH a AS MATERIALIZED (SELECT 1 AS x SELECT x FROM a",
        ] {
            assert!(opsplitsen(sql).is_err(), "{sql}");
        }
        let e =
            opsplitsen("WITH a AS MATERIALIZED (SELECT 'a' || x + 1 AS y FROM t) SELECT y FROM a")
                .unwrap_err();
        assert!(
            format!("{e:#}").contains("leest na het opsplitsen anders"),
            "{e:#}"
        );
        // With parentheses it reads the same in both.
        assert!(
            opsplitsen(
                "WITH a AS MATERIALIZED (SELECT 'a' || (x + 1) AS y FROM t) SELECT y FROM a"
            )
            .is_ok()
        );
    }
}
