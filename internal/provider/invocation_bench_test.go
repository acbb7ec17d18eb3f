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
// ephemeral resource do with a parsed result: turn fluxcsv's rows into the
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
	if len(res.Rows) != benchInvocationRows {
		panic("generated result has " + strconv.Itoa(len(res.Rows)) + " rows")
	}
	return res
})

// BenchmarkInvocationRowsToTerraform is the provider's conversion, as
// runInvocation does it (rowsValue).
func BenchmarkInvocationRowsToTerraform(b *testing.B) {
	rows := benchInvocationResult().Rows
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		v := rowsValue(rows)
		if len(v.Elements()) != len(rows) {
			b.Fatal("wrong number of elements")
		}
	}
	b.ReportMetric(float64(len(rows)), "rows/op")
}

// BenchmarkInvocationRowsFloor is the yardstick: the same rows copied as
// plain Go maps, which is what any representation of them must at least do.
// The ratio to it is what Terraform's value types add.
func BenchmarkInvocationRowsFloor(b *testing.B) {
	rows := benchInvocationResult().Rows
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		out := make([]map[string]string, len(rows))
		for i, row := range rows {
			m := make(map[string]string, len(row))
			for k, v := range row {
				m[k] = v
			}
			out[i] = m
		}
		if len(out) != len(rows) {
			b.Fatal("wrong number of elements")
		}
	}
	b.ReportMetric(float64(len(rows)), "rows/op")
}

// BenchmarkInvocationRowsReflection is the conversion through the
// framework's reflection (types.ListValueFrom), which rowsValue replaced;
// kept to show what that choice saves.
func BenchmarkInvocationRowsReflection(b *testing.B) {
	ctx := context.Background()
	rows := benchInvocationResult().Rows
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
