//! Printing results: a readable table for people, JSON or YAML for programs.

use std::io::Write;

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{ContentArrangement, Table};
use serde::Serialize;

use crate::cli::Output;

/// Prints `value` as JSON or YAML, or as the table `to_table` builds from it.
pub(crate) fn print<T: Serialize>(
    output: Output,
    value: &T,
    to_table: impl FnOnce(&T) -> Table,
) -> anyhow::Result<()> {
    let text = match output {
        Output::Json => serde_json::to_string_pretty(value)? + "\n",
        Output::Yaml => serde_norway::to_string(value)?,
        Output::Table => to_table(value).to_string() + "\n",
    };
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(text.as_bytes())?;
    stdout.flush()?;
    Ok(())
}

/// Prints a confirmation line for people, or `value` for programs.
pub(crate) fn confirm<T: Serialize>(output: Output, value: &T, line: &str) -> anyhow::Result<()> {
    if output != Output::Table {
        return print(output, value, |_| Table::new());
    }
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{line}")?;
    stdout.flush()?;
    Ok(())
}

/// A table with the house look.
pub(crate) fn table<I, R>(headers: &[&str], rows: I) -> Table
where
    I: IntoIterator<Item = R>,
    R: Into<comfy_table::Row>,
{
    let mut table = Table::new();
    table
        .load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(headers.to_vec());
    for row in rows {
        table.add_row(row);
    }
    fit(&mut table, std::env::var("COLUMNS").ok().as_deref());
    table
}

/// Tables are as wide as `COLUMNS` says, else as the terminal; without either (a pipe, or a
/// terminal that reports no size) they are not wrapped at all rather than squeezed to nothing.
fn fit(table: &mut Table, columns: Option<&str>) {
    const NARROWEST: u16 = 20;
    match columns.and_then(|c| c.trim().parse::<u16>().ok()) {
        Some(width) if width >= NARROWEST => {
            table.set_width(width);
        }
        _ if table.width().is_none_or(|w| w < NARROWEST) => {
            table.set_content_arrangement(ContentArrangement::Disabled);
        }
        _ => {}
    }
}

/// Refuses an `-o` the command cannot honor, instead of ignoring it: `allowed` are the formats
/// it can print, `why` says what it prints instead.
pub(crate) fn only(requested: Option<Output>, allowed: &[Output], why: &str) -> anyhow::Result<()> {
    match requested {
        Some(format) if !allowed.contains(&format) => anyhow::bail!(
            "-o {} does not apply here: {why}",
            match format {
                Output::Table => "table",
                Output::Json => "json",
                Output::Yaml => "yaml",
            }
        ),
        _ => Ok(()),
    }
}
