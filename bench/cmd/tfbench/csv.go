package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

const (
	mib            = 1 << 20
	maxResultBytes = 10 * mib // the provider's default max_result_bytes
)

// figureCSV is figure 3: parsing invocation results.
func (b *bench) figureCSV(ctx context.Context) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	dir := filepath.Join(b.runDir, "csv")
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	body := filepath.Join(dir, "body.csv")
	rows := b.opt.csvRows
	if err := writeBody(body, rows); err != nil {
		return err
	}
	size := csvBodySize(rows)
	sizeMB := float64(size) / 1e6
	worker := func(args ...string) (workerResult, error) {
		var res workerResult
		cmd := exec.CommandContext(ctx, self, append([]string{csvWorkerArg}, args...)...) //nolint:gosec // ourselves
		cmd.Env = append(os.Environ(), "GOGC=100", "GOMEMLIMIT=off", "GOMAXPROCS=2")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			return res, fmt.Errorf("csv-worker %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
		}
		if err := json.Unmarshal(out, &res); err != nil {
			return res, fmt.Errorf("csv-worker %s: %w", strings.Join(args, " "), err)
		}
		return res, nil
	}

	var detail strings.Builder
	fmt.Fprintf(&detail, "### Figure 3: invocation results\n\nBody: %d rows of plain Flux CSV, %d bytes (%.1f MB), mapped outside the Go heap; each measurement in a fresh process (GOGC=100). Peak heap: the highest sample (every 0.5 ms, runtime/metrics `%s`) above the heap before parsing.\n\n", rows, size, sizeMB, heapMetric)
	detail.WriteString("| measurement | runs |\n|---|---|\n")
	defer func() { b.details = append(b.details, detail.String()+"\n") }()

	// Throughput and streaming peak heap, ours and floor alternately.
	var mbps = map[string][]float64{}
	var peak = map[string][]float64{}
	for r := range b.opt.csvRuns {
		for _, m := range rotate([]string{"reader", "floor"}, r) {
			b.logf("figure 3: %s run %d/%d", m, r+1, b.opt.csvRuns)
			res, err := worker("-mode", m, "-file", body)
			if err != nil {
				return err
			}
			if res.Rows != rows || res.Bytes != size {
				return fmt.Errorf("%s parsed %d rows of %d bytes, want %d rows of %d", m, res.Rows, res.Bytes, rows, size)
			}
			mbps[m] = append(mbps[m], float64(res.Bytes)/1e6/res.Seconds)
			peak[m] = append(peak[m], float64(res.PeakHeap)/mib)
		}
	}
	fmt.Fprintf(&detail, "| fluxcsv.Reader, MB/s | %s |\n| encoding/csv floor, MB/s | %s |\n| fluxcsv.Reader, peak heap MiB | %s |\n| encoding/csv floor, peak heap MiB | %s |\n",
		floats(mbps["reader"], 1), floats(mbps["floor"], 1), floats(peak["reader"], 2), floats(peak["floor"], 2))
	oT, fT := median(mbps["reader"]), median(mbps["floor"])
	nLabel := fmt.Sprintf("%d rows, %.0f MB", rows, sizeMB)
	b.rows = append(b.rows,
		row{Fig: "3", What: "CSV parse throughput (fluxcsv.Reader vs encoding/csv)", N: nLabel, CLI: "—",
			Ours: fmt.Sprintf("%.1f MB/s", oT), Floor: fmt.Sprintf("%.1f MB/s", fT), Ratio: fmt.Sprintf("%.2f", ratioOf(oT, fT)), Target: "≥ 0.7", Result: judge(ratioOf(oT, fT), 0.7, false)})
	oP, fP := median(peak["reader"]), median(peak["floor"])
	b.rows = append(b.rows,
		row{Fig: "3", What: "streaming peak heap (fluxcsv.Reader vs encoding/csv)", N: nLabel, CLI: "—",
			Ours: fmt.Sprintf("%.1f MiB", oP), Floor: fmt.Sprintf("%.1f MiB", fP), Ratio: fmt.Sprintf("%.2f", ratioOf(oP, fP)), Target: "ours ≤ 16 MiB (constant)", Result: judge(oP, 16, true)})

	// Collect with the default limit over the whole 100 MB stream: it must
	// stop after max_result_bytes+1 bytes, with a heap bound by the limit.
	var read, cpeak []float64
	for r := range 3 {
		b.logf("figure 3: Collect over the %.0f MB stream, max %d MiB, run %d/3", sizeMB, maxResultBytes/mib, r+1)
		res, err := worker("-mode", "collect", "-rows", strconv.Itoa(rows), "-limit", strconv.Itoa(maxResultBytes))
		if err != nil {
			return err
		}
		if !res.TooLarge {
			return fmt.Errorf("fluxcsv.Collect over %d bytes with max %d did not fail with TooLargeError", size, maxResultBytes)
		}
		read = append(read, float64(res.Bytes))
		cpeak = append(cpeak, float64(res.PeakHeap)/mib)
	}
	fmt.Fprintf(&detail, "| Collect, max 10 MiB over the %.0f MB stream: bytes read | %s |\n| Collect, max 10 MiB over the %.0f MB stream: peak heap MiB | %s |\n", sizeMB, floats(read, 0), sizeMB, floats(cpeak, 2))
	rd := median(read)
	b.rows = append(b.rows, row{Fig: "3", What: "Collect, max_result_bytes 10 MiB over the stream: bytes read before stopping (floor = max + 1)", N: nLabel, CLI: "—",
		Ours: fmt.Sprintf("%.0f B", rd), Floor: fmt.Sprintf("%d B", maxResultBytes+1), Ratio: fmt.Sprintf("%.2f", ratioOf(rd, maxResultBytes+1)), Target: "= 1.00", Result: judge(rd, maxResultBytes+1, true)})
	cp := median(cpeak)
	const slack = 16.0 // MiB: the constant of "max_result_bytes plus a constant"
	b.rows = append(b.rows, row{Fig: "3", What: "Collect, max_result_bytes 10 MiB over the stream: peak heap (floor = max_result_bytes)", N: nLabel, CLI: "—",
		Ours: fmt.Sprintf("%.1f MiB", cp), Floor: fmt.Sprintf("%d MiB", maxResultBytes/mib), Ratio: fmt.Sprintf("%.2f", cp/float64(maxResultBytes/mib)), Target: fmt.Sprintf("ours ≤ max + %.0f MiB", slack), Result: judge(cp, float64(maxResultBytes/mib)+slack, true)})

	// Collect of a result just under the limit: what an accepted result costs.
	// The target is the same bound as above: peak memory bounded by
	// max_result_bytes plus a constant, not by the body size.
	okRows := int((maxResultBytes - int64(len(csvHeader))) / csvRowLen)
	var okPeak, okSecs []float64
	for r := range 3 {
		b.logf("figure 3: Collect of a %d-row result under the limit, run %d/3", okRows, r+1)
		res, err := worker("-mode", "collect", "-rows", strconv.Itoa(okRows), "-limit", strconv.Itoa(maxResultBytes))
		if err != nil {
			return err
		}
		if res.TooLarge || res.Rows != okRows {
			return fmt.Errorf("fluxcsv.Collect of %d rows under the limit returned %d rows (too large: %v)", okRows, res.Rows, res.TooLarge)
		}
		okPeak = append(okPeak, float64(res.PeakHeap)/mib)
		okSecs = append(okSecs, res.Seconds)
	}
	fmt.Fprintf(&detail, "| Collect of %d rows (%.1f MiB) under max 10 MiB: peak heap MiB | %s |\n| … seconds | %s |\n", okRows, float64(csvBodySize(okRows))/mib, floats(okPeak, 2), floats(okSecs, 3))
	op := median(okPeak)
	bodyMiB := float64(csvBodySize(okRows)) / mib
	b.rows = append(b.rows, row{Fig: "3", What: "Collect of a result just under max_result_bytes: peak heap (floor = body size)", N: fmt.Sprintf("%d rows, %.1f MiB", okRows, bodyMiB), CLI: "—",
		Ours: fmt.Sprintf("%.1f MiB", op), Floor: fmt.Sprintf("%.1f MiB", bodyMiB), Ratio: fmt.Sprintf("%.2f", op/bodyMiB),
		Target: fmt.Sprintf("ours ≤ max + %.0f MiB", slack), Result: judge(op, float64(maxResultBytes/mib)+slack, true)})

	return b.conversionBenchmarks(ctx, &detail)
}

