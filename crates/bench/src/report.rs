//! The outcome of a run: one table on the terminal, the same as JSON in
//! `bench/results/<date>.json`, and as a section of `BENCHMARKS.md`, with the machine, the
//! versions and the command, so runs can be compared.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use serde::Serialize;

/// One line of the table: a measured figure, what it is held against, and the target.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Figure {
    pub(crate) id: &'static str,
    pub(crate) what: String,
    pub(crate) value: f64,
    pub(crate) unit: &'static str,
    /// The baseline measured in the same run, when the figure has one.
    pub(crate) baseline: Option<f64>,
    /// value / baseline (or as the target defines it).
    pub(crate) ratio: Option<f64>,
    pub(crate) target: &'static str,
    /// Whether the target is met; `None` for a figure without one.
    pub(crate) met: Option<bool>,
}

impl Figure {
    /// A figure held against a baseline: met when value / baseline reaches `at_least`.
    pub(crate) fn against(
        id: &'static str,
        what: String,
        value: f64,
        unit: &'static str,
        baseline: f64,
        target: &'static str,
        at_least: f64,
    ) -> Self {
        let ratio = value / baseline;
        Self {
            id,
            what,
            value,
            unit,
            baseline: Some(baseline),
            ratio: Some(ratio),
            target,
            met: Some(ratio >= at_least),
        }
    }

    /// A figure held against a limit of its own: met when `within` says so.
    pub(crate) fn limit(
        id: &'static str,
        what: String,
        value: f64,
        unit: &'static str,
        target: &'static str,
        within: bool,
    ) -> Self {
        Self {
            id,
            what,
            value,
            unit,
            baseline: None,
            ratio: None,
            target,
            met: Some(within),
        }
    }
}

/// Where and how the run was made.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Machine {
    pub(crate) cpu: String,
    pub(crate) cores: usize,
    pub(crate) memory_gib: f64,
    pub(crate) kernel: String,
    pub(crate) rustc: String,
    pub(crate) nats_server: String,
    pub(crate) postgres: String,
    pub(crate) commit: String,
}

impl Machine {
    /// Reads this machine; `postgres` is the version of the peer's server, or why there is
    /// none.
    pub(crate) fn read(postgres: String) -> Self {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let memory_kib: f64 = meminfo
            .lines()
            .find_map(|line| line.strip_prefix("MemTotal:"))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|kib| kib.parse().ok())
            .unwrap_or(0.0);
        Self {
            cpu: cpuinfo
                .lines()
                .find_map(|line| line.strip_prefix("model name"))
                .map(|rest| rest.trim_start_matches([' ', '\t', ':']).to_owned())
                .unwrap_or_else(|| "unknown".to_owned()),
            cores: std::thread::available_parallelism().map_or(0, usize::from),
            memory_gib: memory_kib / 1024.0 / 1024.0,
            kernel: output("uname", &["-r"]),
            rustc: output("rustc", &["--version"]),
            nats_server: output(
                &rondom_runtime::nats_server::binary_path().to_string_lossy(),
                &["--version"],
            ),
            postgres,
            commit: output("git", &["describe", "--always", "--dirty"]),
        }
    }
}

fn output(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .ok()
        .filter(|out| out.status.success())
        .map_or_else(
            || "unknown".to_owned(),
            |out| String::from_utf8_lossy(&out.stdout).trim().to_owned(),
        )
}

/// A whole run.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Run {
    pub(crate) date: String,
    pub(crate) mode: &'static str,
    pub(crate) command: String,
    pub(crate) machine: Machine,
    pub(crate) sizes: serde_json::Value,
    pub(crate) figures: Vec<Figure>,
    pub(crate) notes: Vec<String>,
}

