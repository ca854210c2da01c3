// Usage: node summarize.mjs file.parquet
// Prints {"rows": n, "columns": [...], "sums": {column: sum}} using hyparquet, independently of DuckDB.
// Sums cover numeric, bigint and timestamp columns (timestamps summed as epoch milliseconds).
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet'
import { compressors } from 'hyparquet-compressors'

const path = process.argv[2]
if (!path) {
  console.error('usage: node summarize.mjs <file.parquet>')
  process.exit(2)
}
try {
  const file = await asyncBufferFromFile(path)
  const metadata = await parquetMetadataAsync(file)
  const rows = await parquetReadObjects({ file, compressors })
  const columns = metadata.schema.slice(1).map(element => element.name)
  const sums = {}
  for (const column of columns) {
    let sum = 0
    let numeric = false
    for (const row of rows) {
      const value = row[column]
      if (typeof value === 'number') { sum += value; numeric = true }
      else if (typeof value === 'bigint') { sum += Number(value); numeric = true }
      else if (value instanceof Date) { sum += value.getTime(); numeric = true }
    }
    if (numeric) sums[column] = sum
  }
  console.log(JSON.stringify({ rows: Number(metadata.num_rows), readRows: rows.length, columns, sums }))
} catch (error) {
  console.error(`cannot read ${path}: ${error.message}`)
  process.exit(1)
}
