fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=../../proto"); // tonic-prost-build doesn't emit this
    let mut config = tonic_prost_build::Config::new();
    config.protoc_executable(protoc_bin_vendored::protoc_bin_path()?);
    let out_dir = std::path::PathBuf::from(std::env::var("OUT_DIR")?);
    tonic_prost_build::configure()
        // Malformed requests are the sender's fault: INVALID_ARGUMENT, not INTERNAL.
        .codec_path("crate::codec::RondomCodec")
        .file_descriptor_set_path(out_dir.join("rondom_v1_descriptor.bin"))
        .compile_with_config(
            config,
            &[
                "../../proto/rondom/v1/common.proto",
                "../../proto/rondom/v1/signal.proto",
                "../../proto/rondom/v1/household.proto",
                "../../proto/rondom/v1/event.proto",
                "../../proto/rondom/v1/write.proto",
                "../../proto/rondom/v1/wmo.proto",
                "../../proto/rondom/v1/jeugd.proto",
                "../../proto/rondom/v1/participatie.proto",
                "../../proto/rondom/v1/schuldhulp.proto",
                "../../proto/rondom/v1/regie.proto",
                "../../proto/rondom/v1/subscription.proto",
                "../../proto/rondom/v1/audit.proto",
                "../../proto/rondom/v1/operator.proto",
            ],
            &["../../proto"],
        )?;
    Ok(())
}
