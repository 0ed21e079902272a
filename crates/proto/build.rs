fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=../../proto"); // tonic-prost-build doesn't emit this
    let mut config = tonic_prost_build::Config::new();
    config.protoc_executable(protoc_bin_vendored::protoc_bin_path()?);
    let out_dir = std::path::PathBuf::from(std::env::var("OUT_DIR")?);
    // Every file of the package, in name order: a new service needs no line here.
    let mut protos: Vec<std::path::PathBuf> = std::fs::read_dir("../../proto/rondom/v1")?
        .map(|entry| entry.map(|entry| entry.path()))
        .collect::<Result<_, _>>()?;
    protos.retain(|path| path.extension().is_some_and(|ext| ext == "proto"));
    protos.sort();
    tonic_prost_build::configure()
        // Malformed requests are the sender's fault: INVALID_ARGUMENT, not INTERNAL.
        .codec_path("crate::codec::RondomCodec")
        .file_descriptor_set_path(out_dir.join("rondom_v1_descriptor.bin"))
        .compile_with_config(config, &protos, &[std::path::PathBuf::from("../../proto")])?;
    Ok(())
}
