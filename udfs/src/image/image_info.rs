use std::sync::{Arc, LazyLock};

use datafusion::arrow::array::{ArrayRef, Int32Builder, StringBuilder, StructArray};
use datafusion::arrow::datatypes::{DataType, Field, Fields};
use datafusion::error::Result;
use datafusion::logical_expr::{ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility};

use super::value::ImageColumn;

const NAME: &str = "image_info";

// Its image may be a path or URL, read when it runs.
pub(crate) const EFFECT: crate::access::Effect = crate::access::Effect::ReadsFiles;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        super::SECTION,
        "Reads an image's size and channel count from its header, without decoding pixels. \
         Accepts encoded bytes, a decoded pixel struct or a path.",
        "image_info(image)",
    )
    .with_argument("image", "Encoded bytes (JPEG, PNG, ...), a pixel struct `{width, height, channels, data}`, or a file path.")
    .with_sql_example("SELECT image_info('smears/images/cf7734a2-b.jpg');\n-- {width: 360, height: 366, channels: 3, format: jpeg}")
    .build()
});

fn fields() -> Fields {
    Fields::from(vec![
        Field::new("width", DataType::Int32, false),
        Field::new("height", DataType::Int32, false),
        Field::new("channels", DataType::Int32, false),
        Field::new("format", DataType::Utf8, false),
    ])
}

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct ImageInfo {
    signature: Signature,
}

impl Default for ImageInfo {
    fn default() -> Self {
        ImageInfo { signature: Signature::any(1, Volatility::Immutable) }
    }
}

impl ScalarUDFImpl for ImageInfo {
    fn name(&self) -> &str {
        NAME
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _args: &[DataType]) -> Result<DataType> {
        Ok(DataType::Struct(fields()))
    }
    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOC)
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let col = ImageColumn::new(NAME, &arrays[0])?;
        let headers = col.par_map(NAME, |item| item.header())?;
        let (mut w, mut h, mut c, mut f) = (Int32Builder::new(), Int32Builder::new(), Int32Builder::new(), StringBuilder::new());
        let mut valid = Vec::with_capacity(headers.len());
        for hd in &headers {
            valid.push(hd.is_some());
            let hd = hd.as_ref();
            w.append_value(hd.map_or(0, |x| x.width as i32));
            h.append_value(hd.map_or(0, |x| x.height as i32));
            c.append_value(hd.map_or(0, |x| x.channels as i32));
            f.append_value(hd.map_or("", |x| x.format));
        }
        let cols: Vec<ArrayRef> = vec![Arc::new(w.finish()), Arc::new(h.finish()), Arc::new(c.finish()), Arc::new(f.finish())];
        let out = StructArray::try_new(fields(), cols, Some(valid.into()))?;
        Ok(ColumnarValue::Array(Arc::new(out)))
    }
}
