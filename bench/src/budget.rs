//! Size budgets: figures that must not creep up unseen (the customer bundle grew 57 % in two
//! issues once, with nobody looking). `bench/budget.toml` holds each budgeted row's figure as
//! committed; a run whose figure is more than [`TOLERANCE`] over it fails, naming the row. A
//! budget is raised in the same commit as the growth, with the reason in that commit.

use std::collections::BTreeMap;
use std::path::Path;

use crate::report::Measure;

/// How far over its budget a figure may go (build-to-build noise, test hooks in `make test`'s
/// build: about 1 %).
pub const TOLERANCE: f64 = 0.05;

/// Row id → budget, from `bench/budget.toml` (`C5 = 178309`).
pub fn read(path: &Path) -> Result<BTreeMap<String, f64>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let table: toml::Table = text
        .parse()
        .map_err(|e| format!("{}: {e}", path.display()))?;
    table
        .into_iter()
        .map(|(id, v)| match v {
            toml::Value::Integer(n) if n > 0 => Ok((id, n as f64)),
            toml::Value::Float(f) if f > 0.0 => Ok((id, f)),
            other => Err(format!(
                "{}: {id} = {other}: a budget is a positive number",
                path.display()
            )),
        })
        .collect()
}

/// The rows over budget, each said with its figure, budget and excess; rows not measured in
/// this run are not judged.
pub fn over(measures: &[Measure], budgets: &BTreeMap<String, f64>) -> Vec<String> {
    let mut over = Vec::new();
    for (id, budget) in budgets {
        for m in measures.iter().filter(|m| &m.id == id) {
            let Some(figure) = m.product.map(|p| p.median) else {
                continue;
            };
            if figure > budget * (1.0 + TOLERANCE) {
                over.push(format!(
                    "{id} {}: {figure:.0} {} is {:.1} % over its budget of {budget:.0} \
                     (bench/budget.toml allows {:.0} %)",
                    m.what,
                    m.unit,
                    (figure / budget - 1.0) * 100.0,
                    TOLERANCE * 100.0
                ));
            }
        }
    }
    over
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: &str, figure: f64) -> Measure {
        Measure::new(id, "bundle", "page", "bytes", "—").product(&[figure])
    }

    #[test]
    fn a_row_more_than_the_tolerance_over_its_budget_is_named() {
        let budgets = BTreeMap::from([("C5".to_string(), 100_000.0), ("P0a".into(), 2_500.0)]);
        let rows = [row("C5", 105_000.0), row("P0a", 2_700.0), row("R3", 1e9)];
        let over = over(&rows, &budgets);
        assert_eq!(over.len(), 1, "{over:?}");
        assert!(
            over[0].starts_with("P0a bundle: 2700 bytes is 8.0 % over"),
            "{over:?}"
        );
    }

    #[test]
    fn the_committed_budgets_read() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("budget.toml");
        let budgets = read(&path).unwrap();
        assert!(budgets.contains_key("C5") && budgets.contains_key("P0a"));
        let bad = std::env::temp_dir().join("cobrowse-bad-budget.toml");
        std::fs::write(&bad, "C5 = \"big\"\n").unwrap();
        assert!(read(&bad).unwrap_err().contains("C5"));
    }
}