// conversionBenchmarks runs the Go benchmarks of internal/provider that
// turn 10,000 rows into Terraform values: ours (rowsValue), the floor (the
// same rows copied as plain Go maps) and, for reference, the framework's
// reflection (types.ListValueFrom), in rotating order.
func (b *bench) conversionBenchmarks(ctx context.Context, detail *strings.Builder) error {
	const ours, floor, refl = "BenchmarkInvocationRowsToTerraform", "BenchmarkInvocationRowsFloor", "BenchmarkInvocationRowsReflection"
	names := []string{ours, floor, refl}
	ns := map[string][]float64{}
	bytesOp := map[string][]float64{}
	allocs := map[string][]float64{}
	for r := range b.opt.runs {
		for _, name := range rotate(names, r) {
			b.logf("figure 3: %s run %d/%d", name, r+1, b.opt.runs)
			cmd := exec.CommandContext(ctx, b.testBin, "-test.run", "^$", "-test.bench", "^"+name+"$", "-test.benchmem", "-test.benchtime", "5x", "-test.count", "1") //nolint:gosec // our own test binary
			cmd.Dir = filepath.Join(b.opt.root, "internal", "provider")
			out, err := cmd.CombinedOutput()
			if err != nil {
				return fmt.Errorf("%s: %w\n%s", name, err, tail(string(out), 20))
			}
			v, err := parseBenchLine(string(out), name)
			if err != nil {
				return err
			}
			ns[name] = append(ns[name], v["ns/op"])
			bytesOp[name] = append(bytesOp[name], v["B/op"])
			allocs[name] = append(allocs[name], v["allocs/op"])
		}
	}
	for _, l := range []struct{ name, label string }{
		{ours, "rowsValue (ours)"},
		{floor, "plain Go maps (floor)"},
		{refl, "types.ListValueFrom (reflection, for reference)"},
	} {
		fmt.Fprintf(detail, "| rows → Terraform values, 10,000 rows: %s ms/op | %s |\n| … MB/op, allocs/op | %.1f, %.0f |\n",
			l.label, floats(scale(ns[l.name], 1e-6), 1), median(bytesOp[l.name])/1e6, median(allocs[l.name]))
	}
	o, f, x := median(ns[ours])/1e6, median(ns[floor])/1e6, median(ns[refl])/1e6
	b.rows = append(b.rows, row{Fig: "3", What: "rows → Terraform values (rowsValue vs the same rows as plain Go maps)", N: "10,000 rows", CLI: "—",
		Ours: fmt.Sprintf("%.1f ms", o), Floor: fmt.Sprintf("%.1f ms", f), Ratio: fmt.Sprintf("%.2f", ratioOf(o, f)), Target: "—"})
	b.rows = append(b.rows, row{Fig: "3", What: "rows → Terraform values, allocated per conversion (rowsValue vs plain Go maps)", N: "10,000 rows", CLI: "—",
		Ours: fmt.Sprintf("%.1f MB", median(bytesOp[ours])/1e6), Floor: fmt.Sprintf("%.1f MB", median(bytesOp[floor])/1e6),
		Ratio: fmt.Sprintf("%.2f", ratioOf(median(bytesOp[ours]), median(bytesOp[floor]))), Target: "—"})
	b.rows = append(b.rows, row{Fig: "3", What: "rows → Terraform values: types.ListValueFrom (reflection, replaced) vs plain Go maps", N: "10,000 rows", CLI: "—",
		Ours: fmt.Sprintf("%.1f ms", x), Floor: fmt.Sprintf("%.1f ms", f), Ratio: fmt.Sprintf("%.2f", ratioOf(x, f)), Target: "—"})
	return nil
}

