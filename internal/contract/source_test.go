package contract_test

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/tf-influxdb/terraform-provider-influxdb/internal/contract"
)

// With no override the contracts come from the copies inside the module, so
// a clone of the repository alone can run every test.
func TestDefaultSourceIsInsideTheModule(t *testing.T) {
	t.Setenv(contract.DirEnv, "")
	fsys, where := contract.Source()
	if where != "internal/contract/testdata (embedded)" {
		t.Fatalf("source %q, want the embedded copies", where)
	}
	if _, err := contract.LoadFS(fsys); err != nil {
		t.Fatalf("embedded contracts: %v", err)
	}
}

func TestOverrideDirectory(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(contract.DirEnv, dir)
	if _, where := contract.Source(); where != dir {
		t.Fatalf("source %q, want %q", where, dir)
	}
}

// The table in testdata/README.md records each file's SHA-256; a copy that
// was edited, or refreshed without updating the table, fails here.
func TestContractsMatchTheirChecksums(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("testdata", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("(?m)^\\| `([^`]+)` \\|.*\\| `([0-9a-f]{64})` \\|$")
	rows := row.FindAllStringSubmatch(string(readme), -1)
	if len(rows) != 4 {
		t.Fatalf("testdata/README.md lists %d files with checksums, want 4", len(rows))
	}
	for _, r := range rows {
		data, err := os.ReadFile(filepath.Join("testdata", r[1]))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		if got := hex.EncodeToString(sum[:]); got != r[2] {
			t.Errorf("%s: sha256 %s, README says %s", r[1], got, r[2])
		}
	}
}
