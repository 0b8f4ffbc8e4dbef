include!("udfs/build_native.rs");

fn main() {
    link_native_libraries();
}
