include!("udfs/build.rs");
