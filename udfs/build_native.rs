// Included by the build scripts of every package whose binaries or test executables link
// libtorch or load ONNX Runtime (cytologia, cytologia-udfs, cytologia-nn, cytologia-train), so
// they find both without LD_LIBRARY_PATH. scripts/setup writes .cytologia-env/paths.env;
// .cargo/config.toml points CYTOLOGIA_ENV_DIR at it.

/// The `KEY=value` lines of paths.env, or none (with a warning) before scripts/setup ran.
fn native_paths() -> Vec<(String, String)> {
    println!("cargo:rerun-if-env-changed=CYTOLOGIA_ENV_DIR");
    let Ok(dir) = std::env::var("CYTOLOGIA_ENV_DIR") else {
        println!("cargo:warning=CYTOLOGIA_ENV_DIR is not set; build through cargo in the repository so .cargo/config.toml applies");
        return Vec::new();
    };
    let paths = std::path::Path::new(&dir).join("paths.env");
    println!("cargo:rerun-if-changed={}", paths.display());
    let Ok(text) = std::fs::read_to_string(&paths) else {
        println!("cargo:warning=native libraries not installed ({} missing): run scripts/setup", paths.display());
        return Vec::new();
    };
    text.lines().filter_map(|l| l.split_once('=')).map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// An RPATH to libtorch's and ONNX Runtime's folders, and ONNX Runtime's default path.
fn link_native_libraries() -> Vec<(String, String)> {
    let paths = native_paths();
    for (key, value) in &paths {
        match key.as_str() {
            // DT_RPATH (not RUNPATH) so libtorch_cpu.so's own dependencies resolve too.
            "CYTOLOGIA_LIB_DIRS" => println!("cargo:rustc-link-arg=-Wl,--disable-new-dtags,-rpath,{value}"),
            "CYTOLOGIA_ORT_DYLIB" => println!("cargo:rustc-env=CYTOLOGIA_ORT_DYLIB={value}"),
            _ => {}
        }
    }
    paths
}
