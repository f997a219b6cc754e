//! Columns read as the contract's values. loep writes such a column from the value's own text
//! (`Display`), so text that does not parse back is a row changed outside loep: it is refused
//! as a value of the wrong type is (`FromSqlConversionFailure`), which the readers that check
//! a run's signals report as a row that differs.

use loep_contract::{BagId, Datum, Invalid};

/// Column `idx` parsed by `parse`.
pub fn parsed<T>(
    r: &rusqlite::Row<'_>,
    idx: usize,
    parse: impl FnOnce(&str) -> Result<T, Invalid>,
) -> rusqlite::Result<T> {
    let text: String = r.get(idx)?;
    parse(&text).map_err(|e| conversion(idx, e))
}

/// Column `idx` parsed by `parse`, NULL as `None`.
pub fn parsed_opt<T>(
    r: &rusqlite::Row<'_>,
    idx: usize,
    parse: impl FnOnce(&str) -> Result<T, Invalid>,
) -> rusqlite::Result<Option<T>> {
    let Some(text) = r.get::<_, Option<String>>(idx)? else {
        return Ok(None);
    };
    parse(&text).map(Some).map_err(|e| conversion(idx, e))
}

/// A verblijfsobject id in column `idx`.
pub fn vbo(r: &rusqlite::Row<'_>, idx: usize) -> rusqlite::Result<BagId> {
    parsed(r, idx, BagId::vbo)
}

/// A verblijfsobject id or NULL in column `idx`.
pub fn vbo_opt(r: &rusqlite::Row<'_>, idx: usize) -> rusqlite::Result<Option<BagId>> {
    parsed_opt(r, idx, BagId::vbo)
}

/// A complete date in column `idx`, in the form loep writes (`JJJJ-MM-DD`, not the GBA
/// notation the contract also reads).
pub fn datum(r: &rusqlite::Row<'_>, idx: usize) -> rusqlite::Result<Datum> {
    parsed(r, idx, stored_datum)
}

/// A complete date or NULL in column `idx`; see [`datum`].
pub fn datum_opt(r: &rusqlite::Row<'_>, idx: usize) -> rusqlite::Result<Option<Datum>> {
    parsed_opt(r, idx, stored_datum)
}

/// A complete date as loep writes it: [`Datum::parse`], and the text is the date's own.
pub fn stored_datum(s: &str) -> Result<Datum, Invalid> {
    let d = Datum::parse(s)?;
    if d.text() != s.as_bytes() {
        return Err(Invalid::new(
            "datum_vorm",
            "een opgeslagen datum staat in de vorm JJJJ-MM-DD",
        ));
    }
    Ok(d)
}

fn conversion(idx: usize, e: Invalid) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Text, Box::new(e))
}
