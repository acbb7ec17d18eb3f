package provider

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"

	"github.com/tf-influxdb/terraform-provider-influxdb/internal/fluxcsv"
)

// The invocation benchmarks measure what the invocation data source and
// ephemeral resource do with a parsed result: turn fluxcsv's rows into the
// Terraform value of the rows attribute (a list of maps of strings). They
// run over 10,000 rows of eight columns, the shape of a typical Flux result.
// `make bench` runs them alternately through bench/cmd/tfbench.

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
// runInvocation does it: types.ListValueFrom over the []map[string]string.
func BenchmarkInvocationRowsToTerraform(b *testing.B) {
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

// BenchmarkInvocationRowsFloor is the yardstick: the same value built
// directly from attr values, without the framework's reflection.
func BenchmarkInvocationRowsFloor(b *testing.B) {
	rows := benchInvocationResult().Rows
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		elems := make([]attr.Value, len(rows))
		for i, row := range rows {
			m := make(map[string]attr.Value, len(row))
			for k, v := range row {
				m[k] = basetypes.NewStringValue(v)
			}
			elems[i] = basetypes.NewMapValueMust(types.StringType, m)
		}
		v := basetypes.NewListValueMust(invocationRowType, elems)
		if len(v.Elements()) != len(rows) {
			b.Fatal("wrong number of elements")
		}
	}
	b.ReportMetric(float64(len(rows)), "rows/op")
}
