//! "Seed | ours | difference" rows: each reference number with its source and epochs.

use crate::findings;
use crate::table::Table;

/// A number from a seed document (or another named source) to set beside ours.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Reference {
    pub(crate) value: f64,
    /// Where it comes from ("seed 002 notebook", "Keras blog").
    pub(crate) source: &'static str,
    /// The epochs it was measured after, where the source states them.
    pub(crate) epochs: Option<usize>,
}

/// One row of a seed table: a quantity of ours, after `epochs`, and its reference if any.
pub(crate) struct SeedRow {
    pub(crate) quantity: String,
    pub(crate) reference: Option<Reference>,
    pub(crate) ours: f64,
    pub(crate) epochs: usize,
}

/// Ours beside the references: a difference only where the epochs match (or the
/// source does not state them); otherwise the row says the two are not alike.
pub(crate) fn seed_table(rows: &[SeedRow]) -> Table {
    let mut table = Table::new(["quantity", "reference", "source", "ours", "difference"]);
    for row in rows {
        let (value, source, difference) = match row.reference {
            Some(r) => (
                Table::num(r.value, 4),
                match r.epochs {
                    Some(e) => format!("{} ({e} epochs)", r.source),
                    None => format!("{} (epochs not stated)", r.source),
                },
                match r.epochs {
                    Some(e) if e != row.epochs => {
                        format!(
                            "not like with like: {} against {e}",
                            findings::epochs(row.epochs)
                        )
                    }
                    _ => Table::num(row.ours - r.value, 3),
                },
            ),
            None => (String::new(), String::new(), String::new()),
        };
        table.push([
            row.quantity.clone(),
            value,
            source,
            Table::num(row.ours, 4),
            difference,
        ]);
    }
    table
}