var benchLine = regexp.MustCompile(`^(Benchmark\S+?)(-\d+)?\s+\d+\s+(.*)$`)

// parseBenchLine reads the metrics of one benchmark's result line.
func parseBenchLine(out, name string) (map[string]float64, error) {
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		m := benchLine.FindStringSubmatch(strings.TrimSpace(sc.Text()))
		if m == nil || m[1] != name {
			continue
		}
		f := strings.Fields(m[3])
		v := map[string]float64{}
		for i := 0; i+1 < len(f); i += 2 {
			x, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				return nil, fmt.Errorf("%s: cannot read %q", name, sc.Text())
			}
			v[f[i+1]] = x
		}
		if v["ns/op"] == 0 {
			return nil, fmt.Errorf("%s: no ns/op in %q", name, sc.Text())
		}
		return v, nil
	}
	return nil, fmt.Errorf("%s: no result line in the output:\n%s", name, tail(out, 20))
}

// writeBody writes the generated CSV body to a file.
func writeBody(path string, rows int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	if _, err := io.Copy(w, newCSVStream(rows)); err != nil {
		_ = f.Close()
		return err
	}
	if err := w.Flush(); err != nil {
		_ = f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if fi.Size() != csvBodySize(rows) {
		return fmt.Errorf("generated body has %d bytes, want %d (row length is off)", fi.Size(), csvBodySize(rows))
	}
	return nil
}

func floats(fs []float64, prec int) string {
	parts := make([]string, len(fs))
	for i, f := range fs {
		parts[i] = strconv.FormatFloat(f, 'f', prec, 64)
	}
	return strings.Join(parts, ", ")
}

func scale(fs []float64, k float64) []float64 {
	out := make([]float64, len(fs))
	for i, f := range fs {
		out[i] = f * k
	}
	return out
}
