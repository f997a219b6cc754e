//! Lists in the project's database: every list a TEXT column holds (a signal's persons and
//! partners, a request's persons, an API key's scopes, the parts a restriction leaves out, a
//! visit's team and outcomes, ...) is a JSON array of strings, written by [`encode`] and read
//! by [`decode`] here and nowhere else, so that an item may hold any character, a comma too.
//!
//! Releases before store schema version 8 and case register version 3 joined the items with
//! commas. [`from_commas`] reads that form (for the migrations, and for a case register that
//! no writer of this release has opened yet), and [`convert_commas`] rewrites a table's list
//! columns to JSON in a migration, sealing again only the rows whose seal held before.

use anyhow::{Result, bail};
use rusqlite::params_from_iter;
use rusqlite::types::Value;

use crate::db::TxDb;

/// The list columns of the store's own tables (the case register lists its own: `loep_zaken`).
pub const STORE_COLUMNS: [(&str, &[&str]); 5] = [
    ("signaal", &["pseudoniemen", "partners"]),
    ("adresprofiel", &["themas", "partners"]),
    ("onthulling", &["pseudoniemen"]),
    ("api_sleutel", &["scopes"]),
    ("inzage_beperking", &["delen"]),
];

/// `items` as stored: a JSON array of strings (compact, in their order).
pub fn encode(items: &[impl AsRef<str>]) -> String {
    serde_json::Value::Array(
        items
            .iter()
            .map(|i| serde_json::Value::String(i.as_ref().to_string()))
            .collect(),
    )
    .to_string()
}

/// The items of a stored list. Anything but a JSON array of strings is an error (a list loep
/// did not write: changed outside loep, or a form of an earlier release not migrated).
pub fn decode(text: &str) -> Result<Vec<String>, Unreadable> {
    serde_json::from_str::<Vec<String>>(text).map_err(|e| Unreadable {
        line: e.line(),
        column: e.column(),
    })
}

/// A stored list that is not a JSON array of strings, as loep writes them: it was changed
/// outside loep (or is of an earlier release and not migrated). The layers above answer it as
/// the integrity alarm, never as a fault of loep's ([`crate::problem::stored_value_changed`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unreadable {
    line: usize,
    column: usize,
}

impl std::fmt::Display for Unreadable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "een lijst in de opslag is onleesbaar: het is geen JSON-lijst van teksten (regel {}, teken {})",
            self.line, self.column
        )
    }
}

impl std::error::Error for Unreadable {}

/// A list as releases before JSON stored it, its items joined with commas, read as they read
/// it: each item without the spaces around it, empty items left out (so the empty text is the
/// empty list).
pub fn from_commas(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// How the lists of a table are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// JSON arrays ([`encode`]): what this release writes.
    Json,
    /// Items joined with commas ([`from_commas`]): releases before store schema version 8 and
    /// case register version 3.
    Commas,
}

impl Format {
    /// The items of a list stored in this format.
    pub fn read(self, text: &str) -> Result<Vec<String>, Unreadable> {
        match self {
            Format::Json => decode(text),
            Format::Commas => Ok(from_commas(text)),
        }
    }

    /// The list in column `idx` of a row, for a row mapper: NULL (a visit not yet recorded) is
    /// the empty list, and an unreadable list a conversion error, as a value of the wrong type
    /// is.
    pub fn column(self, row: &rusqlite::Row<'_>, idx: usize) -> rusqlite::Result<Vec<String>> {
        let Some(text) = row.get::<_, Option<String>>(idx)? else {
            return Ok(Vec::new());
        };
        self.read(&text).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Text, Box::new(e))
        })
    }
}

/// The list (JSON) in column `idx` of a row, for a row mapper; see [`Format::column`].
pub fn column(row: &rusqlite::Row<'_>, idx: usize) -> rusqlite::Result<Vec<String>> {
    Format::Json.column(row, idx)
}

