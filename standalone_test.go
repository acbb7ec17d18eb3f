package main

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestNothingReadsOutsideTheRepository keeps a clone of the repository
// enough to run make test: no file may point at a sibling folder of the
// checkout (the contracts the tests read live in internal/contract/testdata).
func TestNothingReadsOutsideTheRepository(t *testing.T) {
	needles := [][]byte{[]byte(".." + "/shared"), []byte(`"shared", ` + `"openapi"`)}
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type()&fs.ModeSymlink != 0 {
			return nil // a link to tools or caches outside the checkout, not a file of it
		}
		if d.IsDir() {
			switch d.Name() {
			case ".git", ".tools", "bin", "dist", ".demo", "work", ".terraform":
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasPrefix(path, filepath.Join("internal", "contract", "testdata")) {
			return nil // InfluxData's files, unmodified
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, n := range needles {
			if bytes.Contains(data, n) {
				t.Errorf("%s refers to %q, outside the repository", path, n)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
