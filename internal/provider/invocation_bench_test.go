package provider

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/tf-influxdb/terraform-provider-influxdb/internal/fluxcsv"
)

// The invocation benchmarks measure what the invocation data source and
// ephemeral resource do with a parsed result: read its rows from the body into the
// Terraform value of the rows attribute (a list of maps of strings). They
// run over 10,000 rows of eight columns, the shape of a typical Flux result.
// `make bench` runs the conversion and its floor alternately, each in a
// fresh process (bench/cmd/tfbench); the reflection path is for reference.

const benchInvocationRows = 10000

// benchInvocationResult parses a generated plain Flux CSV body once.
var benchInvocationResult = sync.OnceValue(func() *fluxcsv.Result {
	var sb strings.Builder
	sb.WriteString(",result,table,_start,_stop,_time,_value,_field,_measurement,host\r\n")
	for i := range benchInvocationRows {
		sb.WriteString(",_result,0,2024-01-01T00:00:00Z,2024-01-02T00:00:00Z,2024-01-01T00:00:")
		sb.WriteString(strconv.Itoa(10 + i%50))
		sb.WriteString("Z,")
		sb.WriteString(strconv.Itoa(i % 1000))
		sb.WriteString(".5,usage_user,cpu,host-")
		sb.WriteString(strconv.Itoa(i % 500))
		sb.WriteString("\r\n")
	}
	res, err := fluxcsv.Collect(strings.NewReader(sb.String()), int64(sb.Len()))
	if err != nil {
		panic(err)
	}
	if res.NumRows != benchInvocationRows {
		panic("generated result has " + strconv.Itoa(res.NumRows) + " rows")
	}
	return res
})

// benchInvocationMaps is the same result as plain Go maps, one per row.
var benchInvocationMaps = sync.OnceValue(func() []map[string]string {
	var rows []map[string]string
	err := benchInvocationResult().EachRow(func(columns, values []string) {
		m := make(map[string]string, len(columns))
		for i, c := range columns {
			m[c] = values[i]
		}
		rows = append(rows, m)
	})
	if err != nil {
		panic(err)
	}
	return rows
})

// BenchmarkInvocationRowsToTerraform is the provider's conversion, as
// runInvocation does it (rowsValue).
func BenchmarkInvocationRowsToTerraform(b *testing.B) {
	res := benchInvocationResult()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		v, err := rowsValue(res)
		if err != nil || len(v.Elements()) != res.NumRows {
			b.Fatal("wrong number of elements", err)
		}
	}
	b.ReportMetric(float64(res.NumRows), "rows/op")
}

// BenchmarkInvocationRowsFloor is the yardstick: the same rows read from the
// body and copied as plain Go maps, which is what any representation of them
// must at least do. The ratio to it is what Terraform's value types add.
func BenchmarkInvocationRowsFloor(b *testing.B) {
	res := benchInvocationResult()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		out := make([]map[string]string, 0, res.NumRows)
		err := res.EachRow(func(columns, values []string) {
			m := make(map[string]string, len(columns))
			for i, c := range columns {
				m[c] = values[i]
			}
			out = append(out, m)
		})
		if err != nil || len(out) != res.NumRows {
			b.Fatal("wrong number of elements", err)
		}
	}
	b.ReportMetric(float64(res.NumRows), "rows/op")
}

// BenchmarkInvocationRowsReflection is the conversion through the
// framework's reflection (types.ListValueFrom), which rowsValue replaced;
// kept to show what that choice saves.
func BenchmarkInvocationRowsReflection(b *testing.B) {
	ctx := context.Background()
	rows := benchInvocationMaps()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		v, diags := types.ListValueFrom(ctx, invocationRowType, rows)
		if diags.HasError() {
			b.Fatal(diags)
		}
		if len(v.Elements()) != len(rows) {
			b.Fatal("wrong number of elements")
		}
	}
	b.ReportMetric(float64(len(rows)), "rows/op")
}
