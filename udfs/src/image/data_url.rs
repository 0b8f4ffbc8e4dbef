//! `data:[<type>][;base64],<data>` image values (RFC 2397), base64 only: a query that mixes
//! image paths with encoded images (training crops cut from files beside background images
//! kept as bytes) carries both in one string column.
use base64::Engine;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

use crate::error::UdfError;

/// DataFusion's `encode(bytes, 'base64')` writes no padding, so padding is optional here.
const BASE64: GeneralPurpose =
    GeneralPurpose::new(&base64::alphabet::STANDARD, GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent));

pub fn is_data_url(s: &str) -> bool {
    s.get(..5).is_some_and(|p| p.eq_ignore_ascii_case("data:"))
}

/// The bytes of a base64 data URL.
pub fn decode(url: &str, max_bytes: u64) -> Result<Vec<u8>, UdfError> {
    let rest = url.get(5..).filter(|_| is_data_url(url)).ok_or_else(|| UdfError::Other("not a data: URL".into()))?;
    let (meta, data) = rest.split_once(',').ok_or_else(|| UdfError::Other("data: URL without ','".into()))?;
    if !meta.to_ascii_lowercase().ends_with(";base64") {
        return Err(UdfError::Other(format!("data: URL '{meta}' is not base64 (images need ';base64,')")));
    }
    if (data.len() as u64) / 4 * 3 > max_bytes {
        return Err(UdfError::Other(format!("data: URL of {} characters is above the image limit of {max_bytes} bytes", data.len())));
    }
    BASE64.decode(data.trim()).map_err(|e| UdfError::Other(format!("data: URL: invalid base64 ({e})")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_padded_and_unpadded_base64() {
        assert_eq!(decode("data:image/png;base64,AAEC/w==", 100).unwrap(), vec![0, 1, 2, 255]);
        assert_eq!(decode("DATA:image/png;BASE64,AAEC/w", 100).unwrap(), vec![0, 1, 2, 255]);
    }

    #[test]
    fn refuses_what_is_not_a_base64_image() {
        assert!(decode("data:image/png,rawtext", 100).unwrap_err().to_string().contains("not base64"));
        assert!(decode("data:image/png;base64", 100).unwrap_err().to_string().contains("without ','"));
        assert!(decode("data:;base64,@@@@", 100).unwrap_err().to_string().contains("invalid base64"));
        assert!(decode("data:;base64,AAAAAAAAAAAA", 3).unwrap_err().to_string().contains("above the image limit"));
        assert!(!is_data_url("dat"));
        assert!(is_data_url("Data:x"));
        assert!(!is_data_url("dataé:x"));
    }
}
