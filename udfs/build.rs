// Shared by the cytologia and cytologia-udfs packages (the root build.rs includes this file):
// binaries and test executables find libtorch and ONNX Runtime without LD_LIBRARY_PATH.
// scripts/setup writes .cytologia-env/paths.env; .cargo/config.toml points CYTOLOGIA_ENV_DIR at it.
fn main() {
    println!("cargo:rerun-if-env-changed=CYTOLOGIA_ENV_DIR");
    let Ok(dir) = std::env::var("CYTOLOGIA_ENV_DIR") else {
        println!("cargo:warning=CYTOLOGIA_ENV_DIR is not set; build through cargo in the repository so .cargo/config.toml applies");
        return;
    };
    let paths = std::path::Path::new(&dir).join("paths.env");
    println!("cargo:rerun-if-changed={}", paths.display());
    let Ok(text) = std::fs::read_to_string(&paths) else {
        println!("cargo:warning=native libraries not installed ({} missing): run scripts/setup", paths.display());
        return;
    };
    for line in text.lines() {
        let Some((key, value)) = line.split_once('=') else { continue };
        match key {
            // The C++ shims (bf16 autocast and fused AdamW for the trainer, the CPU block cache), against the
            // same libtorch headers torch-sys builds with.
            "CYTOLOGIA_LIBTORCH" if std::env::var("CARGO_PKG_NAME").as_deref() == Ok("cytologia-udfs") => {
                println!("cargo:rerun-if-changed=src/train/autocast.cpp");
                println!("cargo:rerun-if-changed=src/runtime/torch_cpu_cache.cpp");
                println!("cargo:rerun-if-changed=src/train/adamw.cpp");
                let inc = std::path::Path::new(value).join("include");
                cc::Build::new()
                    .cpp(true)
                    .file("src/train/autocast.cpp")
                    .file("src/runtime/torch_cpu_cache.cpp")
                    .file("src/train/adamw.cpp")
                    .include(&inc)
                    .include(inc.join("torch/csrc/api/include"))
                    .flag("-std=c++17")
                    .flag("-D_GLIBCXX_USE_CXX11_ABI=1")
                    .warnings(false)
                    .compile("cyto_torch_shims");
            }
            // DT_RPATH (not RUNPATH) so libtorch_cpu.so's own dependencies resolve too.
            "CYTOLOGIA_LIB_DIRS" => {
                println!("cargo:rustc-link-arg=-Wl,--disable-new-dtags,-rpath,{value}");
            }
            "CYTOLOGIA_ORT_DYLIB" => println!("cargo:rustc-env=CYTOLOGIA_ORT_DYLIB={value}"),
            _ => {}
        }
    }
}
