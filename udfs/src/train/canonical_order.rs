//! The order in which a training input's rows enter the dataset. A seed's shuffles and
//! augmentation streams refer to dataset positions, so those positions must not depend on how
//! the input's partitions happened to interleave (on 2 cores a plain scan arrives in either of
//! two orders, and train_detector ran one of two ways). Rows are ordered by a hash of their
//! values, every column included (nested ones too) through arrow's row format, so that images
//! held as bytes are not copied whole: the rows are encoded a chunk at a time.
use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::row::{RowConverter, SortField};

use crate::error::{Result, UdfError};

const CHUNK: usize = 1024;

/// FNV-1a: stable across builds and platforms, unlike std's hasher.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| (h ^ b as u64).wrapping_mul(0x0100_0000_01b3))
}

/// Row indices of `b` in canonical order. Equal rows (interchangeable) keep their arrival
/// order; two different rows could only tie on a 64-bit hash collision.
fn canonical_order(b: &RecordBatch) -> Result<Vec<usize>> {
    let err = |e: datafusion::arrow::error::ArrowError| UdfError::Other(format!("cannot order the training rows: {e}"));
    let fields = b.schema().fields().iter().map(|f| SortField::new(f.data_type().clone())).collect();
    let converter = RowConverter::new(fields).map_err(err)?;
    let n = b.num_rows();
    let mut keys = Vec::with_capacity(n);
    for start in (0..n).step_by(CHUNK) {
        let len = CHUNK.min(n - start);
        let columns: Vec<_> = b.columns().iter().map(|c| c.slice(start, len)).collect();
        let rows = converter.convert_columns(&columns).map_err(err)?;
        keys.extend((0..len).map(|r| fnv1a(rows.row(r).as_ref())));
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|&r| (keys[r], r));
    Ok(order)
}

/// `items` (one per row of `b`, in arrival order) in canonical order, each with its row.
pub fn in_canonical_order<T>(b: &RecordBatch, items: Vec<T>) -> Result<Vec<(usize, T)>> {
    if items.len() != b.num_rows() {
        return Err(UdfError::Other(format!("{} items for {} rows", items.len(), b.num_rows())));
    }
    let mut slots: Vec<Option<T>> = items.into_iter().map(Some).collect();
    // canonical_order is a permutation: every slot is taken exactly once.
    Ok(canonical_order(b)?.into_iter().filter_map(|r| slots[r].take().map(|t| (r, t))).collect())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use datafusion::arrow::array::{ArrayRef, BinaryArray, Int64Array, RecordBatch};

    use super::{CHUNK, canonical_order, in_canonical_order};

    fn batch(rows: &[(Vec<u8>, i64)]) -> RecordBatch {
        let image: ArrayRef = Arc::new(BinaryArray::from(rows.iter().map(|r| r.0.as_slice()).collect::<Vec<_>>()));
        let fold: ArrayRef = Arc::new(Int64Array::from(rows.iter().map(|r| r.1).collect::<Vec<_>>()));
        RecordBatch::try_from_iter([("image", image), ("fold", fold)]).unwrap()
    }

    fn sequence(rows: &[(Vec<u8>, i64)]) -> Vec<(Vec<u8>, i64)> {
        canonical_order(&batch(rows)).unwrap().into_iter().map(|r| rows[r].clone()).collect()
    }

    #[test]
    fn the_same_rows_in_any_order_give_the_same_sequence() {
        // More rows than a chunk, duplicates included, rows that differ only in one column.
        let rows: Vec<(Vec<u8>, i64)> = (0..2 * CHUNK + 37).map(|i| (format!("img{}", i % 1500).into_bytes(), (i % 3) as i64)).collect();
        let mut reversed = rows.clone();
        reversed.reverse();
        let interleaved: Vec<_> = rows.iter().step_by(2).chain(rows.iter().skip(1).step_by(2)).cloned().collect();
        let want = sequence(&rows);
        assert_eq!(sequence(&reversed), want);
        assert_eq!(sequence(&interleaved), want);
        assert_eq!(canonical_order(&batch(&[])).unwrap(), Vec::<usize>::new());
        // Items follow their rows; a list that does not match the rows is an error.
        let b = batch(&rows);
        let items: Vec<usize> = (0..rows.len()).map(|r| r * 10).collect();
        let ordered = in_canonical_order(&b, items).unwrap();
        assert_eq!(ordered.iter().map(|(r, _)| *r).collect::<Vec<_>>(), canonical_order(&b).unwrap());
        assert!(ordered.iter().all(|(r, t)| *t == r * 10));
        assert!(in_canonical_order(&b, vec![0; 3]).is_err());
    }
}
