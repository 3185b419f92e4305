// Package e2e_test runs the real warroom binary: it builds it once, starts
// `warroom serve` on a free port with a fresh database, and drives whole
// incidents through the command line and the raw HTTP API.
package e2e_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// binary is the warroom binary built for this test run.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "warroom-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "warroom")
	// go test puts its own go first on PATH, so this builds with the same
	// toolchain as the test.
	build := exec.Command("go", "build", "-o", binary, "github.com/warroom/warroom/cmd/warroom")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: building warroom failed:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
