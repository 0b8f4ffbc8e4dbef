use std::sync::{Arc, LazyLock};

use datafusion::arrow::array::{ArrayRef, BooleanArray, Int64Array, RecordBatch, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::datasource::{MemTable, provider_as_source};
use datafusion::error::Result;
use datafusion::logical_expr::{Documentation, LogicalPlan, LogicalPlanBuilder};

use crate::tablefn::{InputKind, TableFn, TableFnCall, TableFnSignature};
use cytologia_nn::runtime::{onnx, torch};

// Loads the runtimes' libraries, reads no data.
pub(crate) const EFFECT: crate::access::Effect = crate::access::Effect::Pure;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        super::SECTION,
        "Reports the model runtimes this process can use: ONNX Runtime (loaded from the library \
         scripts/setup installed) and libtorch, whether each loaded, how many CUDA devices it \
         sees, and which device `device => 'auto'` picks.",
        "runtime_info()",
    )
    .with_sql_example("SELECT runtime, loaded, cuda_devices, auto_device FROM runtime_info();")
    .build()
});

static SIG: LazyLock<TableFnSignature> = LazyLock::new(|| TableFnSignature { input: InputKind::None, params: vec![] });

#[derive(Debug, Default)]
pub struct RuntimeInfo;

impl TableFn for RuntimeInfo {
    fn name(&self) -> &'static str {
        "runtime_info"
    }
    fn effect(&self) -> crate::access::Effect {
        EFFECT
    }
    fn signature(&self) -> &TableFnSignature {
        &SIG
    }
    fn documentation(&self) -> &Documentation {
        &DOC
    }
    fn plan(&self, _call: TableFnCall) -> Result<LogicalPlan> {
        let mut rows: Vec<(&str, bool, i64, String)> = Vec::new();
        match onnx::environment() {
            Ok(_) => {
                let cuda = onnx::cuda_compiled().unwrap_or(false);
                // The CUDA provider needs a GPU too; libtorch's count is the GPU census.
                let n = if cuda { torch::cuda_devices() as i64 } else { 0 };
                let detail = format!("{} (CUDA provider {})", onnx::dylib_path().unwrap_or_default(), if cuda { "built in" } else { "absent" });
                rows.push(("onnxruntime", true, n, detail));
            }
            Err(e) => rows.push(("onnxruntime", false, 0, e.to_string())),
        }
        let check = torch::smoke_test();
        rows.push((
            "libtorch",
            (check - 14.0).abs() < 1e-9,
            torch::cuda_devices() as i64,
            format!("tch 0.26 / libtorch 2.13, {} CPU threads", torch::threads()),
        ));
        let schema = Arc::new(Schema::new(vec![
            Field::new("runtime", DataType::Utf8, false),
            Field::new("loaded", DataType::Boolean, false),
            Field::new("cuda_devices", DataType::Int64, false),
            Field::new("auto_device", DataType::Utf8, false),
            Field::new("detail", DataType::Utf8, false),
        ]));
        let cols: Vec<ArrayRef> = vec![
            Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.0))),
            Arc::new(BooleanArray::from(rows.iter().map(|r| r.1).collect::<Vec<_>>())),
            Arc::new(Int64Array::from_iter_values(rows.iter().map(|r| r.2))),
            Arc::new(StringArray::from_iter_values(rows.iter().map(|r| if r.2 > 0 { "cuda:0" } else { "cpu" }))),
            Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.3.clone()))),
        ];
        let batch = RecordBatch::try_new(schema.clone(), cols)?;
        LogicalPlanBuilder::scan("runtime_info", provider_as_source(Arc::new(MemTable::try_new(schema, vec![vec![batch]])?)), None)?.build()
    }
}
