//! `cytologia demo`: synthetic smears through every pipeline script that exists so far.
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use super::{Cli, config};
use crate::error::{Error, Result};
use crate::output::Format;
use crate::pipeline::{DEMO_SETUP, DEMO_TRAINING, FIRST_INFERENCE_SCRIPT, FIRST_TRAIN_SCRIPT, FIXTURE_MODELS, REPORTS, SCRIPTS, TRAIN_SCRIPTS};

pub async fn run(cli: &Cli, out: &Path, train: usize, test: usize, seed: u64) -> Result<()> {
    let started = Instant::now();
    let data = out.join("data");
    let stages = 3 + SCRIPTS.len() + TRAIN_SCRIPTS.len() + REPORTS.len();
    let mut n = 0;
    let mut stage = |name: &str| {
        n += 1;
        println!("\n== [{n}/{stages}] {name}");
    };

    stage(&format!("synthesise {train} train + {test} test smears (seed {seed}) into {}", data.display()));
    let t = Instant::now();
    super::synth::run(&data, train, test, seed)?;
    println!("done in {:.1}s", t.elapsed().as_secs_f64());

    let warehouse = out.join("warehouse");
    stage(&format!("open warehouse {} and apply the catalog", warehouse.display()));
    let cfg = config(cli).with_warehouse(warehouse.display().to_string());
    let engine = crate::engine::build(&cfg).await?;
    println!("tables: {}", crate::catalog::FILES.len());

    let models = out.join("models");
    std::fs::create_dir_all(&models).map_err(|e| Error::io(&models, e))?;
    for (file, bytes) in FIXTURE_MODELS {
        let p = models.join(file);
        std::fs::write(&p, bytes).map_err(|e| Error::io(&p, e))?;
    }
    let submission = out.join("submission.csv");
    let mut params = BTreeMap::new();
    params.insert("data".to_string(), data.display().to_string());
    params.insert("models".to_string(), models.display().to_string());
    params.insert("out".to_string(), submission.display().to_string());
    for (k, v) in DEMO_TRAINING {
        params.insert(k.to_string(), v.to_string());
    }
    let mut stdout = std::io::stdout().lock();
    for s in SCRIPTS.iter().chain(REPORTS) {
        if s.file == FIRST_TRAIN_SCRIPT {
            for t in TRAIN_SCRIPTS {
                stage(&format!("{} ({})", t.stage, t.file));
                let started = Instant::now();
                super::run::run_text(&engine, t.file, t.sql, &params, Format::Table, &mut stdout).await?;
                println!("done in {:.1}s", started.elapsed().as_secs_f64());
            }
        }
        if s.file == FIRST_INFERENCE_SCRIPT {
            stage(&format!("{} ({}, files in {})", DEMO_SETUP.stage, DEMO_SETUP.file, models.display()));
            super::run::run_text(&engine, DEMO_SETUP.file, DEMO_SETUP.sql, &params, Format::Table, &mut stdout).await?;
        }
        stage(&format!("{} ({})", s.stage, s.file));
        let t = Instant::now();
        super::run::run_text(&engine, s.file, s.sql, &params, Format::Table, &mut stdout).await?;
        println!("done in {:.1}s", t.elapsed().as_secs_f64());
    }
    println!(
        "\ndemo finished in {:.1}s. Submission: {}. Explore: cytologia --warehouse {} shell",
        started.elapsed().as_secs_f64(),
        submission.display(),
        warehouse.display()
    );
    Ok(())
}