impl Run {
    /// The table, as Markdown (which also reads well on a terminal).
    pub(crate) fn table(&self) -> String {
        let mut text = String::from(
            "| id | what | value | baseline | ratio | target | met |\n|---|---|---|---|---|---|---|\n",
        );
        for figure in &self.figures {
            let _ = writeln!(
                text,
                "| {} | {} | {} {} | {} | {} | {} | {} |",
                figure.id,
                figure.what,
                number(figure.value),
                figure.unit,
                figure.baseline.map_or_else(|| "—".to_owned(), number),
                figure
                    .ratio
                    .map_or_else(|| "—".to_owned(), |ratio| format!("{ratio:.2}")),
                figure.target,
                match figure.met {
                    Some(true) => "yes",
                    Some(false) => "**no**",
                    None => "—",
                }
            );
        }
        text
    }

    /// Writes `bench/results/<date>[-quick][-N].json` under `root` (a later run of the same
    /// day gets the next N, so the results of each run stay next to its section) and puts
    /// the run at the top of the runs in `root/BENCHMARKS.md`.
    pub(crate) fn save(&self, root: &Path) -> anyhow::Result<std::path::PathBuf> {
        let results = root.join("bench/results");
        std::fs::create_dir_all(&results)?;
        let suffix = if self.mode == "full" { "" } else { "-quick" };
        let json = unused(&results, &format!("{}{suffix}", self.date));
        std::fs::write(&json, serde_json::to_string_pretty(self)? + "\n")?;

        let markdown = root.join("BENCHMARKS.md");
        let existing = std::fs::read_to_string(&markdown).unwrap_or_default();
        let (head, runs) = existing
            .split_once(RUNS_MARKER)
            .unwrap_or((existing.as_str(), ""));
        let section = self.section(
            &json
                .strip_prefix(root)
                .unwrap_or(&json)
                .display()
                .to_string(),
        );
        let text = format!(
            "{}\n\n{RUNS_MARKER}\n\n{section}{}",
            head.trim_end(),
            runs.trim_start()
        );
        std::fs::write(&markdown, text)?;
        Ok(json)
    }

    fn section(&self, json: &str) -> String {
        let machine = &self.machine;
        let mut text = format!(
            "### {} — {} run, commit {}\n\n`{}` · {} ({} cores, {:.0} GiB), Linux {} · {} · {} · {} · results: `{json}`\n\n",
            self.date,
            self.mode,
            machine.commit,
            self.command,
            machine.cpu,
            machine.cores,
            machine.memory_gib,
            machine.kernel,
            machine.rustc,
            machine.nats_server,
            machine.postgres,
        );
        text.push_str(&self.table());
        for note in &self.notes {
            let _ = write!(text, "\n- {note}");
        }
        text.push_str("\n\n");
        text
    }
}

/// Where generated runs start in BENCHMARKS.md; everything above it is written by hand.
const RUNS_MARKER: &str = "<!-- runs, newest first: written by rondom-bench -->";

fn number(value: f64) -> String {
    if value.is_nan() {
        "—".to_owned()
    } else if value >= 100.0 {
        format!("{value:.0}")
    } else if value >= 10.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.2}")
    }
}

/// `dir/<stem>.json`, or `dir/<stem>-2.json`, `-3` and on when that is taken.
fn unused(dir: &Path, stem: &str) -> std::path::PathBuf {
    let first = dir.join(format!("{stem}.json"));
    if !first.exists() {
        return first;
    }
    (2u32..)
        .map(|number| dir.join(format!("{stem}-{number}.json")))
        .find(|path| !path.exists())
        .expect("a free name")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_run_of_the_day_keeps_the_first_runs_results() {
        let dir = tempfile::tempdir().expect("a folder");
        let first = unused(dir.path(), "2026-12-06-quick");
        assert_eq!(first, dir.path().join("2026-12-06-quick.json"));
        std::fs::write(&first, "{}").expect("written");
        let second = unused(dir.path(), "2026-12-06-quick");
        assert_eq!(second, dir.path().join("2026-12-06-quick-2.json"));
        std::fs::write(&second, "{}").expect("written");
        assert_eq!(
            unused(dir.path(), "2026-12-06-quick"),
            dir.path().join("2026-12-06-quick-3.json")
        );
        assert_eq!(
            unused(dir.path(), "2026-12-06"),
            dir.path().join("2026-12-06.json"),
            "a full run of the same day has names of its own"
        );
    }
}