/// An SQL expression, true when the JSON list `list` (an SQL expression) holds an item equal
/// to `item` (an SQL expression): the SQL form of `decode(list).contains(item)`. A value that
/// is no JSON array holds nothing (rather than failing the query).
pub fn contains_sql(list: &str, item: &str) -> String {
    format!(
        "(CASE WHEN NOT json_valid({list}) THEN 0 WHEN json_type({list}) <> 'array' THEN 0
               ELSE EXISTS (SELECT 1 FROM json_each({list}) AS lijst_item
                            WHERE lijst_item.type = 'text' AND lijst_item.value = {item}) END)"
    )
}

/// What [`convert_commas`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Conversion {
    /// Rows whose lists were rewritten to JSON.
    pub rewritten: u64,
    /// Of those, rows sealed again over their new text (their seal held before).
    pub resealed: u64,
    /// Of those, rows whose seal did not hold before: rewritten, their old seal left as it
    /// was, so that they are still reported as changed outside loep.
    pub unsealed: u64,
}

/// Rows read per query while converting (a national run holds hundreds of thousands of
/// signals).
const BATCH: i64 = 2_000;

/// Rewrites the lists in `columns` of `table` from the comma-joined form of earlier releases
/// ([`from_commas`]) to JSON ([`encode`]): a step of a schema migration, inside its
/// transaction. NULL stays NULL. A value that already is a JSON list is left as it is, so that
/// the step holds when it runs again (the case register's version is not kept beside the key,
/// as the store's is); a comma-joined list reads as one only when it is a single item written
/// like a JSON list, which none of loep's lists hold.
///
/// The rows of a sealed table (a `mac` over their columns, [`crate::integrity::sealed_columns`])
/// change, so their seals must be made again, but a seal made now must never bless a row that
/// was changed outside loep. So each row's seal is checked before the rewrite: a row that
/// matches it is sealed again over its new text; a row that does not is rewritten too but keeps
/// its old seal, which was made over the old text and so fails for the new one as it did for
/// the old: the row is still refused where it is used and listed by `loep log verify`. Such a
/// row is rewritten rather than left as it was because then every reader knows one format only:
/// a reader that also took comma-joined text would read any text an insider writes later as a
/// list too, and could not tell which form a text is in. Nothing of the changed row is lost:
/// its old text is its items joined with commas again (up to the spaces and empty items the
/// earlier readers dropped as well), and the access state counts it as before
/// ([`crate::toegang::BOUND_LISTS`]).
///
/// The table's triggers (which would refuse to rewrite a changed row, seal every row anew, and
/// count the rows in the access state only inside a transaction of loep) stand aside for the
/// rewrite and are back, as they were, before this returns.
pub fn convert_commas(tx: &TxDb, table: &str, columns: &[&str]) -> Result<Conversion> {
    let mut done = Conversion::default();
    if columns.is_empty() || !crate::integrity::table_exists(tx, table)? {
        return Ok(done);
    }
    let has_mac: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM pragma_table_info(?1) WHERE name = 'mac')",
        [table],
        |r| r.get(0),
    )?;
    let seal = match (has_mac, crate::integrity::sealed_columns(tx, table)?) {
        (false, _) => None,
        (true, Some(cols)) => Some(cols),
        (true, None) => bail!(
            "de lijsten van de tabel {table} kunnen niet worden omgezet: de rijen hebben een zegel dat loep hier niet kent"
        ),
    };
    let any: bool = tx.query_row(&format!("SELECT EXISTS (SELECT 1 FROM {table})"), [], |r| {
        r.get(0)
    })?;
    if !any {
        return Ok(done);
    }
    let triggers: Vec<(String, String)> = {
        let mut stmt = tx.prepare(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?1 ORDER BY name",
        )?;
        let rows = stmt.query_map([table], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<Result<_, _>>()?
    };
    for (name, _) in &triggers {
        tx.execute_batch(&format!("DROP TRIGGER \"{}\"", name.replace('"', "\"\"")))?;
    }
    // Each row with whether it matches its seal now (before the rewrite).
    let intact = match &seal {
        Some(cols) => format!("mac IS loep_mac('{table}', {cols})"),
        None => "0".to_string(),
    };
    let select = format!(
        "SELECT rowid, {}, {intact} FROM {table} WHERE rowid > ?1 ORDER BY rowid LIMIT {BATCH}",
        columns.join(", "),
    );
    let set: Vec<String> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| format!("{c} = ?{}", i + 2))
        .collect();
    let update = format!("UPDATE {table} SET {} WHERE rowid = ?1", set.join(", "));
    let reseal = seal.map(|cols| {
        format!("UPDATE {table} SET mac = loep_mac('{table}', {cols}) WHERE rowid = ?1")
    });
    let n = columns.len();
    let mut after = i64::MIN;
    loop {
        let batch: Vec<(i64, Vec<Option<String>>, bool)> = {
            let mut stmt = tx.prepare_cached(&select)?;
            let rows = stmt.query_map([after], |r| {
                let mut values = Vec::with_capacity(n);
                for i in 0..n {
                    values.push(crate::integrity::value_text(r.get_ref(i + 1)?));
                }
                Ok((r.get(0)?, values, r.get::<_, bool>(n + 1)?))
            })?;
            rows.collect::<Result<_, _>>()?
        };
        let Some((last, _, _)) = batch.last() else {
            break;
        };
        after = *last;
        for (rowid, values, held) in batch {
            let mut changed = false;
            let mut args: Vec<Value> = Vec::with_capacity(n + 1);
            args.push(Value::Integer(rowid));
            for v in values {
                args.push(match v {
                    Some(text) if decode(&text).is_err() => {
                        changed = true;
                        Value::Text(encode(&from_commas(&text)))
                    }
                    Some(text) => Value::Text(text),
                    None => Value::Null,
                });
            }
            if !changed {
                continue;
            }
            tx.prepare_cached(&update)?
                .execute(params_from_iter(args.iter()))?;
            done.rewritten += 1;
            match &reseal {
                Some(sql) if held => {
                    tx.prepare_cached(sql)?.execute([rowid])?;
                    done.resealed += 1;
                }
                Some(_) => done.unsealed += 1,
                None => {}
            }
        }
    }
    for (_, sql) in &triggers {
        tx.execute_batch(sql)?;
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Db;

    #[test]
    fn a_list_comes_back_as_it_went_in() {
        let lists: Vec<Vec<&str>> = vec![
            vec![],
            vec![""],
            vec!["", ""],
            vec!["P0001"],
            vec!["P0001", "P0002"],
            vec!["a,b", "c"],
            vec![",", ",,", " , "],
            vec!["\"quoted\"", "it's", "back\\slash", "[", "]", "[\"x\"]"],
            vec!["regel\nnieuw", "tab\t", "\u{1f}", "é ü ß 漢字 🏠"],
            vec![" spaces around "],
        ];
        for items in lists {
            let text = encode(&items);
            assert_eq!(decode(&text).unwrap(), items, "{text}");
            // Owned strings too.
            let owned: Vec<String> = items.iter().map(|s| s.to_string()).collect();
            assert_eq!(encode(&owned), text);
        }
    }

    #[test]
    fn the_empty_list_is_an_empty_array() {
        let none: [&str; 0] = [];
        assert_eq!(encode(&none), "[]");
        assert_eq!(decode("[]").unwrap(), Vec::<String>::new());
        assert_eq!(decode(" [ ] ").unwrap(), Vec::<String>::new());
        assert_eq!(encode(&["a", "b,c"]), r#"["a","b,c"]"#);
    }

    #[test]
    fn anything_but_an_array_of_strings_is_an_error() {
        for bad in [
            "",
            " ",
            "P0001",
            "P0001,P0002",
            "a,b",
            "[",
            "]",
            "[\"a\"",
            "[\"a\",]",
            "[a]",
            "['a']",
            "[1]",
            "[\"a\", 1]",
            "[null]",
            "[[\"a\"]]",
            "[{\"a\": 1}]",
            "null",
            "\"a\"",
            "{}",
            "{\"a\": [\"b\"]}",
            "1",
            "true",
            "[\"a\"] x",
            "[\"\\x\"]",
            "[\"\\ud800\"]",
        ] {
            let e = decode(bad).unwrap_err();
            assert!(e.to_string().contains("onleesbaar"), "{bad}: {e}");
        }
        // Deeply nested input is refused without exhausting the stack.
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(decode(&deep).is_err());
    }

    /// Random lists of random items (commas, quotes, brackets, control characters, any
    /// Unicode) survive the round trip, and random text never panics the decoder.
    #[test]
    fn random_lists_survive_and_random_text_never_panics() {
        // A small deterministic generator (xorshift): no dev-dependency for it.
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let alphabet: Vec<char> = ",\"\\[]{} \t\n\r\u{0}\u{1f}\u{7f}aZ09é漢🏠:'/"
            .chars()
            .collect();
        for _ in 0..2_000 {
            let len = (next() % 6) as usize;
            let items: Vec<String> = (0..len)
                .map(|_| {
                    let n = (next() % 8) as usize;
                    (0..n)
                        .map(|_| {
                            if next() % 4 == 0 {
                                char::from_u32((next() % 0x11_0000) as u32).unwrap_or('x')
                            } else {
                                alphabet[(next() % alphabet.len() as u64) as usize]
                            }
                        })
                        .collect()
                })
                .collect();
            let text = encode(&items);
            assert_eq!(decode(&text).unwrap(), items, "{text:?}");
            // Cut or mangled, it is an error or another list, never a panic.
            let cut: String = text.chars().take((next() % 12) as usize).collect();
            let _ = decode(&cut);
            let noise: String = (0..(next() % 16))
                .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
                .collect();
            let _ = decode(&noise);
        }
    }

    #[test]
    fn the_comma_form_reads_as_the_earlier_releases_read_it() {
        assert_eq!(from_commas(""), Vec::<String>::new());
        assert_eq!(from_commas(","), Vec::<String>::new());
        assert_eq!(from_commas("P1"), ["P1"]);
        assert_eq!(from_commas("P1,P2"), ["P1", "P2"]);
        assert_eq!(from_commas(" a , ,b,"), ["a", "b"]);
        assert_eq!(Format::Commas.read("a,b").unwrap(), ["a", "b"]);
        assert_eq!(Format::Json.read(r#"["a,b"]"#).unwrap(), ["a,b"]);
        assert!(Format::Json.read("a,b").is_err());
    }

    #[test]
    fn membership_in_sql_is_membership_of_the_decoded_list() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        let lists = [
            encode(&["P1", "P2"]),
            encode(&["a,b", "\"q\""]),
            encode(&Vec::<String>::new()),
            "P1,P2".to_string(),
            "\"P1\"".to_string(),
            "{\"x\": \"P1\"}".to_string(),
            "[\"P1\"".to_string(),
            "[1, \"P1\"]".to_string(),
        ];
        for list in &lists {
            for item in ["P1", "P2", "P", "a", "a,b", "b", "\"q\"", "q", ""] {
                let found: bool = conn
                    .query_row(
                        &format!("SELECT {}", contains_sql("?1", "?2")),
                        [list.as_str(), item],
                        |r| r.get(0),
                    )
                    .unwrap();
                let want = decode(list).is_ok_and(|l| l.iter().any(|x| x == item));
                // The one case SQL and the decoder differ on: an array with a non-string item,
                // which the decoder refuses as a whole and SQL reads item by item.
                if list.as_str() == "[1, \"P1\"]" {
                    assert_eq!(found, item == "P1", "{list} {item}");
                } else {
                    assert_eq!(found, want, "{list} {item}");
                }
            }
        }
    }

    fn sealed_store() -> rusqlite::Connection {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        crate::integrity::register(Db::of(&conn), &crate::integrity::test_key(), 0).unwrap();
        conn.execute_batch(crate::project::SCHEMA).unwrap();
        crate::reveal::create_schema(Db::of(&conn)).unwrap();
        crate::integrity::seal_existing(Db::of(&conn)).unwrap();
        conn
    }

    /// The conversion seals again only rows whose seal held, keeps the triggers as they were,
    /// and does nothing more when it runs again.
    #[test]
    fn the_conversion_reseals_only_rows_that_held_their_seal() {
        let mut conn = sealed_store();
        crate::integrity::create_triggers(Db::of(&conn)).unwrap();
        let triggers = |conn: &rusqlite::Connection| -> Vec<(String, String)> {
            let mut stmt = conn
                .prepare("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'onthulling' ORDER BY name")
                .unwrap();
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                .unwrap()
                .map(Result::unwrap)
                .collect()
        };
        let before = triggers(&conn);
        assert!(before.len() >= 3, "{before:?}");
        // The rows as an earlier release wrote them (its triggers sealed them), one of them
        // changed outside loep afterwards, one with no persons.
        conn.execute_batch(
            "DROP TRIGGER onthulling_toegang_insert; DROP TRIGGER onthulling_toegang_update;
             INSERT INTO onthulling (id, signaal, pseudoniemen, aanvrager, reden, aangevraagd, status)
             VALUES ('O1', 'S/1', 'P1,P2', 'a', 'r', 't', 'aangevraagd'),
                    ('O2', 'S/2', 'P3', 'a', 'r', 't', 'aangevraagd'),
                    ('O3', 'S/3', '', 'a', 'r', 't', 'aangevraagd');
             DROP TRIGGER onthulling_mac_check; DROP TRIGGER onthulling_mac_update;
             UPDATE onthulling SET pseudoniemen = 'P3,P9' WHERE id = 'O2';",
        )
        .unwrap();
        crate::integrity::create_triggers(Db::of(&conn)).unwrap();
        let before = triggers(&conn);
        let tampered =
            |conn: &rusqlite::Connection| crate::integrity::tampered_rows(Db::of(conn)).unwrap();
        assert_eq!(tampered(&conn).len(), 1);
        let tx = conn.transaction().unwrap();
        let done = convert_commas(TxDb::of(&tx), "onthulling", &["pseudoniemen"]).unwrap();
        tx.commit().unwrap();
        assert_eq!(
            done,
            Conversion {
                rewritten: 3,
                resealed: 2,
                unsealed: 1
            }
        );
        let stored = |conn: &rusqlite::Connection, id: &str| -> String {
            conn.query_row(
                "SELECT pseudoniemen FROM onthulling WHERE id = ?1",
                [id],
                |r| r.get(0),
            )
            .unwrap()
        };
        assert_eq!(stored(&conn, "O1"), r#"["P1","P2"]"#);
        assert_eq!(stored(&conn, "O2"), r#"["P3","P9"]"#);
        assert_eq!(stored(&conn, "O3"), "[]");
        assert!(crate::integrity::row_intact(Db::of(&conn), "onthulling", "O1").unwrap());
        assert!(crate::integrity::row_intact(Db::of(&conn), "onthulling", "O3").unwrap());
        assert!(!crate::integrity::row_intact(Db::of(&conn), "onthulling", "O2").unwrap());
        let after = tampered(&conn);
        assert_eq!(after.len(), 1);
        assert!(after[0].contains("'O2'"), "{after:?}");
        assert_eq!(
            triggers(&conn),
            before,
            "the triggers are back as they were"
        );
        // Again: nothing to do.
        let tx = conn.transaction().unwrap();
        let again = convert_commas(TxDb::of(&tx), "onthulling", &["pseudoniemen"]).unwrap();
        tx.commit().unwrap();
        assert_eq!(again, Conversion::default());
        assert_eq!(stored(&conn, "O1"), r#"["P1","P2"]"#);
        assert_eq!(tampered(&conn).len(), 1);
    }

    /// A table whose rows carry a seal this module does not know is not converted.
    #[test]
    fn an_unknown_seal_is_refused() {
        let mut conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE onbekend (lijst TEXT, mac TEXT); INSERT INTO onbekend VALUES ('a,b', 'x');",
        )
        .unwrap();
        let tx = conn.transaction().unwrap();
        let e = convert_commas(TxDb::of(&tx), "onbekend", &["lijst"]).unwrap_err();
        assert!(e.to_string().contains("zegel"), "{e}");
        // A table that does not exist has nothing to convert.
        let none = convert_commas(TxDb::of(&tx), "bestaat_niet", &["lijst"]).unwrap();
        assert_eq!(none, Conversion::default());
    }
}
