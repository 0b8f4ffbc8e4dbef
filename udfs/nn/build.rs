include!("../build_native.rs");

fn main() {
    for (key, value) in link_native_libraries() {
        if key != "CYTOLOGIA_LIBTORCH" {
            continue;
        }
        // The C++ shims (bf16 autocast, fused AdamW, the CPU block cache), against the same
        // libtorch headers torch-sys builds with.
        let shims = ["src/autocast.cpp", "src/runtime/torch_cpu_cache.cpp", "src/optim/adamw.cpp"];
        let inc = std::path::Path::new(&value).join("include");
        let mut build = cc::Build::new();
        build.cpp(true).include(&inc).include(inc.join("torch/csrc/api/include")).flag("-std=c++17").flag("-D_GLIBCXX_USE_CXX11_ABI=1").warnings(false);
        for s in shims {
            println!("cargo:rerun-if-changed={s}");
            build.file(s);
        }
        build.compile("cyto_torch_shims");
    }
}
