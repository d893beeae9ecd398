//! Configuration files, YAML and TOML.

use wamp_runtime::Config;

/// Byte 0 picks YAML (even) or TOML (odd); the rest, if UTF-8, is a
/// configuration file. Loading must give a configuration or an error that
/// says something. Texts naming files are skipped: the loader would read
/// whatever path the fuzzer made up.
pub fn check_config(data: &[u8]) {
    let [format, text @ ..] = data else {
        return;
    };
    let Ok(text) = std::str::from_utf8(text) else {
        return;
    };
    if ["file", "cert", "key"].iter().any(|word| text.contains(word)) {
        return;
    }
    let loaded = if format % 2 == 0 {
        Config::from_yaml_str(text)
    } else {
        Config::from_toml_str(text)
    };
    match loaded {
        Ok(config) => {
            assert!(!config.is_empty());
            if let Err(e) = config.validate() {
                assert!(!e.to_string().is_empty());
            }
            let _ = format!("{config:?}");
        }
        Err(e) => assert!(!e.to_string().is_empty(), "an error without a message: {e:?}"),
    }
}
